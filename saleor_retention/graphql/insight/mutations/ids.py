"""The ids a staff mutation on customer files names, checked once: a bad or foreign id is
the typed NOT_FOUND error."""

from __future__ import annotations

from django.utils.translation import gettext as _

from ....errors import RetentionError, RetentionErrorCode
from ...core import access
from ...core.access import pk_from_global_id


def customer_pk(global_id: str) -> str:
    pk = pk_from_global_id(global_id, "User")
    if pk is None:
        raise RetentionError(
            _("No such customer."), code=RetentionErrorCode.NOT_FOUND, field="customerId"
        )
    return pk


def object_pk(global_id: str, type_name: str, field: str = "id") -> str:
    pk = pk_from_global_id(global_id, type_name)
    if pk is None or not pk.isdigit():
        raise RetentionError(_("Not found."), code=RetentionErrorCode.NOT_FOUND, field=field)
    return pk


def staff_id(info) -> str:
    return access.staff_user_id(info)
