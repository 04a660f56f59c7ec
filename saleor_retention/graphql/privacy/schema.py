"""``User.retentionData``, for the shopper's own data request or staff who manage users. A JSON
string, so a new section needs no schema change."""

from __future__ import annotations

import graphene

from .. import saleor_types
from .resolvers import resolve_user_retention_data


def user_retention_data_field() -> graphene.Field:
    return graphene.Field(
        saleor_types.JSONString,
        description=(
            "A data export of what the retention plugin holds about the customer, by section: "
            "loyalty (points history, tier and its history, point holds, campaigns naming her), "
            "birthday, referrals, cards (loyalty cards and draws), reviews (with review "
            "requests), forum, events (the plugin's events about her as a customer), and for staff "
            "only insight (her file, stage, scores, staff notes, tags and contact log). The "
            "shopper's own, or for staff who manage users; null otherwise."
        ),
        resolver=resolve_user_retention_data,
    )
