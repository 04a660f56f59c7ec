"""The resolver of ``retentionAuditEvents``."""

from __future__ import annotations

from ...audit import selectors
from ...permissions import MANAGE_PLUGINS
from ..core import pagination
from ..core.access import require_permission
from .filters import audit_filter_values, filter_target
from .sorters import AUDIT_EVENT_SORT_FIELDS
from .types import RetentionAuditEvent


def resolve_audit_events(root, info, filter=None, sort_by=None, **page):
    require_permission(info, MANAGE_PLUGINS)
    filter = filter or {}
    rows = filter_target(
        selectors.audit_events(**audit_filter_values(filter)), filter.get("target")
    )
    rows = pagination.sorted_by(rows, sort_by, AUDIT_EVENT_SORT_FIELDS)
    return pagination.paginate(rows, pagination.connection_type(RetentionAuditEvent), **page)
