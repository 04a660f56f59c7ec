"""Customer insight in GraphQL, for staff who manage users only: ``User.customerFile``,
``customerSegments`` / ``customerSegment`` (rules, live count, customers as a countable
connection, CSV) and ``retentionAnalytics``. A shopper asking about herself gets null: she sees
none of her own scores. The object types are here; the rules input in filters.py, the root
resolvers in resolvers.py, the fields in schema.py."""

from __future__ import annotations

import csv
import io
from typing import Any

import graphene
from django.db.models import Avg, Count
from django.utils.translation import gettext as _
from graphql_relay import to_global_id
from prices import Money as Price

from ...errors import RetentionError, RetentionErrorCode
from ...insight import analytics, models, segments, services
from ...permissions import MANAGE_USERS
from .. import saleor_types
from ..core import pagination
from ..core.access import (
    QueryArgumentError,
    as_pk,
    has_permission,
)
from ..core.context import retention_settings
from ..core.types import choices_enum
from ..saleor_types import Money, User

CustomerStage = choices_enum("CustomerStage", models.Stage, "A customer's lifecycle stage.")


CustomerRfmGroup = choices_enum("CustomerRfmGroup", models.RfmGroup, "A named RFM group.")


CustomerPriceBand = choices_enum(
    "CustomerPriceBand", models.PriceBand, "Where her average order sits among all customers'."
)


CustomerContactChannel = choices_enum(
    "CustomerContactChannel", models.ContactChannel, "How staff reached the customer."
)


MAX_MONTHS = 36  # analytics lists have one row per month: at most three years at once


def _staff_node(info: Any, queryset: Any, pk: Any) -> Any:
    """``node(id:)`` for insight rows: staff with MANAGE_USERS, as the direct fields; else None."""
    if not has_permission(info, MANAGE_USERS):
        return None
    pk = as_pk(pk)
    return queryset.filter(pk=pk).first() if pk else None


def _money(amount: Any, currency: str) -> Price:
    return Price(amount, currency)


class CustomerSpend(graphene.ObjectType):
    currency = graphene.String(required=True)
    paid_orders = graphene.Int(required=True)
    total_spent = graphene.Field(Money, required=True)
    average_order = graphene.Field(Money, required=True)
    first_paid_at = saleor_types.DateTime(required=True)
    last_paid_at = saleor_types.DateTime(required=True)

    @staticmethod
    def resolve_total_spent(root, info):
        return _money(root.total_spent, root.currency)

    @staticmethod
    def resolve_average_order(root, info):
        return _money(root.average_order, root.currency)


class CustomerTopItem(graphene.ObjectType):
    # not ``id``: the object is a category or a product, fetched through Saleor's own fields
    item_id = graphene.ID(description="The category's or product's global id.")
    slug = graphene.String(description="The category's slug; null for a product.")
    name = graphene.String(required=True)
    spent = graphene.Field(Money, required=True)


class CustomerRfm(graphene.ObjectType):
    recency = graphene.Int(required=True, description="1 (longest ago) to 5 (most recent).")
    frequency = graphene.Int(required=True, description="1 to 5, paid orders in the period.")
    monetary = graphene.Int(required=True, description="1 to 5, spend in the period.")
    group = CustomerRfmGroup(required=True)


class CustomerStageChange(graphene.ObjectType):
    from_stage = CustomerStage(description="Null for the first stage of the file.")
    to_stage = CustomerStage(required=True)
    changed_at = saleor_types.DateTime(required=True)

    @staticmethod
    def resolve_from_stage(root, info):
        return root.from_stage or None


def _staff_global_id(row) -> str | None:
    """The staff member who wrote a note or logged a contact, as Saleor's User id."""
    return to_global_id("User", row.staff_user_id) if row.staff_user_id else None


class CustomerNote(graphene.ObjectType):
    body = graphene.String(required=True)
    staff_user_id = graphene.ID(description="The staff user who wrote it.")
    created_at = saleor_types.DateTime(required=True)

    class Meta:
        interfaces = (graphene.relay.Node,)
        possible_types = (models.CustomerNote,)

    @classmethod
    def get_node(cls, info, id):
        return _staff_node(info, models.CustomerNote.objects, id)

    @staticmethod
    def resolve_staff_user_id(root, info):
        return _staff_global_id(root)


class CustomerContact(graphene.ObjectType):
    channel = CustomerContactChannel(required=True)
    summary = graphene.String(required=True, description="What was sent or said.")
    response = graphene.String(required=True, description="Her answer; empty when none.")
    contacted_at = saleor_types.DateTime(required=True)
    staff_user_id = graphene.ID()

    class Meta:
        interfaces = (graphene.relay.Node,)
        possible_types = (models.ContactLogEntry,)

    @classmethod
    def get_node(cls, info, id):
        return _staff_node(info, models.ContactLogEntry.objects, id)

    @staticmethod
    def resolve_staff_user_id(root, info):
        return _staff_global_id(root)


class CustomerFile(graphene.ObjectType):
    customer = graphene.Field(User, required=True)
    stage = CustomerStage(required=True)
    stage_since = saleor_types.DateTime(required=True)
    churn_days = graphene.Int(
        required=True, description="Her window: the longest of the categories she buys."
    )
    first_paid_at = saleor_types.DateTime()
    last_paid_at = saleor_types.DateTime()
    paid_orders = graphene.Int(required=True, description="Paid orders, every currency.")
    paid_orders_in_window = graphene.Int(required=True)
    spends = graphene.List(graphene.NonNull(CustomerSpend), required=True)
    median_days_between_orders = graphene.Float()
    expected_next_order_at = saleor_types.DateTime()
    top_categories = graphene.List(graphene.NonNull(CustomerTopItem), required=True)
    top_products = graphene.List(graphene.NonNull(CustomerTopItem), required=True)
    price_band = CustomerPriceBand()
    language_code = graphene.String(required=True)
    birthday = saleor_types.Date()
    tier = graphene.String(description="Her membership tier; empty below the first one.")
    points_balance = graphene.Int(description="Available points; null without an account.")
    reviews_written = graphene.Int(required=True)
    average_rating_given = graphene.Float()
    last_contact_at = saleor_types.DateTime()
    value_spent = graphene.Field(
        Money, required=True, description="Spend in the value period (basis currency)."
    )
    top_spender = graphene.Boolean(required=True, description="Among the top 20% by spend.")
    rfm = graphene.Field(CustomerRfm, description="Null until scored by the nightly rebuild.")
    stage_history = pagination.connection_field(
        CustomerStageChange,
        resolver=lambda root, info, **page: CustomerFile.resolve_stage_history(root, info, **page),
        description="Her moves between stages, oldest first.",
    )
    notes = pagination.connection_field(
        CustomerNote,
        resolver=lambda root, info, **page: CustomerFile.resolve_notes(root, info, **page),
        description="Staff notes, newest first.",
    )
    tags = graphene.List(
        graphene.NonNull(graphene.String),
        required=True,
        description=f"Her tags, A to Z (at most {services.TAGS_PER_CUSTOMER_MAX}).",
    )
    contacts = pagination.connection_field(
        CustomerContact,
        resolver=lambda root, info, **page: CustomerFile.resolve_contacts(root, info, **page),
        description="Her contact log, newest first.",
    )

    class Meta:
        interfaces = (graphene.relay.Node,)
        possible_types = (models.CustomerFile,)

    @classmethod
    def get_node(cls, info, id):
        return _staff_node(info, models.CustomerFile.objects.select_related("customer"), id)

    @staticmethod
    def resolve_median_days_between_orders(root, info):
        value = root.median_days_between_orders
        return None if value is None else float(value)

    @staticmethod
    def resolve_spends(root, info):
        # prefetched for a page of files (``files_connection``)
        return sorted(root.customer.retention_spends.all(), key=lambda spend: spend.currency)

    @staticmethod
    def _items(items: list[dict[str, Any]], kind: str) -> list[CustomerTopItem]:
        key = "category_id" if kind == "Category" else "product_id"
        return [
            CustomerTopItem(
                item_id=to_global_id(kind, item[key]),
                slug=item.get("slug"),
                name=item.get("name") or "",
                spent=_money(item["spent"], item["currency"]),
            )
            for item in items
        ]

    @staticmethod
    def resolve_top_categories(root, info):
        return CustomerFile._items(root.top_categories, "Category")

    @staticmethod
    def resolve_top_products(root, info):
        return CustomerFile._items(root.top_products, "Product")

    @staticmethod
    def resolve_price_band(root, info):
        return root.price_band or None

    @staticmethod
    def resolve_birthday(root, info):
        from ...bonuses.models import CustomerBirthday

        row = CustomerBirthday.objects.filter(customer_id=root.customer_id).first()
        return row.birthday if row else None

    @staticmethod
    def resolve_tier(root, info):
        from ...tiers.models import AccountTier

        row = AccountTier.objects.filter(account__customer_id=root.customer_id).first()
        return row.name if row else ""

    @staticmethod
    def resolve_points_balance(root, info):
        from ...ledger.models import LoyaltyAccount

        account = LoyaltyAccount.objects.filter(customer_id=root.customer_id).first()
        return account.available_points if account else None

    @staticmethod
    def _reviews(root):
        from ...reviews.models import Review

        return Review.objects.filter(customer_id=str(root.customer_id)).aggregate(
            n=Count("pk"), avg=Avg("rating")
        )

    @staticmethod
    def resolve_reviews_written(root, info):
        return CustomerFile._reviews(root)["n"]

    @staticmethod
    def resolve_average_rating_given(root, info):
        avg = CustomerFile._reviews(root)["avg"]
        return None if avg is None else round(float(avg), 2)

    @staticmethod
    def resolve_last_contact_at(root, info):
        entry = models.ContactLogEntry.objects.filter(customer_id=root.customer_id).first()
        return entry.contacted_at if entry else None

    @staticmethod
    def resolve_value_spent(root, info):
        return _money(root.value_spent, root.value_currency or "USD")

    @staticmethod
    def resolve_rfm(root, info):
        if root.rfm_recency is None:
            return None
        return CustomerRfm(
            recency=root.rfm_recency,
            frequency=root.rfm_frequency,
            monetary=root.rfm_monetary,
            group=root.rfm_group,
        )

    @staticmethod
    def resolve_stage_history(root, info, **page):
        rows = models.StageChange.objects.filter(customer_id=root.customer_id)
        return pagination.paginate(
            rows.order_by("changed_at", "pk"),
            pagination.connection_type(CustomerStageChange),
            **page,
        )

    @staticmethod
    def resolve_notes(root, info, **page):
        rows = models.CustomerNote.objects.filter(customer_id=root.customer_id)
        return pagination.paginate(
            rows.order_by("-created_at", "-pk"), pagination.connection_type(CustomerNote), **page
        )

    @staticmethod
    def resolve_tags(root, info):
        return sorted(tag.tag for tag in root.customer.retention_tags.all())

    @staticmethod
    def resolve_contacts(root, info, **page):
        rows = models.ContactLogEntry.objects.filter(customer_id=root.customer_id)
        return pagination.paginate(
            rows.order_by("-contacted_at", "-pk"),
            pagination.connection_type(CustomerContact),
            **page,
        )


class CustomerSegmentRules(graphene.ObjectType):
    stages = graphene.List(graphene.NonNull(CustomerStage), required=True)
    rfm_groups = graphene.List(graphene.NonNull(CustomerRfmGroup), required=True)
    tiers = graphene.List(graphene.NonNull(graphene.String), required=True)
    spent_at_least = graphene.Field(Money)
    orders_at_least = graphene.Int()
    last_order_before = saleor_types.DateTime()
    last_order_after = saleor_types.DateTime()
    categories = graphene.List(graphene.NonNull(graphene.String), required=True)
    birthday_month = graphene.Int()
    languages = graphene.List(graphene.NonNull(graphene.String), required=True)
    tags = graphene.List(graphene.NonNull(graphene.String), required=True)
    top_spender = graphene.Boolean()
    has_open_complaint = graphene.Boolean()

    @staticmethod
    def resolve_spent_at_least(root, info):
        if root.spent_at_least is None:
            return None
        return _money(root.spent_at_least, root.spent_currency)


def files_connection(queryset, args: dict[str, Any]):
    """A page of customer files through the shared keyset pagination, with what each file's
    fields read prefetched for the whole page."""
    queryset = (
        queryset.select_related("customer")
        .prefetch_related("customer__retention_spends", "customer__retention_tags")
        .order_by("customer_id", "pk")
    )
    return pagination.paginate(
        queryset,
        pagination.connection_type(CustomerFile),
        default_first=pagination.PAGE_LIMIT,  # a staff list, as the others
        **args,
    )


CSV_HEADER = [
    "customer_id",
    "email",
    "first_name",
    "last_name",
    "stage",
    "paid_orders",
    "last_paid_at",
    "rfm_group",
    "top_spender",
    "language_code",
]


def segment_csv(rules: segments.SegmentRules) -> str:
    """The segment's customers as CSV, read in batches of 1,000 (an iterator, not a list)."""
    from ... import saleor_adapter as saleor

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_HEADER)
    batch: list[models.CustomerFile] = []

    def flush() -> None:
        people = saleor.insight_customer_emails(f.customer_id for f in batch)
        for f in batch:
            email, first, last = people.get(f.customer_id, ("", "", ""))
            writer.writerow(
                [
                    to_global_id("User", f.customer_id),
                    email,
                    first,
                    last,
                    f.stage,
                    f.paid_orders,
                    f.last_paid_at.isoformat() if f.last_paid_at else "",
                    f.rfm_group,
                    "yes" if f.top_spender else "no",
                    f.language_code,
                ]
            )
        batch.clear()

    for file in segments.customer_files(rules).order_by("customer_id").iterator(chunk_size=1000):
        batch.append(file)
        if len(batch) >= 1000:
            flush()
    flush()
    return out.getvalue()


class CustomerSegment(graphene.ObjectType):
    name = graphene.String(required=True)
    rules = graphene.Field(CustomerSegmentRules, required=True)
    count = graphene.Int(required=True, description="Customers matching now.")
    counted = graphene.Int(
        description="Customers matching at the last nightly rebuild; null before the first "
        "run after the segment was saved or its rules changed."
    )
    counted_at = saleor_types.DateTime(description="When ``counted`` was counted.")
    customers = graphene.Field(
        lambda: pagination.connection_type(CustomerFile),
        first=graphene.Int(),
        last=graphene.Int(),
        before=graphene.String(),
        after=graphene.String(),
        required=True,
        description="The matching customers' files, by customer id (first or last ≤ 100).",
    )
    csv = graphene.String(
        required=True, description="The matching customers as CSV (UTF-8, with a header)."
    )
    created_at = saleor_types.DateTime(required=True)
    updated_at = saleor_types.DateTime(required=True)

    @staticmethod
    def _rules(root):
        return segments.parse_rules(root.rules)

    class Meta:
        interfaces = (graphene.relay.Node,)
        possible_types = (models.Segment,)

    @classmethod
    def get_node(cls, info, id):
        return _staff_node(info, models.Segment.objects, id)

    @staticmethod
    def resolve_rules(root, info):
        return CustomerSegment._rules(root)

    @staticmethod
    def resolve_count(root, info):
        return segments.customer_files(CustomerSegment._rules(root)).count()

    @staticmethod
    def resolve_customers(root, info, **args):
        return files_connection(segments.customer_files(CustomerSegment._rules(root)), args)

    @staticmethod
    def resolve_csv(root, info):
        return segment_csv(CustomerSegment._rules(root))


class RetentionRate(graphene.ObjectType):
    part = graphene.Int(required=True)
    whole = graphene.Int(required=True)
    rate = graphene.Float(description="part / whole; null when whole is 0.")


class RetentionCohort(graphene.ObjectType):
    month = graphene.String(required=True, description="First-order month, YYYY-MM.")
    customers = graphene.Int(required=True)
    retained = graphene.List(
        graphene.NonNull(graphene.Int),
        required=True,
        description="Customers with a paid order k months later, k = 0, 1, ...",
    )


class RetentionSecondOrder(graphene.ObjectType):
    customers = graphene.Int(required=True)
    median_days = graphene.Float()
    average_days = graphene.Float()


class RetentionChurnMonth(graphene.ObjectType):
    month = graphene.String(required=True)
    at_start = graphene.Int(required=True, description="Active or repeat when it began.")
    lost = graphene.Int(required=True)
    rate = graphene.Float()


class RetentionTopShare(graphene.ObjectType):
    customers = graphene.Int(required=True)
    top_customers = graphene.Int(required=True)
    top_revenue = graphene.Field(Money, required=True)
    revenue = graphene.Field(Money, required=True)
    share = graphene.Float()
    by_margin = graphene.Boolean(
        required=True,
        description=(
            "Whether the top customers were chosen by margin (spend minus what the goods cost "
            "the store, where Saleor has cost prices) rather than by spend."
        ),
    )
    top_margin = graphene.Field(Money, description="Their margin, when chosen by margin.")
    margin = graphene.Field(Money, description="Everyone's margin, when chosen by margin.")
    margin_share = graphene.Float(description="top margin / margin, when chosen by margin.")

    @staticmethod
    def resolve_top_revenue(root, info):
        return _money(root.top_revenue, root.currency)

    @staticmethod
    def resolve_revenue(root, info):
        return _money(root.revenue, root.currency)

    @staticmethod
    def resolve_top_margin(root, info):
        return None if root.top_margin is None else _money(root.top_margin, root.currency)

    @staticmethod
    def resolve_margin(root, info):
        return None if root.margin is None else _money(root.margin, root.currency)


class RetentionPoints(graphene.ObjectType):
    outstanding = graphene.Int(required=True)
    issued = graphene.Int(required=True)
    expired = graphene.Int(required=True)
    redeemed = graphene.Int(required=True)
    liability = graphene.List(graphene.NonNull(Money), required=True)
    breakage = graphene.Float()
    redemption_rate = graphene.Float()

    @staticmethod
    def resolve_liability(root, info):
        return [_money(amount, currency) for currency, amount in sorted(root.liability.items())]


class RetentionRatingMonth(graphene.ObjectType):
    month = graphene.String(required=True)
    reviews = graphene.Int(required=True)
    average_rating = graphene.Float(required=True)


class RetentionCardLift(graphene.ObjectType):
    treatment_share = graphene.Float()
    control_share = graphene.Float()
    difference = graphene.Float()
    difference_ci_low = graphene.Float()
    difference_ci_high = graphene.Float()


def _period(kwargs):
    """since/until of a per-month list: until not before since, at most MAX_MONTHS months."""
    since, until = kwargs["since"], kwargs["until"]
    if until < since:
        raise QueryArgumentError(_("until must not be before since."), field="until")
    months = (until.year - since.year) * 12 + until.month - since.month + 1
    if months > MAX_MONTHS:
        raise QueryArgumentError(
            _("At most %(limit)s months at once.") % {"limit": MAX_MONTHS},
            field="until",
        )
    return {"since": since, "until": until}


class RetentionAnalytics(graphene.ObjectType):
    repeat_purchase_rate = graphene.Field(RetentionRate, required=True)
    cohorts = graphene.List(
        graphene.NonNull(RetentionCohort),
        since=saleor_types.DateTime(required=True),
        months=graphene.Int(default_value=12),
        required=True,
    )
    time_to_second_order = graphene.Field(RetentionSecondOrder, required=True)
    churn = graphene.List(
        graphene.NonNull(RetentionChurnMonth),
        since=saleor_types.DateTime(required=True),
        until=saleor_types.DateTime(required=True),
        required=True,
    )
    top_customers_share = graphene.Field(
        RetentionTopShare,
        currency=graphene.String(required=True),
        since=saleor_types.DateTime(required=True),
        until=saleor_types.DateTime(required=True),
        required=True,
    )
    points = graphene.Field(RetentionPoints, required=True)
    review_rate = graphene.Field(
        RetentionRate,
        since=saleor_types.DateTime(required=True),
        until=saleor_types.DateTime(required=True),
        required=True,
    )
    rating_trend = graphene.List(
        graphene.NonNull(RetentionRatingMonth),
        since=saleor_types.DateTime(required=True),
        until=saleor_types.DateTime(required=True),
        required=True,
    )
    card_lift = graphene.Field(
        RetentionCardLift,
        program_id=graphene.ID(required=True),
        since=saleor_types.DateTime(required=True),
        until=saleor_types.DateTime(required=True),
        reorder_days=graphene.Int(default_value=90),
        description="The card program's reorder share against its control group.",
    )

    @staticmethod
    def resolve_repeat_purchase_rate(root, info):
        return analytics.repeat_purchase_rate()

    @staticmethod
    def resolve_cohorts(root, info, since, months):
        if not 1 <= months <= 36:
            raise RetentionError("months: 1 to 36", code=RetentionErrorCode.INVALID)
        tz = retention_settings(info).store_timezone
        return analytics.cohort_matrix(since=since, months=months, time_zone=tz)

    @staticmethod
    def resolve_time_to_second_order(root, info):
        return analytics.time_to_second_order()

    @staticmethod
    def resolve_churn(root, info, **kwargs):
        tz = retention_settings(info).store_timezone
        return analytics.churn_by_month(**_period(kwargs), time_zone=tz)

    @staticmethod
    def resolve_top_customers_share(root, info, currency, **kwargs):
        return analytics.top_customers_share(currency=currency.upper(), **_period(kwargs))

    @staticmethod
    def resolve_points(root, info):
        return analytics.points_figures(dict(retention_settings(info).redeem_value_per_point))

    @staticmethod
    def resolve_review_rate(root, info, **kwargs):
        return analytics.review_rate(**_period(kwargs))

    @staticmethod
    def resolve_rating_trend(root, info, **kwargs):
        tz = retention_settings(info).store_timezone
        return analytics.rating_trend(**_period(kwargs), time_zone=tz)

    @staticmethod
    def resolve_card_lift(root, info, program_id, since, until, reorder_days):
        from ..cards.resolvers import program_report_for

        report = program_report_for(program_id, since, until, reorder_days)
        if report is None:
            return None
        return RetentionCardLift(
            treatment_share=report.treatment.share,
            control_share=report.control.share,
            difference=report.difference,
            difference_ci_low=report.ci_low,
            difference_ci_high=report.ci_high,
        )
