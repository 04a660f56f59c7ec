"""Each query text parsed once and validated once, as Saleor 3.x does with its cached backend.

Saleor 2.10's view parses every request's query and validates it against the schema before it
runs; the plugin's view parsed it a second time for the query limits. A storefront sends the
same few query texts over and over, and both steps are pure functions of the text (and the
schema), so their results are kept in one bounded LRU cache: one parse serves the limits and the
execution, and validation runs once per text. Validation stays lazy (at execution, after the
limits have refused what is too deep or too costly), because some of its rules are quadratic in
the size of the document: an over-limit query must never reach them.

Saleor 3.x ships its own cached backend (``saleor.graphql.api.backend``, which validates
eagerly); the plugin passes that one through unchanged there and builds this one on 2.10.
"""

from __future__ import annotations

import functools
import threading
from collections import OrderedDict
from typing import Any

from graphql import parse
from graphql.backend.base import GraphQLDocument
from graphql.backend.core import GraphQLCoreBackend
from graphql.execution import ExecutionResult, execute
from graphql.language import ast
from graphql.validation import validate

# A parsed tree takes about 70 bytes per character of its query (measured with tracemalloc on a
# 7,700-character query: 542 KB), so the cache is bounded by the characters it keeps, not by a
# count of texts: 1,000,000 characters is at most about 70 MB, and holds a storefront's and the
# dashboard's few hundred texts of a few kilobytes each many times over. A text longer than
# LONGEST_KEPT is parsed and validated on every request, as Saleor 2.10 does with all of them.
CHARACTERS_KEPT = 1_000_000
LONGEST_KEPT = 50_000


class _Entry:
    __slots__ = ("tree", "errors", "analyses")

    def __init__(self, tree: ast.Document) -> None:
        self.tree = tree
        self.errors: dict[Any, tuple[Any, ...]] = {}  # schema -> its validation errors
        # (schema, operation name) -> the query limits' analysis, when no variable entered it
        self.analyses: dict[tuple[Any, str | None], Any] = {}


class DocumentCache:
    """Least recently used query texts, with their trees and validation results."""

    def __init__(self, characters: int = CHARACTERS_KEPT, longest: int = LONGEST_KEPT) -> None:
        self.characters, self.longest = characters, longest
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        self._kept = 0
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def characters_kept(self) -> int:
        return self._kept

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._kept = 0

    def entry(self, query: str) -> _Entry:
        with self._lock:
            found = self._entries.get(query)
            if found is not None:
                self._entries.move_to_end(query)
                return found
        found = _Entry(parse(query))  # a syntax error raises here and keeps nothing
        if len(query) <= self.longest:
            with self._lock:
                if query not in self._entries:
                    self._entries[query] = found
                    self._kept += len(query)
                    while self._kept > self.characters:
                        oldest, _ = self._entries.popitem(last=False)
                        self._kept -= len(oldest)
        return found


documents = DocumentCache()


def validation_errors(schema: Any, entry: _Entry) -> tuple[Any, ...]:
    """The schema's validation rules on the entry's tree, run once per schema and text."""
    errors = entry.errors.get(schema)
    if errors is None:
        errors = entry.errors[schema] = tuple(validate(schema, entry.tree))
    return errors


# the names Saleor 2.10's view passes, which graphql-core's ``execute`` accepts only as
# deprecated aliases
_ALIASES = {"root": "root_value", "context": "context_value", "variables": "variable_values"}


def execute_validated(schema: Any, entry: _Entry, **kwargs: Any) -> Any:
    """graphql-core's ``execute_and_validate`` with the validation looked up, not rerun. The
    entry is the one the document was made from, so a text too long to keep is parsed once."""
    errors = validation_errors(schema, entry)
    if errors:
        return ExecutionResult(errors=list(errors), invalid=True)
    kwargs.pop("validate", None)
    options = {_ALIASES.get(name, name): value for name, value in kwargs.items()}
    return execute(schema, entry.tree, **options)


class CachedDocumentsBackend(GraphQLCoreBackend):
    """The backend of Saleor 2.10's view on the plugin's endpoint: documents from the cache,
    validation from ``validation_errors``; a tree handed in directly is left to graphql-core."""

    def document_from_string(self, schema: Any, document_string: Any) -> GraphQLDocument:
        if not isinstance(document_string, str):
            return super().document_from_string(schema, document_string)
        entry = documents.entry(document_string)
        return GraphQLDocument(
            schema=schema,
            document_string=document_string,
            document_ast=entry.tree,
            execute=functools.partial(execute_validated, schema, entry, **self.execute_params),
        )
