"""Each query text parsed once and validated once, as Saleor 3.x does with its cached backend.

Saleor 2.10's view parses every request's query and validates it against the schema before it
runs; the plugin's view parsed it a second time for the query limits. A storefront sends the
same few query texts over and over, and both steps are pure functions of the text (and the
schema), so their results are kept in bounded LRU caches: one parse serves the limits and the
execution, and validation runs once per text. Validation stays lazy (at execution, after the
limits have refused what is too deep or too costly), because some of its rules are quadratic in
the size of the document: an over-limit query must never reach them.

Saleor 3.x ships its own cached backend (``saleor.graphql.api.backend``, which validates
eagerly); the plugin passes that one through unchanged there and builds this one on 2.10.
"""

from __future__ import annotations

import functools
from typing import Any

from graphql import parse
from graphql.backend.base import GraphQLDocument
from graphql.backend.core import GraphQLCoreBackend
from graphql.execution import ExecutionResult, execute
from graphql.language import ast
from graphql.validation import validate

# Distinct query texts kept; Saleor 3.x keeps 1,000 in its backend's cache. A text over the
# plugin's limits is parsed (to be refused) but never validated, so it costs one entry here.
DOCUMENTS_KEPT = 1000


@functools.lru_cache(maxsize=DOCUMENTS_KEPT)
def parsed(query: str) -> ast.Document:
    """The query's syntax tree, shared by every request that sends the same text. graphql-core
    never changes a tree it executes, so one object can serve them all. A syntax error is raised
    on every call (exceptions are not cached)."""
    return parse(query)


@functools.lru_cache(maxsize=DOCUMENTS_KEPT)
def validation_errors(schema: Any, query: str) -> tuple[Any, ...]:
    """The schema's validation rules on the text's tree, run once per schema and text."""
    return tuple(validate(schema, parsed(query)))


# the names Saleor 2.10's view passes, which graphql-core's ``execute`` accepts only as
# deprecated aliases
_ALIASES = {"root": "root_value", "context": "context_value", "variables": "variable_values"}


def execute_validated(schema: Any, query: str, **kwargs: Any) -> Any:
    """graphql-core's ``execute_and_validate`` with the validation looked up, not rerun."""
    errors = validation_errors(schema, query)
    if errors:
        return ExecutionResult(errors=list(errors), invalid=True)
    kwargs.pop("validate", None)
    options = {_ALIASES.get(name, name): value for name, value in kwargs.items()}
    return execute(schema, parsed(query), **options)


class CachedDocumentsBackend(GraphQLCoreBackend):
    """The backend of Saleor 2.10's view on the plugin's endpoint: documents from ``parsed``,
    validation from ``validation_errors``; a tree handed in directly is left to graphql-core."""

    def document_from_string(self, schema: Any, document_string: Any) -> GraphQLDocument:
        if not isinstance(document_string, str):
            return super().document_from_string(schema, document_string)
        return GraphQLDocument(
            schema=schema,
            document_string=document_string,
            document_ast=parsed(document_string),
            execute=functools.partial(
                execute_validated, schema, document_string, **self.execute_params
            ),
        )
