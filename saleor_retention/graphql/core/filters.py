"""Shared pieces of the lists' ``filter:`` inputs: a time range and an id of one type, each
refused with a typed top-level error (``INVALID`` on the input field's GraphQL name) rather than
an empty page or a crash."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from graphene.utils.str_converters import to_camel_case

from .access import QueryArgumentError, pk_from_global_id

MAX_SEARCH = 100  # characters of a search string


def in_period(
    rows: QuerySet,
    filter: dict[str, Any],
    column: str,
    *,
    since: str = "since",
    until: str = "until",
) -> QuerySet:
    """``rows`` whose ``column`` is at or after ``filter[since]`` and before ``filter[until]``
    (the inputs' Python names); a range that ends before it starts is refused on ``until``."""
    start, end = filter.get(since), filter.get(until)
    if start is not None and end is not None and end <= start:
        raise QueryArgumentError(_("The end must be after the start."), field=to_camel_case(until))
    if start is not None:
        rows = rows.filter(**{f"{column}__gte": start})
    if end is not None:
        rows = rows.filter(**{f"{column}__lt": end})
    return rows


def pk_of(global_id: str, type_name: str, field: str) -> str:
    """The primary key in ``global_id``, which must be a ``type_name`` id; else refused."""
    pk = pk_from_global_id(global_id, type_name)
    if pk is None:
        raise QueryArgumentError(
            _("%(id)s is not a %(type)s id.") % {"id": global_id, "type": type_name}, field=field
        )
    return pk


def pks_of(global_ids: list[str], type_name: str, field: str) -> list[str]:
    return [pk_of(global_id, type_name, field) for global_id in global_ids]


def search_text(value: str | None, field: str = "search") -> str | None:
    """A search string, stripped; empty means no search, over ``MAX_SEARCH`` characters or with
    a NUL (which PostgreSQL refuses) is refused."""
    if value is None:
        return None
    text = value.strip()
    if len(text) > MAX_SEARCH or "\x00" in text:
        raise QueryArgumentError(
            _("Search for at most %(max)s characters of plain text.") % {"max": MAX_SEARCH},
            field=field,
        )
    return text or None


def enum_values(values: list[Any] | None) -> list[Any]:
    """The stored values of a list of graphene enum members (2.10 hands values, 3.x members)."""
    return [getattr(value, "value", value) for value in values or []]
