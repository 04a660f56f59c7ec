"""The insight fields: ``User.customerFile`` and the root queries (mounted by
``graphql/schema.py``)."""

from __future__ import annotations

import graphene

from ..core import pagination
from .filters import CustomerSegmentRulesInput
from .resolvers import (
    resolve_customer_segment,
    resolve_customer_segment_preview,
    resolve_customer_segments,
    resolve_retention_analytics,
    resolve_user_customer_file,
)
from .types import CustomerFile, CustomerSegment, RetentionAnalytics


def user_customer_file_field() -> graphene.Field:
    return graphene.Field(
        CustomerFile,
        description=(
            "The customer's file: orders, spend, stage, value, RFM, notes, tags and contacts "
            "(staff with MANAGE_USERS; null for anyone else, the customer herself included)."
        ),
        resolver=resolve_user_customer_file,
    )


def customer_segments_field() -> graphene.Field:
    return graphene.Field(
        lambda: pagination.connection_type(CustomerSegment),
        first=graphene.Int(),
        last=graphene.Int(),
        before=graphene.String(),
        after=graphene.String(),
        description="Saved customer segments (staff with MANAGE_USERS).",
        resolver=resolve_customer_segments,
    )


def customer_segment_field() -> graphene.Field:
    return graphene.Field(
        CustomerSegment,
        id=graphene.ID(required=True),
        description="One saved segment (staff with MANAGE_USERS); null when unknown.",
        resolver=resolve_customer_segment,
    )


def customer_segment_preview_field() -> graphene.Field:
    return graphene.Field(
        lambda: pagination.connection_type(CustomerFile),
        rules=CustomerSegmentRulesInput(required=True),
        first=graphene.Int(),
        last=graphene.Int(),
        before=graphene.String(),
        after=graphene.String(),
        description="Customers matching unsaved rules (staff with MANAGE_USERS).",
        resolver=resolve_customer_segment_preview,
    )


def retention_analytics_field() -> graphene.Field:
    return graphene.Field(
        RetentionAnalytics,
        required=True,
        description="Retention figures for a dashboard (staff with MANAGE_USERS).",
        resolver=resolve_retention_analytics,
    )
