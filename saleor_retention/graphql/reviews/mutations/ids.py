"""What the review mutations read from their arguments: a review's id, uploaded photos, the
staff member acting."""

from __future__ import annotations

from django.utils.translation import gettext as _

from ....errors import RetentionError, RetentionErrorCode
from ...core import access
from ...core.access import pk_from_global_id


def review_pk(global_id: str) -> str:
    pk = pk_from_global_id(global_id, "Review")
    if pk is None:
        raise RetentionError(
            _("%(id)s is not a review id.") % {"id": global_id},
            code=RetentionErrorCode.NOT_FOUND,
            field="id",
        )
    return pk


def uploads(info, keys) -> list:
    """Saleor's view puts each multipart part's name where the variable was: read the files
    (None for a variable with no file part; the service refuses it)."""
    return [info.context.FILES.get(key) if isinstance(key, str) else None for key in keys or []]


def staff_id(info) -> str:
    return access.staff_user_id(info)
