"""The merchant's settings: declared once, shown in Saleor's dashboard, parsed into a frozen dataclass.

Saleor stores plugin settings as a list of ``{"name", "value"}`` strings. ``SETTINGS`` declares each
one (label, help text, default, parser); ``CONFIG_STRUCTURE`` and ``DEFAULT_CONFIGURATION`` for the
plugin class are generated from it, and ``parse_configuration`` turns the stored list into
``RetentionSettings`` or raises ``ConfigurationError`` naming every bad field. A setting's default
is written only in ``SETTINGS``. ``load_settings()`` reads them at most once per request or task
(see "loading" below); the operator's ``RETENTION_*`` Django settings are ``operator_settings``.
"""

from __future__ import annotations

import contextvars
import copy
import dataclasses
import json
import zoneinfo
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

STRING = "String"  # Saleor's ConfigurationTypeField.STRING; 2.10 and 3.x spell it the same


class ConfigurationError(ValueError):
    """Raised with ``errors``: setting name -> message, for every invalid setting at once."""

    def __init__(self, errors: Mapping[str, str]):
        super().__init__("; ".join(f"{name}: {message}" for name, message in errors.items()))
        self.errors = dict(errors)


def parse_non_negative_int(raw: str, *, maximum: int = 10**9) -> int:
    try:
        value = int(str(raw).strip())
    except ValueError:
        raise ValueError(_("Enter a whole number.")) from None
    if value < 0 or value > maximum:
        raise ValueError(_("Enter a whole number from 0 to %(max)s.") % {"max": maximum})
    return value


def parse_currency_rates(raw: str) -> dict[str, Decimal]:
    """``"USD:1, EUR:1.5"`` -> ``{"USD": Decimal("1"), "EUR": Decimal("1.5")}``."""
    rates: dict[str, Decimal] = {}
    for chunk in filter(None, (part.strip() for part in str(raw).split(","))):
        currency, sep, amount = chunk.partition(":")
        currency = currency.strip().upper()
        if not sep or len(currency) != 3 or not currency.isalpha():
            raise ValueError(
                _('Write each rate as CURRENCY:POINTS, e.g. "USD:1, EUR:1.5"; got "%(chunk)s".')
                % {"chunk": chunk}
            )
        try:
            rate = Decimal(amount.strip())
        except InvalidOperation:
            raise ValueError(_('"%(amount)s" is not a number.') % {"amount": amount}) from None
        if not rate.is_finite() or rate < 0 or rate > 10000:
            raise ValueError(_("A rate must be from 0 to 10000 points per unit."))
        if currency in rates:
            raise ValueError(_("%(currency)s is given twice.") % {"currency": currency})
        rates[currency] = rate
    return rates


def parse_bool(raw: str) -> bool:
    value = str(raw).strip().lower()
    if value in {"true", "1", "yes"}:
        return True
    if value in {"false", "0", "no"}:
        return False
    raise ValueError(_('Enter "true" or "false".'))


class NegativeBalancePolicy(models.TextChoices):
    """What a refund takes back when the points it earned were already spent."""

    NEGATIVE = "negative", _("the balance goes below zero")
    CLAMP = "clamp", _("take back only what is left")
    FUTURE = "future", _("take the rest from future earnings")


NEGATIVE_BALANCE_POLICIES = tuple(NegativeBalancePolicy.values)


def parse_negative_balance_policy(raw: str) -> NegativeBalancePolicy:
    value = str(raw).strip().lower()
    if value not in NEGATIVE_BALANCE_POLICIES:
        raise ValueError(
            _('Choose one of: "negative", "clamp", "future"; got "%(value)s".') % {"value": raw}
        )
    return NegativeBalancePolicy(value)


def parse_time_zone(raw: str) -> str:
    """An IANA time zone name such as "Asia/Shanghai" or "UTC"; returned as given."""
    name = str(raw).strip()
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        message = _(
            '"%(name)s" is not a known time zone; use an IANA name such as "Asia/Shanghai".'
        )
        raise ValueError(message % {"name": name}) from None
    return name


@dataclasses.dataclass(frozen=True)
class Tier:
    name: str
    threshold: Decimal  # points, or money in the basis currency
    multiplier: Decimal


def parse_tiers(raw: str) -> tuple[Tier, ...]:
    tiers: list[Tier] = []
    for chunk in filter(None, (part.strip() for part in str(raw).split(";"))):
        parts = [part.strip() for part in chunk.split(":")]
        if len(parts) != 3 or not parts[0] or len(parts[0]) > 40:
            raise ValueError(
                _(
                    'Write each tier as NAME:THRESHOLD:MULTIPLIER, e.g. "Gold:2000:1.5"; got "%(chunk)s".'
                )
                % {"chunk": chunk}
            )
        try:
            threshold, multiplier = Decimal(parts[1]), Decimal(parts[2])
        except InvalidOperation:
            raise ValueError(
                _('"%(chunk)s" has a value that is not a number.') % {"chunk": chunk}
            ) from None
        if not threshold.is_finite() or threshold <= 0:
            raise ValueError(_("A tier threshold must be above 0."))
        if not multiplier.is_finite() or not Decimal("0.1") <= multiplier <= Decimal("10"):
            raise ValueError(_("A tier multiplier must be from 0.1 to 10."))
        if tiers and threshold <= tiers[-1].threshold:
            raise ValueError(_("List tiers from the lowest threshold to the highest."))
        if any(t.name.lower() == parts[0].lower() for t in tiers):
            raise ValueError(_("Tier %(name)s is given twice.") % {"name": parts[0]})
        tiers.append(Tier(parts[0], threshold, multiplier))
    return tuple(tiers)


class TierBasis(models.TextChoices):
    POINTS = "points", _("points earned")
    SPEND = "spend", _("money spent")


def parse_tier_basis(raw: str) -> TierBasis:
    value = str(raw).strip().lower()
    if value not in TierBasis.values:
        raise ValueError(_('Choose "points" or "spend".'))
    return TierBasis(value)


def parse_card_url(raw: str) -> str:
    value = str(raw).strip()
    if not value.startswith(("https://", "http://")) or "{code}" not in value or len(value) > 300:
        raise ValueError(
            _('Give an http(s) address of at most 300 characters containing "{code}".')
        )
    return value


# --- reviews -----------------------------------------------------------------------------------


def parse_blocked_words(raw: str) -> tuple[str, ...]:
    """Comma-separated words or phrases (either "," or the Chinese "，"); compared case-folded."""
    words: list[str] = []
    for chunk in str(raw).replace("\uff0c", ",").split(","):
        word = chunk.strip().casefold()
        if not word:
            continue
        if len(word) > 60:
            raise ValueError(_("A blocked word has at most 60 characters."))
        if word not in words:
            words.append(word)
    if len(words) > 500:
        raise ValueError(_("Give at most 500 blocked words."))
    return tuple(words)


def parse_review_form_url(raw: str) -> str:
    value = str(raw).strip()
    if not value.startswith(("https://", "http://")) or "{token}" not in value or len(value) > 300:
        raise ValueError(
            _('Give an http(s) address of at most 300 characters containing "{token}".')
        )
    return value


# --- insight: churn windows ----------------------------------------------------------------------


class BusinessKind(models.TextChoices):
    CLOTHING = "clothing", _("clothing")
    ACCESSORIES = "accessories", _("accessories")
    ELECTRONICS = "electronics", _("electronics")
    FOOD = "food", _("food")
    DELIVERY = "delivery", _("delivery")
    BEAUTY = "beauty", _("beauty")


# Days without a paid order after which a customer counts as lost, by kind of business (the
# seeds: clothing and accessories lose a customer in a season; home electronics in 4-12 months,
# 180 days taken as the middle; food, delivery and beauty in a month).
# One window per BusinessKind (tests/test_variants.py checks).
CHURN_PRESETS: dict[str, int] = {
    "clothing": 90,
    "accessories": 90,
    "electronics": 180,
    "food": 30,
    "delivery": 30,
    "beauty": 30,
}


def parse_business_kind(raw: str) -> BusinessKind:
    value = str(raw).strip().lower()
    if value not in BusinessKind.values:
        raise ValueError(
            _('Choose one of: %(kinds)s; got "%(value)s".')
            % {"kinds": ", ".join(BusinessKind.values), "value": raw}
        )
    return BusinessKind(value)


def parse_category_churn_days(raw: str) -> dict[str, int]:
    """``"tea:30, cameras:365"`` -> ``{"tea": 30, "cameras": 365}`` (category slug -> days)."""
    windows: dict[str, int] = {}
    for chunk in filter(
        None, (part.strip() for part in str(raw).replace("\uff0c", ",").split(","))
    ):
        slug, sep, days = chunk.rpartition(":")
        slug = slug.strip().lower()
        if not sep or not slug or len(slug) > 255:
            raise ValueError(
                _('Write each window as CATEGORY-SLUG:DAYS, e.g. "tea:30"; got "%(chunk)s".')
                % {"chunk": chunk}
            )
        try:
            value = int(days.strip())
        except ValueError:
            raise ValueError(_('"%(days)s" is not a whole number.') % {"days": days}) from None
        if not 1 <= value <= 3650:
            raise ValueError(_("A churn window is from 1 to 3650 days."))
        if slug in windows:
            raise ValueError(_("%(slug)s is given twice.") % {"slug": slug})
        windows[slug] = value
    return windows


@dataclasses.dataclass(frozen=True)
class Setting:
    name: str
    label: Any
    help_text: Any
    default: str
    parse: Callable[[str], Any]


SETTINGS: tuple[Setting, ...] = (
    Setting(
        name="points_per_currency_unit",
        label=_("Points per currency unit"),
        help_text=_(
            'Points earned per unit of the order\'s currency, per currency: "USD:1, EUR:1". '
            "Orders in a currency without a rate earn nothing."
        ),
        default="USD:1",
        parse=parse_currency_rates,
    ),
    Setting(
        name="signup_bonus",
        label=_("Sign-up bonus"),
        help_text=_("Points a customer receives once, when their account is created."),
        default="0",
        parse=parse_non_negative_int,
    ),
    Setting(
        name="pending_days",
        label=_("Pending days"),
        help_text=_(
            "Days earned points stay pending (the return window) before they can be spent."
        ),
        default="14",
        parse=lambda raw: parse_non_negative_int(raw, maximum=365),
    ),
    Setting(
        name="points_expiry_months",
        label=_("Points expire after (months)"),
        help_text=_(
            "Each batch of points expires this many months after it becomes available; "
            "0 means points never expire. A change applies to points earned afterwards."
        ),
        default="12",
        parse=lambda raw: parse_non_negative_int(raw, maximum=120),
    ),
    Setting(
        name="earn_on_shipping",
        label=_("Earn on shipping"),
        help_text=_('"true" to give points on the shipping price too.'),
        default="false",
        parse=parse_bool,
    ),
    Setting(
        name="earn_on_tax",
        label=_("Earn on tax"),
        help_text=_('"true" to give points on taxes too.'),
        default="false",
        parse=parse_bool,
    ),
    Setting(
        name="redeem_value_per_point",
        label=_("Value of one point at checkout"),
        help_text=_(
            'What one point takes off a checkout, per currency: "USD:0.01" makes 100 points '
            "worth 1.00. Checkouts in other currencies cannot use points."
        ),
        default="USD:0.01",
        parse=parse_currency_rates,
    ),
    Setting(
        name="redeem_min_points",
        label=_("Fewest points per redemption"),
        help_text=_("A shopper applies at least this many points to a checkout."),
        default="100",
        parse=lambda raw: parse_non_negative_int(raw, maximum=10**7),
    ),
    Setting(
        name="redeem_step",
        label=_("Redemption step"),
        help_text=_("Points are applied in multiples of this number (1: any number)."),
        default="1",
        parse=lambda raw: max(1, parse_non_negative_int(raw, maximum=10**6)),
    ),
    Setting(
        name="redeem_max_share_percent",
        label=_("Most of a checkout paid with points (%)"),
        help_text=_("Points may pay at most this share of the checkout's subtotal."),
        default="50",
        parse=lambda raw: parse_non_negative_int(raw, maximum=100),
    ),
    Setting(
        name="redeem_hold_minutes",
        label=_("Release points of abandoned checkouts after (minutes)"),
        help_text=_(
            "Points applied to a checkout that is not completed return to the balance after "
            "this long."
        ),
        default="1440",
        parse=lambda raw: max(5, parse_non_negative_int(raw, maximum=60 * 24 * 30)),
    ),
    Setting(
        name="negative_balance_policy",
        label=_("When refunded points were already spent"),
        help_text=_(
            '"negative": the balance goes below zero; "clamp": take back only what is left; '
            '"future": take the rest from future earnings.'
        ),
        default="negative",
        parse=parse_negative_balance_policy,
    ),
    Setting(
        name="birthday_bonus",
        label=_("Birthday bonus"),
        help_text=_(
            "Points a customer receives once a year on their birthday (in the store's time "
            "zone); 0 switches it off. A birthday set or changed within the last 30 days pays "
            "out from the next year."
        ),
        default="0",
        parse=parse_non_negative_int,
    ),
    Setting(
        name="store_timezone",
        label=_("Store time zone"),
        help_text=_(
            "The time zone in which the store's days begin: an IANA name such as Asia/Shanghai "
            "or UTC. Birthdays are celebrated on the store's date."
        ),
        default="UTC",
        parse=parse_time_zone,
    ),
    Setting(
        name="tiers",
        label=_("Membership tiers"),
        help_text=_(
            'NAME:THRESHOLD:MULTIPLIER, lowest first, separated by ";" - e.g. '
            '"Silver:500:1.25; Gold:2000:1.5". Below the first threshold a customer is a member '
            "with no tier (multiplier 1). Empty: no tiers."
        ),
        default="",
        parse=parse_tiers,
    ),
    Setting(
        name="tier_basis",
        label=_("Tiers are reached by"),
        help_text=_(
            '"points": points earned; "spend": money spent in the first currency of '
            '"Points per currency unit".'
        ),
        default="points",
        parse=parse_tier_basis,
    ),
    Setting(
        name="tier_window_months",
        label=_("Tier qualifying period (months)"),
        help_text=_("Count the last this many months; 0 counts the customer's whole history."),
        default="12",
        parse=lambda raw: parse_non_negative_int(raw, maximum=120),
    ),
    Setting(
        name="tier_grace_days",
        label=_("Days before a tier is lowered"),
        help_text=_(
            "A customer who no longer qualifies keeps the tier this many days; qualifying "
            "again in that time cancels the downgrade."
        ),
        default="30",
        parse=lambda raw: parse_non_negative_int(raw, maximum=3650),
    ),
    Setting(
        name="referral_bonus_referrer",
        label=_("Referral bonus for the referrer"),
        help_text=_(
            "Points a customer receives when a friend who used their referral code pays for "
            "their first order. Pending for the return window like earned points. 0, with the "
            "new customer's bonus also 0, switches referrals off."
        ),
        default="0",
        parse=parse_non_negative_int,
    ),
    Setting(
        name="referral_bonus_referee",
        label=_("Referral bonus for the new customer"),
        help_text=_(
            "Points a new customer receives when they used a friend's referral code and pay "
            "for their first order. Pending for the return window like earned points."
        ),
        default="0",
        parse=parse_non_negative_int,
    ),
    Setting(
        name="referral_monthly_cap",
        label=_("Referrals per customer per month"),
        help_text=_(
            "The most friends one customer's code can bring in a calendar month (in the "
            "store's time zone); 0 means no limit."
        ),
        default="10",
        parse=lambda raw: parse_non_negative_int(raw, maximum=10000),
    ),
    Setting(
        name="cards_per_parcel",
        label=_("Loyalty cards per parcel"),
        help_text=_(
            "The most loyalty cards put into one order's first parcel, from the programs with "
            "the highest priority; 0 puts none."
        ),
        default="1",
        parse=lambda raw: parse_non_negative_int(raw, maximum=10),
    ),
    Setting(
        name="card_qr_url",
        label=_("Card QR code link"),
        help_text=_(
            "The store page a printed card's QR code opens; {code} is replaced by the card's "
            'code, e.g. "https://shop.example.com/redeem?code={code}".'
        ),
        default="http://localhost:3000/redeem?code={code}",
        parse=parse_card_url,
    ),
    # --- forum ---------------------------------------------------------------------------------
    Setting(
        name="forum_title_max_length",
        label=_("Forum topic title: most characters"),
        help_text=_("The longest topic title a shopper may write, counted after cleaning."),
        default="150",
        parse=lambda raw: max(1, parse_non_negative_int(raw, maximum=300)),
    ),
    Setting(
        name="forum_body_max_length",
        label=_("Forum post: most characters"),
        help_text=_("The longest forum post a shopper may write, counted after cleaning."),
        default="5000",
        parse=lambda raw: max(1, parse_non_negative_int(raw, maximum=20000)),
    ),
    Setting(
        name="forum_edit_window_minutes",
        label=_("Forum edit window (minutes)"),
        help_text=_("How long after posting an author may still edit a post; 0 allows no edits."),
        default="30",
        parse=lambda raw: parse_non_negative_int(raw, maximum=60 * 24 * 365),
    ),
    Setting(
        name="forum_rate_limit_posts",
        label=_("Forum posts per period"),
        help_text=_(
            "The most topics and posts one shopper may write in the period below, across the "
            "whole forum; 0 means no limit. Forum staff are not limited."
        ),
        default="5",
        parse=lambda raw: parse_non_negative_int(raw, maximum=10000),
    ),
    Setting(
        name="forum_rate_limit_minutes",
        label=_("Forum rate-limit period (minutes)"),
        help_text=_("The period the forum post limit counts over."),
        default="10",
        parse=lambda raw: max(1, parse_non_negative_int(raw, maximum=60 * 24 * 30)),
    ),
    # --- reviews ---
    Setting(
        name="reviews_accept_non_buyers",
        label=_("Accept reviews from non-buyers"),
        help_text=_(
            '"true": signed-in customers who have not bought the product may review it too '
            "(once per product), labelled unverified. Default: verified buyers only."
        ),
        default="false",
        parse=parse_bool,
    ),
    Setting(
        name="review_auto_publish_rating",
        label=_("Publish reviews at once from this rating"),
        help_text=_(
            "Reviews rated at least this (1 to 5) and free of blocked words are published at "
            "once; the others wait for moderation. 0 sends every review to moderation."
        ),
        default="4",
        parse=lambda raw: parse_non_negative_int(raw, maximum=5),
    ),
    Setting(
        name="review_blocked_words",
        label=_("Blocked words in reviews"),
        help_text=_(
            "Comma-separated words or phrases (any language, case ignored); a review containing "
            "one waits for moderation."
        ),
        default="",
        parse=parse_blocked_words,
    ),
    Setting(
        name="review_points",
        label=_("Points for a published review"),
        help_text=_(
            "Points the author earns once when their review is published, whatever its rating; "
            "removing the review takes them back. 0: none."
        ),
        default="0",
        parse=lambda raw: parse_non_negative_int(raw, maximum=100000),
    ),
    Setting(
        name="review_photo_bonus_points",
        label=_("Extra points for a review with photos"),
        help_text=_("Added to the review points when the published review has a photo."),
        default="0",
        parse=lambda raw: parse_non_negative_int(raw, maximum=100000),
    ),
    Setting(
        name="review_title_max_length",
        label=_("Longest review title"),
        help_text=_("Characters, 10 to 500."),
        default="120",
        parse=lambda raw: max(10, parse_non_negative_int(raw, maximum=500)),
    ),
    Setting(
        name="review_body_min_length",
        label=_("Shortest review text"),
        help_text=_("Characters a review's text needs at least; 0: the text may be empty."),
        default="0",
        parse=lambda raw: parse_non_negative_int(raw, maximum=1000),
    ),
    Setting(
        name="review_body_max_length",
        label=_("Longest review text"),
        help_text=_("Characters, 100 to 20000."),
        default="5000",
        parse=lambda raw: max(100, parse_non_negative_int(raw, maximum=20000)),
    ),
    Setting(
        name="review_max_photos",
        label=_("Photos per review"),
        help_text=_("The most photos a review may carry, 0 to 10."),
        default="5",
        parse=lambda raw: parse_non_negative_int(raw, maximum=10),
    ),
    Setting(
        name="review_request_days",
        label=_("Ask for a review after (days)"),
        help_text=_("Days after an order is fully fulfilled that its review request is due."),
        default="14",
        parse=lambda raw: parse_non_negative_int(raw, maximum=365),
    ),
    Setting(
        name="review_form_url",
        label=_("Review form link"),
        help_text=_(
            "The store page that opens the review form for one bought item; {token} is replaced "
            'by the signed token, e.g. "https://shop.example.com/review?token={token}".'
        ),
        default="http://localhost:3000/review?token={token}",
        parse=parse_review_form_url,
    ),
    Setting(
        name="reviews_erase_photos",
        label=_("Delete a deleted customer's review photos"),
        help_text=_(
            '"true": when a customer is deleted, the photos of their reviews are deleted too; '
            '"false": they are kept with the anonymised review (photos may show faces: your '
            "call)."
        ),
        default="false",
        parse=parse_bool,
    ),
    # --- insight ---
    Setting(
        name="insight_business_kind",
        label=_("Kind of business (churn window preset)"),
        help_text=_(
            "Sets after how long without a paid order a customer counts as lost: "
            '"clothing" or "accessories": 90 days (a season); "electronics": 180 days (4 to 12 '
            'months); "food", "delivery" or "beauty": 30 days.'
        ),
        default="clothing",
        parse=parse_business_kind,
    ),
    Setting(
        name="insight_churn_days",
        label=_("Churn window (days)"),
        help_text=_(
            "Days without a paid order after which a customer counts as lost; 0 takes the "
            "preset of the kind of business."
        ),
        default="0",
        parse=lambda raw: parse_non_negative_int(raw, maximum=3650),
    ),
    Setting(
        name="insight_category_churn_days",
        label=_("Churn windows by category"),
        help_text=_(
            'CATEGORY-SLUG:DAYS, separated by commas, e.g. "tea:30, cameras:365". A customer\'s '
            "window is the longest among the categories they have bought; categories not listed "
            "take the store's window."
        ),
        default="",
        parse=parse_category_churn_days,
    ),
    Setting(
        name="insight_value_window_months",
        label=_("Customer value period (months)"),
        help_text=_(
            "The top 20 percent of customers and the RFM frequency and money scores count the paid "
            "orders of the last this many months."
        ),
        default="12",
        parse=lambda raw: max(1, parse_non_negative_int(raw, maximum=120)),
    ),
)


@dataclasses.dataclass(frozen=True)
class RetentionSettings:
    """The parsed settings. Every field is one ``Setting`` of ``SETTINGS``, whose ``default`` is
    the only place a default is written (``parse_configuration(None)`` gives them all)."""

    points_per_currency_unit: Mapping[str, Decimal]
    signup_bonus: int
    pending_days: int
    points_expiry_months: int
    earn_on_shipping: bool
    earn_on_tax: bool
    negative_balance_policy: NegativeBalancePolicy
    birthday_bonus: int
    store_timezone: str  # an IANA name, validated by parse_time_zone
    redeem_value_per_point: Mapping[str, Decimal]
    redeem_min_points: int
    redeem_step: int
    redeem_max_share_percent: int
    redeem_hold_minutes: int
    tiers: tuple[Tier, ...]
    tier_basis: TierBasis
    tier_window_months: int
    tier_grace_days: int
    referral_bonus_referrer: int
    referral_bonus_referee: int
    referral_monthly_cap: int  # 0: no limit
    cards_per_parcel: int
    card_qr_url: str
    # forum
    forum_title_max_length: int
    forum_body_max_length: int
    forum_edit_window_minutes: int
    forum_rate_limit_posts: int  # 0: no limit
    forum_rate_limit_minutes: int
    # reviews
    reviews_accept_non_buyers: bool
    review_auto_publish_rating: int  # 0: every review waits for moderation
    review_blocked_words: tuple[str, ...]
    review_points: int
    review_photo_bonus_points: int
    review_title_max_length: int
    review_body_min_length: int
    review_body_max_length: int
    review_max_photos: int
    review_request_days: int
    review_form_url: str
    reviews_erase_photos: bool
    # insight
    insight_business_kind: BusinessKind
    insight_churn_days: int  # 0: the preset of the kind of business
    insight_category_churn_days: Mapping[str, int]
    insight_value_window_months: int

    @property
    def churn_days(self) -> int:
        """The store's churn window: the merchant's number, else the preset of their business."""
        return self.insight_churn_days or CHURN_PRESETS[self.insight_business_kind]

    @property
    def store_zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.store_timezone)

    def rate_for(self, currency: str) -> Decimal | None:
        return self.points_per_currency_unit.get(currency.upper())

    @property
    def primary_currency(self) -> str | None:
        """The first currency of the earning rates: the one tier spend is counted in."""
        return next(iter(self.points_per_currency_unit), None)

    def point_value_for(self, currency: str) -> Decimal | None:
        value = self.redeem_value_per_point.get(currency.upper())
        return value if value else None


def config_structure() -> dict[str, dict[str, Any]]:
    return {s.name: {"type": STRING, "label": s.label, "help_text": s.help_text} for s in SETTINGS}


def default_configuration() -> list[dict[str, Any]]:
    return [{"name": s.name, "value": s.default} for s in SETTINGS]


def parse_configuration(items: Iterable[Mapping[str, Any]] | None) -> RetentionSettings:
    """Parse Saleor's stored list; a missing setting takes its default, unknown names are ignored."""
    given = {item.get("name"): item.get("value") for item in (items or ())}
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for setting in SETTINGS:
        raw = given.get(setting.name)
        if raw is None or str(raw).strip() == "":
            raw = setting.default
        try:
            values[setting.name] = setting.parse(raw)
        except ValueError as exc:
            errors[setting.name] = str(exc)
    if errors:
        raise ConfigurationError(errors)
    return RetentionSettings(**values)


class FreshCopy:
    """Class attribute that hands out a deep copy on every read.

    Saleor 2.10's manager passes ``DEFAULT_CONFIGURATION`` itself to the plugin and edits those
    dicts in place on ``pluginUpdate`` before validating, so a refused value would otherwise stay
    in the class-level default for the life of the process.
    """

    def __init__(self, factory: Callable[[], Any]):
        self._factory = factory

    def __get__(self, instance: object, owner: type | None = None) -> Any:
        return copy.deepcopy(self._factory())


PLUGIN_ID = "saleor.retention"
DEFAULT_ACTIVE = False  # a merchant switches it on in the dashboard (pluginUpdate)


# --- loading: once per request or task ------------------------------------------------------
#
# Every request and every Celery task opens a scope (``apps.ready`` connects Django's request and
# Celery's task signals to ``open_scope`` / ``close_scope``): the first ``load_state()`` in it
# reads the plugin's row, later ones return the same answer without a query. Outside a scope (a
# shell, a test body, a management command) each call reads the row, one small query. Parsing is
# cached on the row's content, so a row nobody changed is never parsed twice in a process, and
# a change made any way (``pluginUpdate``, another process, a test editing the row) is seen by the
# next scope. ``forget_loaded()`` drops the scope's answer: the plugin calls it when Saleor saves
# its settings, so the rest of that request sees the new values too.

State = tuple[bool, RetentionSettings]


@dataclasses.dataclass
class _Scope:
    outer: _Scope | None  # the request a task run eagerly inside it interrupted
    state: State | None = None


_scope: contextvars.ContextVar[_Scope | None] = contextvars.ContextVar(
    "retention_settings_scope", default=None
)
_parsed: dict[str, RetentionSettings] = {}
_PARSED_KEEP = 16  # distinct stored configurations kept parsed; a store has one at a time


def open_scope(**kwargs: Any) -> None:
    """Start a task's scope (Celery's ``task_prerun``); one run eagerly inside a request nests."""
    _scope.set(_Scope(outer=_scope.get()))


def close_scope(**kwargs: Any) -> None:
    current = _scope.get()
    _scope.set(current.outer if current is not None else None)


def open_request_scope(**kwargs: Any) -> None:
    """A request starts afresh, so a scope that a streamed response never closed is dropped."""
    _scope.set(_Scope(outer=None))


def close_request_scope(**kwargs: Any) -> None:
    _scope.set(None)


def forget_loaded() -> None:
    """Drop what this scope loaded (and what the scopes around it loaded): the row changed."""
    current = _scope.get()
    while current is not None:
        current.state = None
        current = current.outer


def _parse_stored(items: list[dict[str, Any]]) -> RetentionSettings:
    """Stored settings were validated when saved; a row edited behind Saleor's back that no
    longer parses falls back to the defaults for the bad fields only, and says so in the log."""
    try:
        return parse_configuration(items)
    except ConfigurationError as exc:
        import logging

        logging.getLogger(__name__).error("retention: stored settings are invalid: %s", exc)
        kept = [item for item in items if item.get("name") not in exc.errors]
        return parse_configuration(kept)


def _settings_for(items: list[dict[str, Any]]) -> RetentionSettings:
    key = json.dumps(items, sort_keys=True, default=str)
    settings = _parsed.get(key)
    if settings is None:
        settings = _parse_stored(items)
        if len(_parsed) >= _PARSED_KEEP:
            _parsed.clear()
        _parsed[key] = settings
    return settings


def load_state() -> State:
    """(active, settings) as stored by Saleor, or the defaults before the first ``pluginUpdate``."""
    scope = _scope.get()
    if scope is not None and scope.state is not None:
        return scope.state
    from .saleor_adapter import stored_plugin_configuration

    stored = stored_plugin_configuration(PLUGIN_ID)
    if stored is None:
        state = (DEFAULT_ACTIVE, _settings_for(default_configuration()))
    else:
        state = (stored[0], _settings_for(stored[1]))
    if scope is not None:
        scope.state = state
    return state


def load_settings() -> RetentionSettings:
    return load_state()[1]
