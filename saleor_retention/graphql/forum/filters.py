"""The ``filter:`` inputs of the forum lists. Each applies to the rows the caller may already
see (``forum.selectors``), so a filter never shows more."""

from __future__ import annotations

import graphene
from django.db.models import QuerySet

from ...forum.selectors import Viewer
from .. import saleor_types
from ..core import filters
from .enums import ForumBoardAccess


class ForumBoardFilterInput(graphene.InputObjectType):
    access = graphene.List(graphene.NonNull(ForumBoardAccess), description="Any of these.")
    search = graphene.String(description="Boards whose name contains this (any case).")


class ForumTopicFilterInput(graphene.InputObjectType):
    search = graphene.String(description="Topics whose title contains this (any case).")
    is_pinned = graphene.Boolean(description="Only pinned topics (true) or the others (false).")
    is_mine = graphene.Boolean(description="Only topics the caller started (true) or not.")
    is_subscribed = graphene.Boolean(
        description="Only topics the caller follows (true) or does not follow (false)."
    )
    active_since = saleor_types.DateTime(description="Topics with a post at or after this time.")


class ForumPostFilterInput(graphene.InputObjectType):
    is_mine = graphene.Boolean(description="Only the caller's own posts (true) or the others.")
    since = saleor_types.DateTime(description="Posts written at or after this time.")
    until = saleor_types.DateTime(description="Posts written before this time.")


def filter_boards(rows: QuerySet, filter: dict | None) -> QuerySet:
    filter = filter or {}
    accesses = filters.enum_values(filter.get("access"))
    if accesses:
        rows = rows.filter(access__in=accesses)
    search = filters.search_text(filter.get("search"))
    if search:
        rows = rows.filter(name__icontains=search)
    return rows


def _authored(rows: QuerySet, mine: bool | None, viewer: Viewer) -> QuerySet:
    if mine is None:
        return rows
    if not viewer.customer_id:  # signed out: nothing is theirs
        return rows if not mine else rows.none()
    return (
        rows.filter(author_id=viewer.customer_id)
        if mine
        else rows.exclude(author_id=viewer.customer_id)
    )


def filter_topics(rows: QuerySet, filter: dict | None, viewer: Viewer) -> QuerySet:
    filter = filter or {}
    search = filters.search_text(filter.get("search"))
    if search:
        rows = rows.filter(title__icontains=search)
    if filter.get("is_pinned") is not None:
        rows = rows.filter(is_pinned=filter["is_pinned"])
    rows = _authored(rows, filter.get("is_mine"), viewer)
    subscribed = filter.get("is_subscribed")
    if subscribed is not None:
        if viewer.customer_id:  # is_subscribed: the selector's EXISTS for this viewer
            rows = rows.filter(is_subscribed=subscribed)
        elif subscribed:
            rows = rows.none()
    if filter.get("active_since") is not None:
        rows = rows.filter(last_post_at__gte=filter["active_since"])
    return rows


def filter_posts(rows: QuerySet, filter: dict | None, viewer: Viewer) -> QuerySet:
    filter = filter or {}
    rows = _authored(rows, filter.get("is_mine"), viewer)
    return filters.in_period(rows, filter, "created_at")
