"""A segment is a saved rule over the customer files; every condition given must hold.

Conditions: stages, RFM groups, tiers, spent at least (an amount in one currency), orders at
least, last paid order before / after, a category bought, a birthday month, languages, tags,
top 20%, has an open complaint (a review flagged as a complaint that staff have not answered).
Rules are checked in full before they are stored (``parse_rules``); a stored rule is read back
through the same parser, so a segment can always be evaluated.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from ..errors import RetentionError, RetentionErrorCode
from .models import CustomerFile, CustomerSpend, CustomerTag, RfmGroup, Stage
from .selectors import read_alias


@dataclasses.dataclass(frozen=True)
class SegmentRules:
    stages: tuple[str, ...] = ()
    rfm_groups: tuple[str, ...] = ()
    tiers: tuple[str, ...] = ()
    spent_at_least: Decimal | None = None
    spent_currency: str = ""
    orders_at_least: int | None = None
    last_order_before: datetime | None = None
    last_order_after: datetime | None = None
    categories: tuple[str, ...] = ()
    birthday_month: int | None = None
    languages: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    top_spender: bool | None = None
    has_open_complaint: bool | None = None

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            if value in (None, (), ""):
                continue
            if isinstance(value, tuple):
                value = list(value)
            elif isinstance(value, Decimal):
                value = str(value)
            elif isinstance(value, datetime):
                value = value.isoformat()
            out[field.name] = value
        return out


def _invalid(field: str, message: str) -> RetentionError:
    return RetentionError(message, code=RetentionErrorCode.INVALID, field=f"rules.{field}")


def _choices(raw: Any, allowed: list[str], field: str) -> tuple[str, ...]:
    values = tuple(str(getattr(v, "value", v)) for v in (raw or ()))
    unknown = [v for v in values if v not in allowed]
    if unknown:
        raise _invalid(field, _("Unknown value: %(value)s.") % {"value": ", ".join(unknown)})
    return tuple(dict.fromkeys(values))


def _words(
    raw: Any, field: str, *, lower: bool = True, maximum: int = 255, allow_empty: bool = False
) -> tuple[str, ...]:
    values = []
    for value in raw or ():
        text = str(value).strip()
        text = text.casefold() if lower else text
        if (not text and not allow_empty) or len(text) > maximum:
            raise _invalid(field, _("Give names of 1 to %(max)s characters.") % {"max": maximum})
        values.append(text)
    return tuple(dict.fromkeys(values))


def _moment(raw: Any, field: str) -> datetime | None:
    if raw in (None, ""):
        return None
    value = raw if isinstance(raw, datetime) else parse_datetime(str(raw))
    if value is None or value.tzinfo is None:
        raise _invalid(field, _("Give a date and time with its time zone."))
    return value


_CAMEL = {
    "rfm_groups": "rfmGroups",
    "spent_at_least": "spentAtLeast",
    "spent_currency": "spentCurrency",
    "orders_at_least": "ordersAtLeast",
    "last_order_before": "lastOrderBefore",
    "last_order_after": "lastOrderAfter",
    "birthday_month": "birthdayMonth",
    "top_spender": "topSpender",
    "has_open_complaint": "hasOpenComplaint",
}


def parse_rules(data: dict[str, Any]) -> SegmentRules:
    """Snake-case rule values (a GraphQL input or a stored rule) -> ``SegmentRules``, or a
    ``RetentionError`` naming the field (``rules.<camelCase>``)."""

    def name(field: str) -> str:
        return _CAMEL.get(field, field)

    known = {f.name for f in dataclasses.fields(SegmentRules)}
    for key in data:
        if key not in known:
            raise _invalid(str(key), _("Unknown rule."))
    spent = data.get("spent_at_least")
    spent_amount = None
    currency = str(data.get("spent_currency") or "").strip().upper()
    if spent not in (None, ""):
        try:
            spent_amount = Decimal(str(spent))
        except InvalidOperation:
            raise _invalid(name("spent_at_least"), _("Give an amount.")) from None
        if not spent_amount.is_finite() or spent_amount < 0:
            raise _invalid(name("spent_at_least"), _("Give an amount of 0 or more."))
        if len(currency) != 3 or not currency.isalpha():
            raise _invalid(name("spent_currency"), _("Give the amount's currency code."))
    orders = data.get("orders_at_least")
    if orders is not None and (not isinstance(orders, int) or not 0 <= orders <= 10**6):
        raise _invalid(name("orders_at_least"), _("Give a whole number of 0 or more."))
    month = data.get("birthday_month")
    if month is not None and (not isinstance(month, int) or not 1 <= month <= 12):
        raise _invalid(name("birthday_month"), _("Give a month from 1 to 12."))
    before = _moment(data.get("last_order_before"), name("last_order_before"))
    after = _moment(data.get("last_order_after"), name("last_order_after"))
    if before and after and after >= before:
        raise _invalid(name("last_order_after"), _("Give a time before the other bound."))
    return SegmentRules(
        stages=_choices(data.get("stages"), Stage.values, "stages"),
        rfm_groups=_choices(data.get("rfm_groups"), RfmGroup.values, name("rfm_groups")),
        # "" names the members below the first tier
        tiers=_words(data.get("tiers"), "tiers", lower=False, maximum=40, allow_empty=True),
        spent_at_least=spent_amount,
        spent_currency=currency if spent_amount is not None else "",
        orders_at_least=orders,
        last_order_before=before,
        last_order_after=after,
        categories=_words(data.get("categories"), "categories"),
        birthday_month=month,
        languages=_words(data.get("languages"), "languages", maximum=35),
        tags=_words(data.get("tags"), "tags", maximum=50),
        top_spender=data.get("top_spender"),
        has_open_complaint=data.get("has_open_complaint"),
    )


def customer_files(rules: SegmentRules) -> QuerySet[CustomerFile]:
    """The files that match, as one query (counted or paged by the caller)."""
    from ..bonuses.models import CustomerBirthday
    from ..ledger.models import LoyaltyAccount
    from ..reviews.models import Review
    from ..tiers.models import AccountTier

    files = CustomerFile.objects.using(read_alias())
    if rules.stages:
        files = files.filter(stage__in=rules.stages)
    if rules.rfm_groups:
        files = files.filter(rfm_group__in=rules.rfm_groups)
    if rules.tiers:
        # "" is a member below the first tier: an account without a tier row counts as one
        tiered = AccountTier.objects.filter(
            account__customer_id=OuterRef("customer_id"), name__in=rules.tiers
        )
        condition = Exists(tiered)
        if "" in rules.tiers:
            condition |= ~Exists(
                AccountTier.objects.filter(account__customer_id=OuterRef("customer_id"))
            ) & Exists(LoyaltyAccount.objects.filter(customer_id=OuterRef("customer_id")))
        files = files.filter(condition)
    if rules.spent_at_least is not None:
        spends = CustomerSpend.objects.filter(
            customer_id=OuterRef("customer_id"),
            currency=rules.spent_currency,
            total_spent__gte=rules.spent_at_least,
        )
        files = files.filter(Exists(spends)) if rules.spent_at_least > 0 else files
    if rules.orders_at_least is not None:
        files = files.filter(paid_orders__gte=rules.orders_at_least)
    if rules.last_order_before is not None:
        files = files.filter(last_paid_at__lt=rules.last_order_before)
    if rules.last_order_after is not None:
        files = files.filter(last_paid_at__gte=rules.last_order_after)
    if rules.categories:
        files = files.filter(category_slugs__overlap=list(rules.categories))
    if rules.birthday_month is not None:
        birthdays = CustomerBirthday.objects.filter(
            customer_id=OuterRef("customer_id"), birthday__month=rules.birthday_month
        )
        files = files.filter(Exists(birthdays))
    if rules.languages:
        language = Q()
        for code in rules.languages:
            language |= Q(language_code__iexact=code) | Q(language_code__istartswith=f"{code}-")
        files = files.filter(language)
    if rules.tags:
        files = files.filter(
            Exists(
                CustomerTag.objects.filter(customer_id=OuterRef("customer_id"), tag__in=rules.tags)
            )
        )
    if rules.top_spender is not None:
        files = files.filter(top_spender=rules.top_spender)
    if rules.has_open_complaint is not None:
        complaints = Review.objects.filter(
            customer_id=OuterRef("customer_id"),
            is_complaint=True,
            replied_at__isnull=True,
        ).exclude(status__in=("rejected", "removed"))
        has = Exists(complaints)
        files = files.filter(has if rules.has_open_complaint else ~has)
    return files
