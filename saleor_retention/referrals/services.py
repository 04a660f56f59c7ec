"""Referrals: a customer's code brings a new customer, and both earn once the friend has paid.

- **Code**: every customer has one (``referral_code_for``), drawn from an unambiguous alphabet on
  first read; two first reads at once both get the code that won the insert.
- **Claim** (``claim``): a signed-in new customer gives a code, after registering or at checkout.
  Refused, with a typed error and nothing written, when the code is unknown, when it is the
  customer's own (same account, the same e-mail once case, ``+tags`` and Gmail's dots are ignored,
  or the same address as any the referrer is known at: default, address book, past orders), when
  the customer already gave a code, when money was ever taken for one of their orders (the
  referral is for new customers), or when the referrer's code has brought ``referral_monthly_cap``
  friends this calendar month in the store's time zone. Giving the same code again returns the
  referral it made; one referral per referee is a unique constraint, so racing claims make one.
- **Reward** (``reward_for_paid_order``): the friend's first order paid with money settles the
  referral. Both sides are credited the bonuses recorded at the claim (the terms the friend was
  shown), under ``referral:<id>:referrer`` / ``referral:<id>:referee``, unless that order ships or
  bills to an address of the referrer (then the referral is rejected), or was already refunded in
  full or cancelled when its payment is processed (then it ends reversed, as if processed in
  order). Later orders change nothing.
- **Reversal** (``reverse_for_order``): a full refund or cancellation of the qualifying order takes
  both rewards back under ``referral-reversal:<id>:<side>``, by the negative-balance policy. A
  partial refund takes nothing.
"""

from __future__ import annotations

import dataclasses
import secrets
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from .. import lock_objects
from .. import saleor_adapter as saleor
from ..conf import RetentionSettings
from ..errors import RetentionError, RetentionErrorCode
from ..ledger import services as ledger
from ..ledger.models import EntryType, LoyaltyAccount
from ..saleor_adapter import AddressKey, OrderFacts
from .models import (
    REFERRAL_CODE_ALPHABET,
    REFERRAL_CODE_MAX_LENGTH,
    REFERRAL_CODE_MIN_LENGTH,
    Referral,
    ReferralCode,
)

CODE_LENGTH = 8  # 31^8, about 8.5e11 codes
CODE_ATTEMPTS = 8
GMAIL_DOMAINS = {"gmail.com", "googlemail.com"}

# Ledger reasons are English message ids, translated when shown (as in ``earning.services``).
REFERRER_REASON = gettext_noop("A friend you referred paid for their first order")
REFEREE_REASON = gettext_noop("Welcome reward for joining through a friend")
REVERSAL_REASON = gettext_noop(
    "Referral reward taken back: the first order was refunded or cancelled"
)


def referrals_on(settings: RetentionSettings) -> bool:
    return settings.referral_bonus_referrer > 0 or settings.referral_bonus_referee > 0


# --- codes -----------------------------------------------------------------------------------


def new_referral_code(length: int = CODE_LENGTH) -> str:
    return "".join(secrets.choice(REFERRAL_CODE_ALPHABET) for _i in range(length))


def normalize_code(raw: str) -> str:
    """What a shopper typed -> the stored form: upper case, without spaces or dashes."""
    return "".join(ch for ch in str(raw).upper() if not ch.isspace() and ch != "-")


def _looks_like_a_code(code: str) -> bool:
    return REFERRAL_CODE_MIN_LENGTH <= len(code) <= REFERRAL_CODE_MAX_LENGTH and all(
        ch in REFERRAL_CODE_ALPHABET for ch in code
    )


def _code_of(account: LoyaltyAccount) -> str | None:
    return ReferralCode.objects.filter(account=account).values_list("code", flat=True).first()


def _code_for_account(account: LoyaltyAccount) -> str:
    existing = _code_of(account)
    if existing is not None:
        return existing
    for _attempt in range(CODE_ATTEMPTS):
        try:
            with transaction.atomic():  # savepoint: either unique constraint may refuse the row
                return ReferralCode.objects.create(account=account, code=new_referral_code()).code
        except IntegrityError:
            # Either a concurrent first read gave this account its code (use it), or the drawn
            # code belongs to another account (draw again).
            existing = _code_of(account)
            if existing is not None:
                return existing
    raise RuntimeError(f"could not draw a free referral code in {CODE_ATTEMPTS} attempts")


def referral_code_for(customer_id: str) -> str:
    """The customer's referral code, created on first read."""
    return _code_for_account(ledger.get_or_create_account(customer_id))


def referral_codes_for(customer_ids: Iterable[str]) -> dict[str, str]:
    """customer id -> code for many customers: one query for the existing codes, then one
    creation per customer who has none yet (GraphQL lists of customers)."""
    ids = [str(pk) for pk in customer_ids]
    rows = ReferralCode.objects.filter(account__customer_id__in=ids)
    codes = {str(cid): code for cid, code in rows.values_list("account__customer_id", "code")}
    for customer_id in ids:
        if customer_id not in codes:
            codes[customer_id] = referral_code_for(customer_id)
    return codes


# --- claim -----------------------------------------------------------------------------------


def canonical_email(email: str) -> str:
    """One mailbox, one spelling: lower case, without a ``+tag``; for Gmail also without dots
    in the name (``A.Lin+x@GoogleMail.com`` -> ``alin@gmail.com``)."""
    local, at, domain = email.strip().casefold().rpartition("@")
    if not at:
        return email.strip().casefold()
    local = local.split("+", 1)[0]
    if domain in GMAIL_DOMAINS:
        domain, local = "gmail.com", local.replace(".", "")
    return f"{local}@{domain}"


def month_window(now: datetime, settings: RetentionSettings) -> tuple[datetime, datetime]:
    """The calendar month of ``now`` in the store's time zone, as [start, end)."""
    zone = settings.store_zone
    local = now.astimezone(zone)
    start = datetime(local.year, local.month, 1, tzinfo=zone)
    end = datetime(local.year + local.month // 12, local.month % 12 + 1, 1, tzinfo=zone)
    return start, end


def _refuse(message: str, code: RetentionErrorCode, field: str | None = "code") -> RetentionError:
    return RetentionError(message, code=code, field=field)


def _existing_claim(referee_customer_id: str, code: str) -> Referral | None:
    """A replay of the same claim returns its referral; a claim with another code is refused."""
    existing = Referral.objects.filter(referee__customer_id=referee_customer_id).first()
    if existing is None or existing.code == code:
        return existing
    raise _refuse(
        _("You have already used a referral code."), RetentionErrorCode.ALREADY_DONE, "code"
    )


def _same_household(
    referee_customer_id: str, referrer_customer_id: str, checkout: Any | None
) -> bool:
    mine: frozenset[AddressKey] = saleor.customer_address_keys(referee_customer_id)
    if checkout is not None:
        mine |= saleor.checkout_address_keys(checkout)
    return bool(mine & saleor.customer_address_keys(referrer_customer_id))


@transaction.atomic
def claim(
    *,
    referee_customer_id: str,
    code: str,
    checkout_token: str | None = None,
    settings: RetentionSettings,
    now: datetime | None = None,
) -> Referral:
    """Record that ``code`` brought the signed-in customer ``referee_customer_id``; see the module
    docstring for every refusal. Nothing is written unless the claim is accepted."""
    now = now or timezone.now()
    referee_customer_id = str(referee_customer_id)
    if not referrals_on(settings):
        raise _refuse(
            _("The store has no referral programme at the moment."),
            RetentionErrorCode.REFERRALS_OFF,
            None,
        )
    normalized = normalize_code(code)
    if not normalized:
        raise _refuse(_("Enter a referral code."), RetentionErrorCode.REQUIRED)
    row = (
        ReferralCode.objects.select_related("account").filter(code=normalized).first()
        if _looks_like_a_code(normalized)
        else None
    )
    referrer_user = None
    if row is not None and row.account.customer_id is not None:  # None: the customer was deleted
        referrer_user = saleor.get_customer(str(row.account.customer_id))
    referee_user = saleor.get_customer(referee_customer_id)
    if row is None or referrer_user is None or referee_user is None:
        raise _refuse(_("No customer has this referral code."), RetentionErrorCode.NOT_FOUND)
    referrer = row.account
    referrer_customer_id = str(referrer.customer_id)
    if referrer_customer_id == referee_customer_id:
        raise _refuse(_("You cannot use your own referral code."), RetentionErrorCode.SELF_REFERRAL)
    existing = _existing_claim(referee_customer_id, normalized)
    if existing is not None:
        return existing
    referee_email = saleor.customer_facts(referee_user).email
    if canonical_email(saleor.customer_facts(referrer_user).email) == canonical_email(
        referee_email
    ):
        raise _refuse(
            _("This referral code belongs to an account with your e-mail address."),
            RetentionErrorCode.SELF_REFERRAL,
        )
    if saleor.customer_has_paid_before(referee_customer_id):
        raise _refuse(
            _("Referral codes are for new customers, and you have ordered before."),
            RetentionErrorCode.NOT_ELIGIBLE,
        )
    checkout = None
    if checkout_token is not None:
        checkout = saleor.get_checkout(str(checkout_token))
        if checkout is None:
            raise _refuse(
                _("No checkout with this token."), RetentionErrorCode.NOT_FOUND, "checkoutToken"
            )
        if saleor.checkout_customer_id(checkout) != referee_customer_id:
            raise _refuse(
                _("This is not your checkout."),
                RetentionErrorCode.NOT_YOUR_CHECKOUT,
                "checkoutToken",
            )
    if _same_household(referee_customer_id, referrer_customer_id, checkout):
        raise _refuse(
            _("This referral code belongs to an account at your address."),
            RetentionErrorCode.SELF_REFERRAL,
        )

    # Claims through one code queue on the referrer's account row, so the monthly count is exact;
    # a claim of this referee that committed while this one waited is found again after the lock.
    lock_objects.account(referrer.pk)
    existing = _existing_claim(referee_customer_id, normalized)
    if existing is not None:
        return existing
    cap = settings.referral_monthly_cap
    if cap:
        start, end = month_window(now, settings)
        this_month = Referral.objects.filter(
            referrer=referrer, created_at__gte=start, created_at__lt=end
        ).exclude(status=Referral.Status.REJECTED)
        if this_month.count() >= cap:
            raise _refuse(
                _("This referral code has brought all the friends it can this month."),
                RetentionErrorCode.CAP_REACHED,
            )
    referee = ledger.get_or_create_account(referee_customer_id)
    try:
        with transaction.atomic():  # savepoint: a racing claim with another code may win
            return Referral.objects.create(
                referrer=referrer,
                referee=referee,
                code=normalized,
                referrer_points=settings.referral_bonus_referrer,
                referee_points=settings.referral_bonus_referee,
                checkout_token=str(checkout_token or ""),
                created_at=now,
            )
    except IntegrityError:
        existing = _existing_claim(referee_customer_id, normalized)
        if existing is None:
            raise
        return existing


# --- reward ----------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class ReferralOutcome:
    referral_id: int
    status: str
    reason: str
    points: dict[str, int] = dataclasses.field(default_factory=dict)  # side -> points moved

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


ORDER_CANCELLED = "canceled"  # Saleor's spelling of the order status, 2.10 and 3.x


def pending_for(customer_id: str) -> bool:
    """Whether the customer was referred and their referral waits for a paid order (cheap: the
    order handlers ask it first, so an order of anyone else costs one query)."""
    return Referral.objects.filter(
        referee__customer_id=customer_id, status=Referral.Status.PENDING
    ).exists()


def rewarded_for(order_id: str) -> bool:
    return Referral.objects.filter(
        qualifying_order_id=str(order_id), status=Referral.Status.REWARDED
    ).exists()


def money_paid(order: OrderFacts, refunded: Decimal) -> Decimal:
    """What was paid for the order with money, before any refund. Saleor lowers the charged
    amount on each refund (2.10: the payments' captured amount; 3.x: the charged total), so it is
    what is charged now plus the refunds. Gift cards, the points discount among them, are not
    money paid."""
    return order.paid_amount + refunded


def is_voided(order: OrderFacts, refunded: Decimal) -> bool:
    """Cancelled, or refunded in full (the refunds reach what was paid with money)."""
    if order.status == ORDER_CANCELLED:
        return True
    return refunded > 0 and refunded >= money_paid(order, refunded)


def _lock_both(referral: Referral) -> None:
    lock_objects.accounts([referral.referrer_id, referral.referee_id])  # in primary-key order


def _settle(referral: Referral, status: Any, order_id: str, note: str = "") -> None:
    referral.status = status
    referral.qualifying_order_id = order_id
    referral.note = note
    referral.save(update_fields=["status", "qualifying_order_id", "note", "updated_at"])


@transaction.atomic
def reward_for_paid_order(
    order: OrderFacts,
    settings: RetentionSettings,
    *,
    refunded: Decimal = Decimal("0"),
    addresses: frozenset[AddressKey] = frozenset(),
) -> ReferralOutcome | None:
    """Settle the pending referral of the order's customer on their first order paid with money.

    ``refunded``: the sum of the order's refunds so far (``saleor_adapter.order_refunds``);
    ``addresses``: the order's shipping and billing address keys
    (``saleor_adapter.order_address_keys``). Returns None when the customer was not referred.
    """
    if order.customer_id is None:
        return None
    referral = lock_objects.referral_of_referee(order.customer_id)  # its accounts: below
    if referral is None:
        return None
    if referral.status != Referral.Status.PENDING:
        return ReferralOutcome(referral.pk, referral.status, "already settled")
    if money_paid(order, refunded) <= 0:
        # An order paid only with gift cards or points (a sign-up bonus, say) costs the pair
        # nothing: it does not complete a referral (zero-cost farming, markm8-v3#125).
        return ReferralOutcome(referral.pk, referral.status, "nothing paid with money")
    if is_voided(order, refunded):
        # Processed after its refund or cancellation: end where processing in order would.
        _settle(referral, Referral.Status.REVERSED, order.id, "refunded or cancelled")
        return ReferralOutcome(referral.pk, referral.status, "order refunded or cancelled")
    referrer_id = referral.referrer.customer_id
    if referrer_id is not None and addresses & saleor.customer_address_keys(str(referrer_id)):
        _settle(referral, Referral.Status.REJECTED, order.id, "ships or bills to the referrer")
        return ReferralOutcome(referral.pk, referral.status, "same address as the referrer")

    # Pending for the return window, like the order's own points: the reward hangs on an order
    # that can still be returned. A pending lot is taken back whole on a refund; points usable at
    # once could be spent first, leaving a debt or, with "clamp", a loss to the store (buy, refer,
    # spend, return: anchors 3.1 and 3.8).
    _lock_both(referral)
    credited: dict[str, int] = {}
    sides = (
        ("referrer", referral.referrer, referral.referrer_points, REFERRER_REASON),
        ("referee", referral.referee, referral.referee_points, REFEREE_REASON),
    )
    for side, account, points, reason in sides:
        if points <= 0 or account.customer_id is None:  # off for this side, or customer deleted
            continue
        entry = ledger.credit(
            customer_id=str(account.customer_id),
            points=points,
            type=EntryType.REFERRAL_REWARD,
            key=f"referral:{referral.pk}:{side}",
            settings=settings,
            pending_days=settings.pending_days,
            reason=reason,
            # no order_id: the order's own points and reversals are counted by order_id
            details={"referral": referral.pk, "order_id": order.id, "order_number": order.number},
        )
        credited[side] = entry.points
    _settle(referral, Referral.Status.REWARDED, order.id)
    return ReferralOutcome(referral.pk, referral.status, "rewarded", credited)


# --- reversal --------------------------------------------------------------------------------


def _take_back_reward(referral: Referral, side: str, policy: str) -> int:
    entry = ledger.take_back_credit(
        credit_key=f"referral:{referral.pk}:{side}",
        key=f"referral-reversal:{referral.pk}:{side}",
        reason=REVERSAL_REASON,
        policy=policy,
        details={"referral": referral.pk, "order_id": referral.qualifying_order_id},
    )
    if entry is None:
        return 0
    return -entry.points + int(entry.details.get("written_off", 0))


@transaction.atomic
def reverse_for_order(order_id: str, settings: RetentionSettings) -> ReferralOutcome | None:
    """The qualifying order was refunded in full or cancelled: take both rewards back."""
    referral = lock_objects.referral_rewarded_for(order_id)
    if referral is None:
        return None
    if referral.status != Referral.Status.REWARDED:
        return ReferralOutcome(referral.pk, referral.status, "nothing to take back")
    _lock_both(referral)
    policy = settings.negative_balance_policy
    reversed_points = {
        "referrer": _take_back_reward(referral, "referrer", policy),
        "referee": _take_back_reward(referral, "referee", policy),
    }
    _settle(referral, Referral.Status.REVERSED, referral.qualifying_order_id, referral.note)
    return ReferralOutcome(referral.pk, referral.status, "taken back", reversed_points)
