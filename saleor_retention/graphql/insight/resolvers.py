"""Resolvers of the insight queries and of ``User.customerFile``."""

from __future__ import annotations

from ...errors import RetentionError
from ...insight import models, segments, selectors
from ...permissions import MANAGE_USERS
from ..core import pagination
from ..core.access import (
    has_permission,
    pk_from_global_id,
    require_permission,
)
from .types import CustomerSegment, RetentionAnalytics, files_connection


def resolve_user_customer_file(root, info):
    if not has_permission(info, MANAGE_USERS):
        return None  # a shopper sees none of her own scores; anyone else nothing
    return selectors.file_of(str(root.pk))


def resolve_customer_segments(root, info, **args):
    require_permission(info, MANAGE_USERS)
    return pagination.paginate(
        models.Segment.objects.order_by("pk"),
        pagination.connection_type(CustomerSegment),
        default_first=pagination.PAGE_LIMIT,
        **args,
    )


def resolve_customer_segment(root, info, id):
    require_permission(info, MANAGE_USERS)
    pk = pk_from_global_id(id, "CustomerSegment")
    return models.Segment.objects.filter(pk=pk).first() if pk else None


def resolve_customer_segment_preview(root, info, rules, **args):
    """A rule's live count and customers before it is saved."""
    require_permission(info, MANAGE_USERS)
    try:
        parsed = segments.parse_rules(dict(rules))
    except RetentionError as error:
        from graphql import GraphQLError

        raise GraphQLError(f"{error.field}: {error.message}") from None
    return files_connection(segments.customer_files(parsed), args)


def resolve_retention_analytics(root, info):
    require_permission(info, MANAGE_USERS)
    return RetentionAnalytics()
