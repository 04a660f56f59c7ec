"""Bonuses that are not earned on an order: the sign-up bonus, the yearly birthday bonus and staff
campaigns.

All post through the ledger's ``credit`` under a key that names the business event, so running them
again (a second cron run the same day, a replayed campaign, a task delivered twice) posts nothing:

- birthday: ``birthday:customer:<id>:<year>``: once per customer per calendar year of the store;
- campaign: ``campaign:<campaign key>:customer:<id>``: once per customer per campaign.

Time: "today" is the date in the store's time zone (``store_timezone``), whatever the server's;
a Feb 29 birthday is celebrated on Feb 28 in other years; a birthday set or changed within the last
30 days does not pay out that year (so nobody sets "today" to collect a bonus).
"""

from __future__ import annotations

import calendar
import dataclasses
import logging
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from kombu.exceptions import OperationalError as BrokerError

from .. import lock_objects, operator_settings
from .. import saleor_adapter as saleor
from ..conf import RetentionSettings
from ..errors import RetentionError, RetentionErrorCode
from ..ledger import services as ledger
from ..ledger.models import EntryType, LedgerEntry
from ..textclean import clean_text, plain_text
from .models import EARLIEST_BIRTHDAY, CustomerBirthday, LoyaltyCampaign

logger = logging.getLogger(__name__)

BIRTHDAY_CHANGE_WAIT = timedelta(days=30)
# The earliest time zone is UTC+14: a date up to that far ahead of UTC is someone's "today".
EARLIEST_UTC_OFFSET = timedelta(hours=14)

CAMPAIGN_MAX_POINTS = 1_000_000
CAMPAIGN_REASON_MAX_LENGTH = 500  # after cleaning; the column holds 500
CAMPAIGN_KEY_MAX = 100
CAMPAIGN_KEY_PUNCTUATION = "-_."
CAMPAIGN_MAX_MIN_PAID_ORDERS = 10_000


def _batches(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _posted_keys(keys: Sequence[str]) -> set[str]:
    return set(
        LedgerEntry.objects.filter(idempotency_key__in=list(keys)).values_list(
            "idempotency_key", flat=True
        )
    )


# --- sign-up ---------------------------------------------------------------------------------


def grant_signup_bonus(*, customer_id: str, settings: RetentionSettings) -> LedgerEntry | None:
    if settings.signup_bonus <= 0:
        return None
    return ledger.credit(
        customer_id=customer_id,
        points=settings.signup_bonus,
        type=EntryType.SIGNUP_BONUS,
        key=f"signup:customer:{customer_id}",
        settings=settings,
        reason=gettext_noop("Welcome bonus"),
    )


# --- birthdays -------------------------------------------------------------------------------


def store_today(settings: RetentionSettings, now: datetime | None = None) -> date:
    return (now or timezone.now()).astimezone(settings.store_zone).date()


@transaction.atomic
def birthday_set(
    *, customer_id: str, birthday: date, now: datetime | None = None
) -> CustomerBirthday:
    """Record a customer's birthday. ``changed_at`` moves only when the date is new or different,
    so saving the same date again does not restart the 30-day wait."""
    now = now or timezone.now()
    if birthday < EARLIEST_BIRTHDAY:
        raise RetentionError(
            _("Enter a birthday from 1900 onwards."),
            code=RetentionErrorCode.INVALID,
            field="birthday",
        )
    if birthday > (now + EARLIEST_UTC_OFFSET).date():
        raise RetentionError(
            _("A birthday cannot be in the future."),
            code=RetentionErrorCode.INVALID,
            field="birthday",
        )
    row, created = lock_objects.birthdays().get_or_create(
        customer_id=customer_id, defaults={"birthday": birthday, "changed_at": now}
    )
    if not created and row.birthday != birthday:
        row.birthday = birthday
        row.changed_at = now
        row.save(update_fields=["birthday", "changed_at"])
    return row


def birthday_of(customer_id: str) -> date | None:
    return (
        CustomerBirthday.objects.filter(customer_id=customer_id)
        .values_list("birthday", flat=True)
        .first()
    )


def birthdays_of(customer_ids: Iterable[str]) -> dict[str, date]:
    """customer id -> birthday, in one query (for GraphQL lists of customers)."""
    rows = CustomerBirthday.objects.filter(customer_id__in=list(customer_ids))
    return {str(cid): day for cid, day in rows.values_list("customer_id", "birthday")}


def birthdays_on(day: date) -> Q:
    """Birthdays celebrated on ``day``: the same month and day, and Feb 29 on Feb 28 of a year
    without one. Month and day are compared in the database (an index covers them)."""
    matches = Q(birthday__month=day.month, birthday__day=day.day)
    if (day.month, day.day) == (2, 28) and not calendar.isleap(day.year):
        matches |= Q(birthday__month=2, birthday__day=29)
    return matches


def birthday_key(customer_id: str, year: int) -> str:
    return f"birthday:customer:{customer_id}:{year}"


@dataclasses.dataclass(frozen=True)
class BirthdayRun:
    date: date  # the store's date the run celebrated
    celebrating: int  # customers whose birthday it is
    credited: int
    already_credited: int
    changed_recently: int  # set or changed within the last 30 days: nothing this year
    inactive: int  # deactivated accounts

    def as_dict(self) -> dict[str, Any]:
        return {**dataclasses.asdict(self), "date": self.date.isoformat()}


def grant_birthday_bonuses(
    *, settings: RetentionSettings, now: datetime | None = None, batch_size: int | None = None
) -> BirthdayRun:
    """Credit ``birthday_bonus`` points to every customer whose birthday is today in the store's
    time zone. Safe to run as often as wanted (hourly, or twice by mistake): the yearly key posts
    each customer's bonus once."""
    now = now or timezone.now()
    today = store_today(settings, now)
    if settings.birthday_bonus <= 0:
        return BirthdayRun(today, 0, 0, 0, 0, 0)
    celebrating = CustomerBirthday.objects.filter(birthdays_on(today))
    settled = Q(changed_at__lte=now - BIRTHDAY_CHANGE_WAIT)
    changed_recently = celebrating.exclude(settled).count()
    ids = celebrating.filter(settled).order_by("customer_id").values_list("customer_id", flat=True)
    credited = already = inactive = 0
    size = batch_size or operator_settings.value("RETENTION_BONUS_BATCH_SIZE")
    for batch in _batches((str(pk) for pk in ids.iterator()), size):
        keys = {customer_id: birthday_key(customer_id, today.year) for customer_id in batch}
        posted = _posted_keys(list(keys.values()))
        active = saleor.existing_customer_ids(batch, active_only=True)
        for customer_id, key in keys.items():
            if key in posted:
                already += 1
            elif customer_id not in active:
                inactive += 1
            else:
                ledger.credit(
                    customer_id=customer_id,
                    points=settings.birthday_bonus,
                    type=EntryType.BIRTHDAY_BONUS,
                    key=key,
                    settings=settings,
                    reason=gettext_noop("Happy birthday!"),
                    details={"year": today.year},
                )
                credited += 1
    run = BirthdayRun(
        date=today,
        celebrating=credited + already + inactive + changed_recently,
        credited=credited,
        already_credited=already,
        changed_recently=changed_recently,
        inactive=inactive,
    )
    logger.info("retention: birthday bonuses %s", run.as_dict())
    return run


# --- campaigns -------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Audience:
    """Who a campaign credits: everyone, customers with at least K paid orders, or a list."""

    everyone: bool = False
    min_paid_orders: int | None = None
    customer_ids: tuple[str, ...] | None = None  # Saleor user primary keys

    @classmethod
    def choose(
        cls,
        *,
        everyone: bool | None = None,
        min_paid_orders: int | None = None,
        customer_ids: Iterable[str] | None = None,
    ) -> Audience:
        """Validate the choice: exactly one of the three, each within its limits."""
        chosen = [bool(everyone), min_paid_orders is not None, customer_ids is not None]
        if sum(chosen) != 1:
            raise RetentionError(
                _(
                    "Choose exactly one audience: all customers, a number of paid orders, or a list."
                ),
                code=RetentionErrorCode.INVALID,
                field="audience",
            )
        if min_paid_orders is not None:
            if not 1 <= min_paid_orders <= CAMPAIGN_MAX_MIN_PAID_ORDERS:
                raise RetentionError(
                    _("Give a number of paid orders from 1 to %(max)s.")
                    % {"max": CAMPAIGN_MAX_MIN_PAID_ORDERS},
                    code=RetentionErrorCode.INVALID,
                    field="minPaidOrders",
                )
            return cls(min_paid_orders=min_paid_orders)
        if customer_ids is not None:
            ids = tuple(sorted({str(pk) for pk in customer_ids}, key=int))
            most = operator_settings.value("RETENTION_CAMPAIGN_MAX_CUSTOMER_IDS")
            if not 1 <= len(ids) <= most:
                raise RetentionError(
                    _("Give from 1 to %(max)s customers.") % {"max": most},
                    code=RetentionErrorCode.INVALID,
                    field="customerIds",
                )
            return cls(customer_ids=ids)
        return cls(everyone=True)

    def as_json(self) -> dict[str, Any]:
        if self.min_paid_orders is not None:
            return {"min_paid_orders": self.min_paid_orders}
        if self.customer_ids is not None:
            return {"customer_ids": list(self.customer_ids)}
        return {"all": True}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Audience:
        if "min_paid_orders" in data:
            return cls(min_paid_orders=int(data["min_paid_orders"]))
        if "customer_ids" in data:
            return cls(customer_ids=tuple(str(pk) for pk in data["customer_ids"]))
        return cls(everyone=True)

    def size(self) -> int:
        if self.customer_ids is not None:
            return len(saleor.existing_customer_ids(self.customer_ids))
        return saleor.count_customers(min_paid_orders=self.min_paid_orders or 0)

    def page(self, *, after: int, limit: int) -> list[str]:
        """The next ``limit`` customer ids above ``after``, ascending."""
        if self.customer_ids is not None:
            following = [pk for pk in self.customer_ids if int(pk) > after][:limit]
            existing = saleor.existing_customer_ids(following)
            return [pk for pk in following if pk in existing]
        return saleor.customer_ids(
            min_paid_orders=self.min_paid_orders or 0, after=after, limit=limit
        )


def campaign_entry_key(campaign_key: str, customer_id: str) -> str:
    return f"campaign:{campaign_key}:customer:{customer_id}"


def _clean_campaign_key(key: str) -> str:
    key = key.strip()
    valid_chars = all(ch.isalnum() or ch in CAMPAIGN_KEY_PUNCTUATION for ch in key)
    if not 1 <= len(key) <= CAMPAIGN_KEY_MAX or not valid_chars:
        raise RetentionError(
            _("Give a campaign key of 1 to %(max)s letters, digits, dashes, underscores or dots.")
            % {"max": CAMPAIGN_KEY_MAX},
            code=RetentionErrorCode.INVALID,
            field="campaignKey",
        )
    return key


@dataclasses.dataclass(frozen=True)
class CampaignStart:
    campaign: LoyaltyCampaign
    queued: int  # customers this call queued for crediting (0: the campaign was already done)


@transaction.atomic
def campaign_create(
    *, key: str, points: int, reason: str, audience: Audience, staff_user_id: str
) -> CampaignStart:
    """Record a campaign and queue its crediting after commit.

    Sending the same campaign (same key, points, reason and audience) again returns the first one
    and queues nothing more once it is done; an unfinished one is queued again, which is harmless
    (each customer's entry is posted once). Another campaign under a used key is refused.
    """
    if not 1 <= points <= CAMPAIGN_MAX_POINTS:
        raise RetentionError(
            _("Give from 1 to %(max)s points.") % {"max": f"{CAMPAIGN_MAX_POINTS:,}"},
            code=RetentionErrorCode.INVALID,
            field="points",
        )
    # Customers see the reason in their history: plain text (no markup, control or bidi-override
    # characters), refused rather than cut when too long.
    if not plain_text(reason or ""):
        raise RetentionError(
            _("Give a reason for the campaign; customers see it in their history."),
            code=RetentionErrorCode.REQUIRED,
            field="reason",
        )
    reason = clean_text(reason, field="reason", max_length=CAMPAIGN_REASON_MAX_LENGTH)
    if audience.customer_ids is not None and str(staff_user_id) in audience.customer_ids:
        raise RetentionError(
            _("Staff cannot give points to their own account; ask another staff member."),
            code=RetentionErrorCode.SELF_ADJUSTMENT,
            field="customerIds",
        )
    key = _clean_campaign_key(key)
    campaign, created = LoyaltyCampaign.objects.get_or_create(
        key=key,
        defaults={
            "points": points,
            "reason": reason,
            "audience": audience.as_json(),
            "staff_user_id": staff_user_id,
            "matched_customers": audience.size(),
        },
    )
    if not created:
        campaign = lock_objects.campaign(campaign.pk)
        same = (campaign.points, campaign.reason, campaign.audience) == (
            points,
            reason,
            audience.as_json(),
        )
        if not same:
            raise RetentionError(
                _("The campaign key %(key)s was already used for another campaign.") % {"key": key},
                code=RetentionErrorCode.ALREADY_DONE,
                field="campaignKey",
            )
        if campaign.status == LoyaltyCampaign.Status.DONE:
            return CampaignStart(campaign, queued=0)
    schedule_campaign(campaign.pk)
    return CampaignStart(campaign, queued=campaign.matched_customers)


def remove_from_campaign_audiences(customer_id: str) -> int:
    """Erasure: take the customer's id out of every campaign's list of customers; returns how
    many campaigns named her. The counts and the ledger entries stay."""
    changed = 0
    for campaign in lock_objects.campaigns_listing(customer_id):
        ids = [pk for pk in campaign.audience["customer_ids"] if str(pk) != str(customer_id)]
        campaign.audience = {**campaign.audience, "customer_ids": ids}
        campaign.save(update_fields=["audience"])
        changed += 1
    return changed


def schedule_campaign(campaign_id: int) -> None:
    """Queue the campaign's task once the transaction commits (a worker must see the row)."""
    from ..inbox.dispatch import publish
    from .tasks import campaign_bonus_task

    def enqueue() -> None:
        try:
            publish(campaign_bonus_task, campaign_id)
        except BrokerError:  # the campaign stays queued; sending it again queues it again
            logger.exception("retention: could not queue campaign %s", campaign_id)

    transaction.on_commit(enqueue)


@dataclasses.dataclass(frozen=True)
class CampaignRun:
    campaign_key: str
    credited: int  # customers credited by this run
    total_credited: int  # customers credited by the campaign so far, every run included

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def run_campaign(
    campaign_id: int, *, settings: RetentionSettings, batch_size: int | None = None
) -> CampaignRun | None:
    """Credit every customer of the campaign's audience, batch by batch; each batch commits on
    its own, so an interrupted run keeps its progress and the next run skips what is posted."""
    size = batch_size or operator_settings.value("RETENTION_BONUS_BATCH_SIZE")
    campaign = LoyaltyCampaign.objects.filter(pk=campaign_id).first()
    if campaign is None:
        return None
    if campaign.status == LoyaltyCampaign.Status.DONE:
        return CampaignRun(campaign.key, 0, campaign.credited_customers)
    audience = Audience.from_json(campaign.audience)
    after = 0
    credited = 0
    while True:
        batch = audience.page(after=after, limit=size)
        if not batch:
            break
        credited += _credit_campaign_batch(campaign, batch, settings)
        after = int(batch[-1])
    total = LedgerEntry.objects.filter(
        type=EntryType.CAMPAIGN_BONUS,
        idempotency_key__startswith=campaign_entry_key(campaign.key, ""),
    ).count()
    LoyaltyCampaign.objects.filter(pk=campaign.pk).update(
        status=LoyaltyCampaign.Status.DONE, credited_customers=total, finished_at=timezone.now()
    )
    run = CampaignRun(campaign.key, credited, total)
    logger.info("retention: campaign %s", run.as_dict())
    return run


@transaction.atomic
def _credit_campaign_batch(
    campaign: LoyaltyCampaign, customer_ids: list[str], settings: RetentionSettings
) -> int:
    keys = {pk: campaign_entry_key(campaign.key, pk) for pk in customer_ids}
    posted = _posted_keys(list(keys.values()))
    credited = 0
    for customer_id, key in keys.items():
        if key in posted:
            continue
        ledger.credit(
            customer_id=customer_id,
            points=campaign.points,
            type=EntryType.CAMPAIGN_BONUS,
            key=key,
            settings=settings,
            reason=campaign.reason,
            staff_user_id=campaign.staff_user_id,
            details={"campaign": campaign.key},
        )
        credited += 1
    LoyaltyCampaign.objects.filter(pk=campaign.pk).update(
        credited_customers=F("credited_customers") + credited
    )
    return credited
