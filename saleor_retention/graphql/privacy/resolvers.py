"""The resolver of ``User.retentionData``: everything the plugin holds about one customer, one
section per domain (``privacy.export_customer``)."""

from __future__ import annotations

from ... import privacy
from ...permissions import MANAGE_USERS
from ..core.access import has_permission, may_see_customer


def resolve_user_retention_data(root, info):
    if not may_see_customer(info, root):
        return None
    # the shopper's own export leaves out staff's notes and scores about her (insight)
    return privacy.export_customer(str(root.pk), for_staff=has_permission(info, MANAGE_USERS))
