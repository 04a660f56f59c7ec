"""How the points mutations name a checkout: by its ``checkoutId`` as Saleor's own checkout
mutations do, or by the deprecated ``checkoutToken``."""

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.utils.translation import gettext as _
from graphql_relay import from_global_id

from .... import saleor_adapter as saleor
from ....errors import RetentionError, RetentionErrorCode

CHECKOUT_ID = "The checkout's ID, as Saleor's own checkout mutations take it."
CHECKOUT_TOKEN = (
    "DEPRECATED: use checkoutId. The checkout's token, accepted for a while for clients written "
    "before checkoutId (give one of the two)."
)


def checkout_token_from(checkout_id: str | None, checkout_token: Any) -> str:
    """The checkout's token from ``checkoutId`` (Saleor 2.10: the Checkout global id of its
    token) or the deprecated ``checkoutToken``; a typed refusal for neither, both (when they
    differ) or an id of something else."""
    if checkout_id is None and checkout_token is None:
        raise RetentionError(
            _("Give the checkout's ID."), code=RetentionErrorCode.REQUIRED, field="checkoutId"
        )
    token = None
    if checkout_id is not None:
        try:
            kind, raw = from_global_id(checkout_id)
            token = str(uuid.UUID(raw)) if kind == "Checkout" else None
        except Exception:  # noqa: BLE001 - any malformed id is just "not a checkout id"
            token = None
        if token is None:
            raise RetentionError(
                _("%(id)s is not a checkout ID.") % {"id": checkout_id},
                code=RetentionErrorCode.INVALID,
                field="checkoutId",
            )
    if checkout_token is not None:
        if token is not None and token != str(checkout_token):
            raise RetentionError(
                _("checkoutId and checkoutToken name different checkouts; give one."),
                code=RetentionErrorCode.INVALID,
                field="checkoutToken",
            )
        token = str(checkout_token)
    assert token is not None
    return token


@contextmanager
def named_as_given(checkout_id: str | None) -> Iterator[None]:
    """The domain names the checkout ``checkoutToken``; a caller who gave ``checkoutId`` reads
    its errors under that name."""
    try:
        yield
    except RetentionError as error:
        if checkout_id is not None and error.field == "checkoutToken":
            error.field = "checkoutId"
        raise


def checkout_for(info, checkout_id, checkout_token):
    user = getattr(info.context, "user", None)
    if not user or not user.is_authenticated:  # 3.x: a lazy None for anonymous callers
        raise RetentionError(
            _("Sign in to use your points."), code=RetentionErrorCode.NOT_SIGNED_IN, field=None
        )
    token = checkout_token_from(checkout_id, checkout_token)
    checkout = saleor.get_checkout(token)
    if checkout is None:
        raise RetentionError(
            _("No checkout with this ID."),
            code=RetentionErrorCode.NOT_FOUND,
            field="checkoutId" if checkout_id is not None else "checkoutToken",
        )
    return user, checkout
