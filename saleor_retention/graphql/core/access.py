"""Who is asking, and which ids they sent: the checks every retention resolver shares."""

from __future__ import annotations

from typing import Any

from graphql_relay import from_global_id

from ...permissions import MANAGE_USERS


def signed_in(user: Any) -> bool:
    """Saleor 3.x hands anonymous callers a lazy object wrapping None, which is not ``None`` but
    is falsy: truthiness covers both lines."""
    return bool(user and user.is_authenticated and user.is_active)


def signed_in_user(info: Any) -> Any | None:
    """The caller's active account, or None for anonymous and deactivated callers."""
    user = getattr(info.context, "user", None)
    return user if signed_in(user) else None


def has_permission(info: Any, permission: str) -> bool:
    from ..saleor_types import requestor_has_one_of

    return requestor_has_one_of(info.context, (permission,))


def staff_user_id(info: Any) -> str:
    """Whom a staff action is recorded under: the signed-in user's id, empty when an app's token
    signed the request (the audit trail then names the app: ``audit.services.record``)."""
    from ..saleor_types import requesting_app

    if requesting_app(info.context) is not None:
        return ""
    user = signed_in_user(info)
    return str(user.pk) if user is not None else ""


def require_permission(info: Any, permission: str) -> None:
    """Staff-only queries: refuse everyone without ``permission`` (Saleor's own permission names)."""
    if not has_permission(info, permission):
        from django.core.exceptions import PermissionDenied
        from django.utils.translation import gettext as _

        raise PermissionDenied(_("You do not have permission to perform this action."))


def may_see_customer(info: Any, customer: Any) -> bool:
    """A customer's private data: the shopper themself, or staff and apps that manage users."""
    return may_see_customer_id(info, customer.pk)


def may_see_customer_id(info: Any, customer_id: Any) -> bool:
    """``may_see_customer`` for a stored customer id (None: a guest's, staff and apps only)."""
    viewer = signed_in_user(info)
    if viewer is not None and customer_id is not None and str(viewer.pk) == str(customer_id):
        return True
    return has_permission(info, MANAGE_USERS)


MAX_PK = 2**63 - 1  # PostgreSQL's bigint


def as_pk(raw: Any) -> str | None:
    """``raw`` as a primary key the database accepts: ASCII digits within bigint (``"²"`` passes
    ``str.isdigit`` but not ``int``, and a 30-digit number overflows), else None."""
    text = str(raw) if raw is not None else ""
    if not (text.isascii() and text.isdigit()) or len(text) > 19 or int(text) > MAX_PK:
        return None
    return text


def _saleor_key_checks() -> dict[str, Any]:
    """Saleor's types whose keys differ between its lines (3.x orders and lines are UUIDs): the
    adapter says what a valid key of each is."""
    from ... import saleor_adapter as saleor

    return {"Order": saleor.is_order_id, "OrderLine": saleor.is_order_line_id}


def pk_from_global_id(global_id: str | None, type_name: str) -> str | None:
    """The primary key in a global id of ``type_name``; None for any other or malformed id."""
    if not global_id:
        return None
    try:
        kind, pk = from_global_id(global_id)
    except Exception:  # noqa: BLE001 - any malformed id is just "not this type's id"
        return None
    if kind != type_name:
        return None
    key_check = _saleor_key_checks().get(type_name)
    if key_check is not None:
        return as_pk(pk) or (str(pk) if pk and key_check(pk) else None)
    return as_pk(pk)


class QueryArgumentError(Exception):
    """A query (which has no ``errors`` list) refusing an argument: a top-level GraphQL error
    whose ``extensions`` carry the code and the argument's GraphQL name."""

    def __init__(self, message: str, *, field: str, code: str = "INVALID") -> None:
        super().__init__(message)
        self.extensions = {"code": code, "field": field}
