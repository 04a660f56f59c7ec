"""The one pagination module: Relay countable connections in Saleor's shape, paged by keyset.

Every retention list is a ``<Type>CountableConnection`` made from Saleor's own
``CountableConnection`` (``edges { cursor node }``, Relay's ``PageInfo``, ``totalCount``), with
``first/last/before/after`` as Saleor's lists take them. A page is one query (``LIMIT n + 1``) and
``totalCount`` one ``COUNT``, whatever the page size.

Cursors are keyset cursors: they carry the values of the queryset's ``order_by`` fields (which
must end with the primary key, so each row has one place) and a tag of that ordering. A page after
a cursor is "rows that sort after these values", so rows added while a shopper pages never shift
or repeat the rows on later pages (an offset would). A cursor that does not decode, comes from
another ordering, or holds values of the wrong type is refused with a typed error (``INVALID`` on
``after``/``before``), never a crash or a silent empty page.
"""

from __future__ import annotations

import base64
import binascii
import json
import zlib
from collections.abc import Callable, Iterable
from typing import Any

import graphene
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from saleor.graphql.core.connection import CountableConnection
from saleor.graphql.core.enums import OrderDirection

from .access import MAX_PK, QueryArgumentError

PAGE_LIMIT = 100  # Saleor's own limit on first/last
PAGE_TOO_LARGE = "PAGE_TOO_LARGE"
INVALID = "INVALID"

_CONNECTIONS: dict[Any, type[CountableConnection]] = {}


_EDGE_NODES: dict[Any, Callable[[], graphene.Field]] = {}


def guard_edge_nodes(node: Any, make_field: Callable[[], graphene.Field]) -> None:
    """Make the ``node`` field of ``node``'s edges with ``make_field`` (the forum's read guard)."""
    _EDGE_NODES[node] = make_field


def connection_type(node: Any) -> type[CountableConnection]:
    """``<Name>CountableConnection`` for ``node``, made once (the schema holds one type per name)."""
    if node not in _CONNECTIONS:
        connection = CountableConnection.create_type(
            f"{node._meta.name}CountableConnection", node=node
        )
        if node in _EDGE_NODES:
            connection.Edge._meta.fields["node"] = _EDGE_NODES[node]()
        _CONNECTIONS[node] = connection
    return _CONNECTIONS[node]


def connection_field(
    node: Any, *, resolver: Callable[..., Any], description: str, **arguments: Any
) -> graphene.Field:
    """A list field in Saleor's style: nullable like Saleor's own lists (a refused list is a
    top-level typed error and null), ``first/last/before/after`` plus ``arguments`` (filter:,
    sortBy:)."""
    return graphene.Field(
        lambda: connection_type(node),
        first=graphene.Int(description=f"The first n items after `after` (at most {PAGE_LIMIT})."),
        last=graphene.Int(description=f"The last n items before `before` (at most {PAGE_LIMIT})."),
        before=graphene.String(description="The startCursor of the page after this one."),
        after=graphene.String(description="The endCursor of the page before this one."),
        description=description,
        resolver=resolver,
        **arguments,
    )


def sorting_input(name: str, sort_enum: Any, description: str) -> type[graphene.InputObjectType]:
    """``sortBy: { field, direction }`` as Saleor's ``*SortingInput`` types, with Saleor's own
    ``OrderDirection`` enum."""
    return type(
        name,
        (graphene.InputObjectType,),
        {
            "field": graphene.Argument(sort_enum, required=True, description=description),
            "direction": graphene.Argument(
                OrderDirection, required=True, description="Ascending or descending."
            ),
        },
    )


def sorted_by(queryset: QuerySet, sort_by: Any, fields_of: dict[str, list[str]]) -> QuerySet:
    """``queryset`` ordered by the chosen sort field (its field list, all in one direction, as
    Saleor's sorters do); as it was when no ``sortBy`` is given."""
    if not sort_by:
        return queryset
    field = getattr(sort_by.get("field"), "value", sort_by.get("field"))
    direction = getattr(sort_by.get("direction"), "value", sort_by.get("direction")) or ""
    names = fields_of[field] if isinstance(field, str) else list(field)
    return queryset.order_by(*[f"{direction}{name}" for name in names])


# --- cursors ----------------------------------------------------------------------------------


def _ordering(queryset: QuerySet) -> list[tuple[str, bool]]:
    """(field, descending) for each ``order_by`` field; the last must be the primary key."""
    ordering = [
        (str(name).lstrip("-"), str(name).startswith("-")) for name in queryset.query.order_by
    ]
    if not ordering or ordering[-1][0] not in ("pk", "id", queryset.model._meta.pk.name):
        raise ValueError("A paginated queryset must be ordered, ending with its primary key.")
    return ordering


def _tag(ordering: list[tuple[str, bool]]) -> int:
    return zlib.crc32(",".join(f"{'-' if d else ''}{n}" for n, d in ordering).encode())


def _model_field(model: Any, name: str) -> Any:
    return model._meta.pk if name in ("pk", "id") else model._meta.get_field(name)


def _cursor_value(value: Any) -> Any:
    return value if value is None or isinstance(value, bool | int) else str(value)


def make_cursor(row: Any, ordering: list[tuple[str, bool]]) -> str:
    values = [_tag(ordering), *(_cursor_value(getattr(row, name)) for name, _desc in ordering)]
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode()


def _refused(argument: str) -> QueryArgumentError:
    return QueryArgumentError(_("This cursor is not valid."), field=argument, code=INVALID)


def read_cursor(cursor: str, model: Any, ordering: list[tuple[str, bool]], argument: str):
    """The typed sort values in ``cursor``; a typed refusal for anything else."""
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (binascii.Error, ValueError, UnicodeError):
        raise _refused(argument) from None
    if not isinstance(values, list) or len(values) != len(ordering) + 1:
        raise _refused(argument)
    if values[0] != _tag(ordering):
        raise _refused(argument)  # a cursor of another list or another sort order
    typed = []
    for (name, _desc), raw in zip(ordering, values[1:], strict=True):
        if raw is None or isinstance(raw, list | dict | float):
            raise _refused(argument)
        if isinstance(raw, int) and not isinstance(raw, bool) and abs(raw) > MAX_PK:
            raise _refused(argument)  # beyond bigint: the database would refuse it
        try:
            typed.append(_model_field(model, name).to_python(raw))
        except (ValidationError, FieldDoesNotExist, TypeError, ValueError, OverflowError):
            raise _refused(argument) from None
    return typed


def _beyond(ordering: list[tuple[str, bool]], values: list[Any], *, forward: bool) -> Q:
    """Rows that sort after (``forward``) or before the row with ``values``: the lexicographic
    keyset condition, one direction per field."""
    condition = Q(pk__in=[])
    for index, (name, descending) in enumerate(ordering):
        lookup = "lt" if descending == forward else "gt"
        same = {ordering[i][0]: values[i] for i in range(index)}
        condition |= Q(**same, **{f"{name}__{lookup}": values[index]})
    return condition


# --- pages ------------------------------------------------------------------------------------


def _page_size(first: int | None, last: int | None, default: int) -> tuple[int, bool]:
    if first is not None and last is not None:
        raise QueryArgumentError(
            _("Give either first or last, not both."), field="last", code=INVALID
        )
    for name, value in (("first", first), ("last", last)):
        if value is None:
            continue
        if value < 1:
            raise QueryArgumentError(
                _("%(argument)s must be at least 1.") % {"argument": name}, field=name, code=INVALID
            )
        if value > PAGE_LIMIT:
            raise QueryArgumentError(
                _("At most %(limit)s items fit on a page; %(argument)s asked for %(value)s.")
                % {"limit": PAGE_LIMIT, "argument": name, "value": value},
                field=name,
                code=PAGE_TOO_LARGE,
            )
    if last is not None:
        return last, True
    return first if first is not None else default, False


def paginate(
    queryset: QuerySet,
    connection: type[CountableConnection],
    *,
    first: int | None = None,
    last: int | None = None,
    before: str | None = None,
    after: str | None = None,
    default_first: int = 20,
    on_page: Callable[[list[Any]], Iterable[Any] | None] | None = None,
    **_ignored: Any,
) -> CountableConnection:
    """One page of ``queryset`` (ordered, ending with its pk) as ``connection``.

    ``first``/``after`` page forwards, ``last``/``before`` backwards (both may be combined as
    Relay allows). ``on_page`` sees the page's rows once (to load what they need in one query)."""
    size, backwards = _page_size(first, last, default_first)
    ordering = _ordering(queryset)
    rows = queryset
    if after:
        rows = rows.filter(
            _beyond(ordering, read_cursor(after, queryset.model, ordering, "after"), forward=True)
        )
    if before:
        rows = rows.filter(
            _beyond(
                ordering, read_cursor(before, queryset.model, ordering, "before"), forward=False
            )
        )
    if backwards:
        reversed_order = [f"{'' if desc else '-'}{name}" for name, desc in ordering]
        page = list(rows.order_by(*reversed_order)[: size + 1])
        more = len(page) > size
        page = list(reversed(page[:size]))
    else:
        page = list(rows[: size + 1])
        more = len(page) > size
        page = page[:size]
    if on_page is not None:
        on_page(page)
    edges = [connection.Edge(node=row, cursor=make_cursor(row, ordering)) for row in page]
    page_info = graphene.relay.PageInfo(
        start_cursor=edges[0].cursor if edges else None,
        end_cursor=edges[-1].cursor if edges else None,
        has_previous_page=more if backwards else bool(after),
        has_next_page=bool(before) if backwards else more,
    )
    result = connection(edges=edges, page_info=page_info)
    # Saleor's resolve_total_count: one COUNT, only when asked for (2.10 counts ``iterable``,
    # 3.x calls ``total_count``)
    result.iterable = queryset
    result.total_count = queryset.count
    return result


def empty(connection: type[CountableConnection]) -> CountableConnection:
    """An empty page (a list the caller may not see, as Saleor shows none)."""
    result = connection(
        edges=[],
        page_info=graphene.relay.PageInfo(
            start_cursor=None, end_cursor=None, has_previous_page=False, has_next_page=False
        ),
    )
    result.iterable = []
    result.total_count = 0
    return result
