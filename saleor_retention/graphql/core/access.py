"""Who is asking, and which ids they sent: the checks every retention resolver shares."""

from __future__ import annotations

from typing import Any

from graphql_relay import from_global_id

MANAGE_USERS = "account.manage_users"


def signed_in(user: Any) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def signed_in_user(info: Any) -> Any | None:
    """The caller's active account, or None for anonymous and deactivated callers."""
    user = getattr(info.context, "user", None)
    return user if signed_in(user) else None


def has_permission(info: Any, permission: str) -> bool:
    user = signed_in_user(info)
    return bool(user and user.has_perm(permission))


def require_permission(info: Any, permission: str) -> None:
    """Staff-only queries: refuse everyone without ``permission`` (Saleor's own permission names)."""
    if not has_permission(info, permission):
        from django.core.exceptions import PermissionDenied
        from django.utils.translation import gettext as _

        raise PermissionDenied(_("You do not have permission to perform this action."))


def may_see_customer(viewer: Any, customer: Any) -> bool:
    """A customer's private data: the shopper themself, or staff who manage users."""
    if not signed_in(viewer):
        return False
    return viewer.pk == customer.pk or viewer.has_perm(MANAGE_USERS)


def pk_from_global_id(global_id: str | None, type_name: str) -> str | None:
    """The primary key in a global id of ``type_name``; None for any other or malformed id."""
    if not global_id:
        return None
    try:
        kind, pk = from_global_id(global_id)
    except Exception:  # noqa: BLE001 - any malformed id is just "not this type's id"
        return None
    return pk if kind == type_name and pk else None
