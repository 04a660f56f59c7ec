"""Saleor's GraphQL view with the query limits of ``limits.py`` checked before anything runs."""

from __future__ import annotations

import contextlib
import re
from typing import Any

from django.http import JsonResponse
from django.utils.translation import gettext as _
from graphql.error import GraphQLError, GraphQLSyntaxError
from graphql.execution import ExecutionResult
from graphql.execution.middleware import MiddlewareManager
from saleor.graphql.views import GraphQLView

from .. import saleor_adapter as saleor
from ..audit import services as audit
from .core.access import QueryArgumentError
from .core.documents import documents
from .core.middleware import FieldMiddleware
from .limits import Limits, QueryRefused, analyse, batch_refusal, refusal


class RetentionGraphQLView(GraphQLView):
    HANDLED_EXCEPTIONS = (*GraphQLView.HANDLED_EXCEPTIONS, QueryRefused, QueryArgumentError)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Saleor's per-field middlewares without a Promise around every field (core/middleware.py)
        middleware: Any = getattr(self, "middleware", None)
        if middleware and not isinstance(middleware, MiddlewareManager):
            self.middleware = FieldMiddleware(*middleware)

    def _handle_query(self, request: Any) -> JsonResponse:
        """Saleor runs a JSON list of operations one after another: a long list would bypass
        the per-query limits, so a batch has a limit of its own."""
        try:
            data = self.parse_body(request)
        except ValueError:
            data = None  # Saleor's view answers "Unable to parse query."
        error = batch_refusal(data, Limits.from_settings())
        if error is not None:
            return JsonResponse(data={"errors": [self.format_error(error)]}, status=400)
        return super()._handle_query(request)

    def execute_graphql_request(self, request: Any, data: dict) -> Any:
        query, variables, operation_name = self.get_graphql_params(request, data)
        analysis = None
        if isinstance(query, str) and query:
            try:
                entry = documents.entry(query)
            except (GraphQLSyntaxError, ValueError):
                entry = None  # Saleor's view reports the syntax error as it always has
            if entry is not None:
                analysis = self.analysis(entry, variables, operation_name)
                error = refusal(analysis, Limits.from_settings()) or surrogate_refusal(
                    entry.tree, variables
                )
                if error is not None:
                    return ExecutionResult(errors=[error], invalid=True)
        # The plugin reads and writes its own tables on the writer (Saleor 3.x reads its own
        # through the replica): a request that selects a plugin field runs with Saleor's
        # allow_writer(), so a store with ENABLE_RESTRICT_WRITER_MIDDLEWARE logs nothing for
        # it; one that selects none runs as Saleor's own. 2.10 has no such split.
        touches_plugin = analysis is not None and analysis.touches_plugin
        writer = saleor.writer_allowed() if touches_plugin else contextlib.nullcontext()
        with audit.request_scope(request), writer:  # who acts, for hooks Saleor calls without it
            return super().execute_graphql_request(request, data)

    def analysis(self, entry: Any, variables: Any, operation_name: str | None) -> Any:
        """The limits' analysis of the entry's document, computed once per text when no
        variable's value enters it (a storefront's same few texts, sent over and over)."""
        key = (self.schema, operation_name)
        found = entry.analyses.get(key)
        if found is None:
            found = analyse(self.schema, entry.tree, variables, operation_name)
            if found is not None and not found.uses_variables:
                entry.analyses[key] = found
        return found

    def format_error(self, error: Any) -> dict:
        """Saleor's format, which replaces ``extensions`` with the exception's class name; the
        plugin's errors keep their code (QUERY_TOO_DEEP, ...) beside it. An instance method:
        3.x's is one (it reads the query), 2.10's classmethod answers through the instance too."""
        result = super().format_error(error)
        if isinstance(error, GraphQLError) and error.extensions:
            result["extensions"] = {**error.extensions, **result.get("extensions", {})}
        return result


_SURROGATE = re.compile("[\ud800-\udfff]")
# the same spelled as a GraphQL string escape inside the query text
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


def _has_lone_surrogate(value: Any) -> bool:
    if isinstance(value, str):
        return bool(_SURROGATE.search(value))
    if isinstance(value, dict):
        return any(_has_lone_surrogate(k) or _has_lone_surrogate(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_lone_surrogate(item) for item in value)
    return False


def surrogate_refusal(document: Any, variables: Any) -> QueryRefused | None:
    """JSON can spell a lone surrogate (``"\\ud800"``), which is no Unicode character: no
    database or e-mail can hold it, and it would crash whatever stores it. Refused as GraphQL
    refuses a value of the wrong type, before anything runs."""
    query = document.loc.source.body
    if not (
        _has_lone_surrogate(variables)
        or _has_lone_surrogate(query)
        or _SURROGATE_ESCAPE.search(query)
    ):
        return None
    return QueryRefused(
        _("Text must be valid Unicode: a lone surrogate such as \\ud800 is not a character."),
        code="INVALID_UNICODE",
    )
