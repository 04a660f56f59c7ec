"""The plugin's own audit event: its settings as saved through Saleor's ``pluginUpdate``.

This sits beside ``conf.py`` (which declares the settings) and ``plugin.py`` (whose
``save_plugin_configuration`` calls it inside the save's transaction), as the domains keep their
writers in their own ``events.py``; the record itself is ``audit/``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .audit import services as audit
from .audit.models import AuditAction, AuditEvent

# Saleor's configuration field types whose values must never be copied anywhere.
SECRET_TYPES = frozenset({"Password", "Secret", "SecretMultiline"})


def settings_changes(
    before: Mapping[str, Any], after: Mapping[str, Any], structure: Mapping[str, Mapping[str, Any]]
) -> dict[str, Any]:
    """``{name: {"before", "after"}}`` of the settings whose value moved; a secret setting (by
    its declared type, or one the plugin does not declare) is named without its values."""
    changes: dict[str, Any] = {}
    for name in sorted(set(before) | set(after)):
        old, new = before.get(name), after.get(name)
        if old == new:
            continue
        kind = structure.get(name, {}).get("type")
        if kind is None or kind in SECRET_TYPES:
            changes[name] = {"redacted": True}
        else:
            changes[name] = audit.changed(old, new)
    return changes


def settings_changed_event(
    *,
    staff_user_id: Any,
    plugin_id: str,
    changes: Mapping[str, Any],
    active_before: bool,
    active_after: bool,
) -> AuditEvent | None:
    """The plugin's settings as saved through Saleor; nothing when nothing moved."""
    payload: dict[str, Any] = {}
    if changes:
        payload["settings"] = dict(changes)
    if active_before != active_after:
        payload["active"] = audit.changed(active_before, active_after)
    if not payload:
        return None
    return audit.record(
        action=str(AuditAction.SETTINGS_CHANGED),
        staff_user_id=staff_user_id,
        target_type="Plugin",
        target_id=plugin_id,
        payload=payload,
    )
