"""``User.retentionData``: everything the plugin holds about one customer, one section per
domain (``privacy.export_customer``), for the shopper's own data request or staff who manage
users. A JSON string, so a new section needs no schema change."""

from __future__ import annotations

import graphene

from ... import privacy
from ...permissions import MANAGE_USERS
from .. import saleor_types
from ..core.access import may_see_customer


def resolve_user_retention_data(root, info):
    viewer = getattr(info.context, "user", None)
    if not may_see_customer(viewer, root):
        return None
    # the shopper's own export leaves out staff's notes and scores about her (insight)
    return privacy.export_customer(
        str(root.pk), for_staff=bool(viewer and viewer.has_perm(MANAGE_USERS))
    )


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
