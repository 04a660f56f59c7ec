"""Saleor's GraphQL view with the query limits of ``limits.py`` checked before anything runs."""

from __future__ import annotations

from typing import Any

from graphql import parse
from graphql.error import GraphQLError, GraphQLSyntaxError
from graphql.execution import ExecutionResult
from saleor.graphql.views import GraphQLView

from .core.access import QueryArgumentError
from .limits import Limits, QueryRefused, analyse, refusal


class RetentionGraphQLView(GraphQLView):
    HANDLED_EXCEPTIONS = (*GraphQLView.HANDLED_EXCEPTIONS, QueryRefused, QueryArgumentError)

    def execute_graphql_request(self, request: Any, data: dict) -> Any:
        query, variables, operation_name = self.get_graphql_params(request, data)
        if isinstance(query, str) and query:
            try:
                document = parse(query)
            except (GraphQLSyntaxError, ValueError):
                document = None  # Saleor's view reports the syntax error as it always has
            if document is not None:
                analysis = analyse(self.schema, document, variables, operation_name)
                error = refusal(analysis, Limits.from_settings())
                if error is not None:
                    return ExecutionResult(errors=[error], invalid=True)
        return super().execute_graphql_request(request, data)

    @classmethod
    def format_error(cls, error: Any) -> dict:
        """Saleor's format, which replaces ``extensions`` with the exception's class name; the
        plugin's errors keep their code (QUERY_TOO_DEEP, ...) beside it."""
        result = super().format_error(error)
        if isinstance(error, GraphQLError) and error.extensions:
            result["extensions"] = {**error.extensions, **result.get("extensions", {})}
        return result
