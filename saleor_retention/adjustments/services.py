"""Staff corrections of a customer's points (``loyaltyPointsAdjust``).

The rules of a staff adjustment (a reason shown to the customer, a bound, no self-adjustment,
the client's optional idempotency key) and its audit event live here, beside the ledger rather
than in it: the book posts the credit or the debit through its public API and knows nothing of
staff or of the audit record.
"""

from __future__ import annotations

import re
import uuid

from django.db import transaction
from django.utils.translation import gettext as _

from ..conf import RetentionSettings
from ..errors import RetentionError, RetentionErrorCode
from ..ledger import services as ledger
from ..ledger.models import EntryType, LedgerEntry
from ..textclean import clean_text, plain_text
from . import events

MAX_ADJUSTMENT = 10_000_000
# A staff adjustment's reason, after cleaning (the column holds 500).
ADJUSTMENT_REASON_MAX_LENGTH = 500
# An idempotency key is the client's opaque string: any control character (NUL, which PostgreSQL
# cannot store, included) is refused rather than changed, so a retry matches.
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f]")


@transaction.atomic
def points_adjust(
    *,
    customer_id: str,
    points: int,
    reason: str,
    staff_user_id: str,
    key: str | None = None,
    settings: RetentionSettings,
) -> LedgerEntry:
    """A staff correction with a reason, on the audit record in the same transaction. A
    deduction takes available points (soonest-expiring first) and never makes a balance
    negative. ``key`` is the caller's optional idempotency key (as Stripe's): given, a replay
    returns the first entry (and its first audit event); absent, every call is its own
    adjustment.

    The reason is shown to the customer, so it is stored as plain text (``textclean``: no markup,
    control or bidi-override characters) of at most ``ADJUSTMENT_REASON_MAX_LENGTH`` characters;
    a longer one is refused, never cut. Staff never adjust their own account."""
    if str(customer_id) == str(staff_user_id):
        raise RetentionError(
            _("Staff cannot adjust their own points; ask another staff member."),
            code=RetentionErrorCode.SELF_ADJUSTMENT,
            field="customerId",
        )
    if not plain_text(reason or ""):
        raise RetentionError(
            _("Give a reason for the adjustment."), code=RetentionErrorCode.REQUIRED, field="reason"
        )
    reason = clean_text(reason, field="reason", max_length=ADJUSTMENT_REASON_MAX_LENGTH)
    if points == 0:
        raise RetentionError(
            _("Adjust by a non-zero number of points."),
            code=RetentionErrorCode.INVALID,
            field="points",
        )
    if abs(points) > MAX_ADJUSTMENT:
        raise RetentionError(
            _("Adjust by at most 10,000,000 points at once."),
            code=RetentionErrorCode.INVALID,
            field="points",
        )
    key = _adjustment_key(key)
    if points > 0:
        entry = ledger.credit(
            customer_id=customer_id,
            points=points,
            type=EntryType.ADJUSTMENT,
            key=key,
            settings=settings,
            reason=reason,
            staff_user_id=staff_user_id,
        )
    else:
        entry = ledger.debit(
            customer_id=customer_id,
            points=-points,
            type=EntryType.ADJUSTMENT,
            key=key,
            reason=reason,
            staff_user_id=staff_user_id,
        )
    events.points_adjusted_event(entry=entry, staff_user_id=staff_user_id)
    return entry


def _adjustment_key(key: str | None) -> str:
    """The entry's unique key: the caller's, checked, or (none given) one of this call alone."""
    if key is None:
        return f"adjust:call:{uuid.uuid4().hex}"
    if _CONTROL_CHARACTERS.search(key):
        raise RetentionError(
            _("An idempotency key cannot contain control characters."),
            code=RetentionErrorCode.INVALID,
            field="idempotencyKey",
        )
    if not key.strip() or len(key) > 100:
        raise RetentionError(
            _("Give an idempotency key of 1 to 100 characters."),
            code=RetentionErrorCode.INVALID,
            field="idempotencyKey",
        )
    return f"adjust:{key.strip()}"
