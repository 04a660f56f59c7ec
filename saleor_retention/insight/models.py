"""Customer insight: a file on every customer, the stage history, staff notes, tags, the contact
log and saved segments.

The file (``CustomerFile`` and one ``CustomerSpend`` per currency) holds what the customer's paid
orders say; it is written only by ``insight.sql`` (set-based, for every customer or for one), so
the nightly rebuild and the update on an order event can never disagree. Tier, points, reviews
and birthday are not copied: they are read where they live when a file is shown or a segment
is evaluated, so they are never stale.
"""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..constraints import check_constraint


class Stage(models.TextChoices):
    POTENTIAL = "potential", _("potential (registered, never paid)")
    ACTIVE = "active", _("active (one paid order inside the churn window)")
    REPEAT = "repeat", _("repeat (two or more paid orders inside the churn window)")
    LOST = "lost", _("lost (no paid order for longer than the churn window)")


class RfmGroup(models.TextChoices):
    CHAMPIONS = "champions", _("champions")
    LOYAL = "loyal", _("loyal")
    NEW = "new", _("new")
    PROMISING = "promising", _("promising")
    AT_RISK = "at_risk", _("at risk")
    HIBERNATING = "hibernating", _("hibernating")
    NEEDS_ATTENTION = "needs_attention", _("needs attention")


class PriceBand(models.TextChoices):
    LOW = "low", _("low")
    MIDDLE = "middle", _("middle")
    HIGH = "high", _("high")


class CustomerFile(models.Model):
    customer = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="retention_file"
    )
    stage = models.CharField(max_length=16, choices=Stage.choices, default=Stage.POTENTIAL)
    stage_since = models.DateTimeField()
    churn_days = models.PositiveIntegerField()
    first_paid_at = models.DateTimeField(null=True, blank=True)
    last_paid_at = models.DateTimeField(null=True, blank=True)
    paid_orders = models.PositiveIntegerField(default=0)
    paid_orders_in_window = models.PositiveIntegerField(default=0)
    median_days_between_orders = models.DecimalField(
        max_digits=8, decimal_places=1, null=True, blank=True
    )
    expected_next_order_at = models.DateTimeField(null=True, blank=True)
    # [{"currency", "category_id", "slug", "name", "spent"}], top 3 per currency by spend
    top_categories = models.JSONField(default=list, blank=True)
    # [{"currency", "product_id", "name", "spent"}], top 3 per currency by spend
    top_products = models.JSONField(default=list, blank=True)
    category_slugs = ArrayField(models.CharField(max_length=255), default=list, blank=True)
    price_band = models.CharField(max_length=8, choices=PriceBand.choices, blank=True, default="")
    language_code = models.CharField(max_length=35, blank=True, default="")
    # value: the basis currency's spend over the value window, scored against every customer
    value_currency = models.CharField(max_length=3, blank=True, default="")
    value_spent = models.DecimalField(max_digits=14, decimal_places=3, default=0)
    # what RFM and the price bands rank her by, kept on the file so that scoring is a pass over
    # the files, not over the orders: paid orders in the value window, her last paid order and
    # her average order in the value currency
    value_orders = models.PositiveIntegerField(default=0)
    value_last_paid_at = models.DateTimeField(null=True, blank=True)
    value_average_order = models.DecimalField(
        max_digits=14, decimal_places=3, null=True, blank=True
    )
    # the second paid order (time to second order), and what the goods of the value window's
    # orders cost the store where Saleor has cost prices (null: none of them has one); her
    # margin is value_spent - value_cost
    second_paid_at = models.DateTimeField(null=True, blank=True)
    value_cost = models.DecimalField(max_digits=14, decimal_places=3, null=True, blank=True)
    top_spender = models.BooleanField(default=False)
    rfm_recency = models.PositiveSmallIntegerField(null=True, blank=True)
    rfm_frequency = models.PositiveSmallIntegerField(null=True, blank=True)
    rfm_monetary = models.PositiveSmallIntegerField(null=True, blank=True)
    rfm_group = models.CharField(max_length=16, choices=RfmGroup.choices, blank=True, default="")
    scored_at = models.DateTimeField(null=True, blank=True)  # when her scores last changed
    updated_at = models.DateTimeField()  # when her file last changed

    class Meta:
        constraints = [
            check_constraint(
                Q(rfm_recency__isnull=True) | Q(rfm_recency__gte=1, rfm_recency__lte=5),
                name="insight_rfm_recency_1_to_5",
            ),
            check_constraint(
                Q(rfm_frequency__isnull=True) | Q(rfm_frequency__gte=1, rfm_frequency__lte=5),
                name="insight_rfm_frequency_1_to_5",
            ),
            check_constraint(
                Q(rfm_monetary__isnull=True) | Q(rfm_monetary__gte=1, rfm_monetary__lte=5),
                name="insight_rfm_monetary_1_to_5",
            ),
        ]
        indexes = [
            models.Index(fields=["stage"]),
            models.Index(fields=["rfm_group"]),
            models.Index(fields=["last_paid_at"]),
            GinIndex(fields=["category_slugs"], name="insight_file_categories"),
        ]

    def __str__(self) -> str:
        return f"file of customer {self.customer_id}: {self.stage}"


class CustomerSpend(models.Model):
    """The customer's paid orders in one currency (amounts are never added across currencies)."""

    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="retention_spends"
    )
    currency = models.CharField(max_length=3)
    paid_orders = models.PositiveIntegerField()
    total_spent = models.DecimalField(max_digits=14, decimal_places=3)
    average_order = models.DecimalField(max_digits=14, decimal_places=3)
    first_paid_at = models.DateTimeField()
    last_paid_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["customer", "currency"], name="insight_spend_once"),
            check_constraint(Q(total_spent__gte=0), name="insight_spent_gte_0"),
        ]

    def __str__(self) -> str:
        return f"{self.total_spent} {self.currency} by customer {self.customer_id}"


class PaidOrder(models.Model):
    """One paid order as insight counts it (``saleor_adapter.insight_paid_orders_sql``): the
    rows the files are computed from, kept with them (written by ``insight.sql`` on the same
    paths: an order event for one customer, the nightly run for the changed ones), so the
    analytics read a narrow indexed table of their own instead of Saleor's order, payment and
    refund tables. ``order_id`` is Saleor's id as text (an integer on 2.10, a UUID on 3.x);
    ``cost`` is what its goods cost the store where Saleor has cost prices (null: none).

    Migration 0018 adds what the top-20% figure reads, outside Django's model (the database
    keeps them, so no writer can forget them): ``spent_milli`` and ``margin_milli``, spend and
    spend minus cost in thousandths as integers (generated columns; the margin is null where
    the cost is), an index on (customer, created) carrying currency and both (which also
    serves one customer's rows, as the plain (customer, created) index did), and the
    aggregate ``insight_sum_bigint``, a sum of bigints whose running total is a plain bigint
    (PostgreSQL's own ``sum(bigint)`` keeps a 128-bit state per group in memory)."""

    order_id = models.CharField(max_length=64, primary_key=True)
    # no database constraint: millions of rows are written by the rebuild and a deferred
    # foreign key would check each one at commit; Django still deletes them with the customer
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        db_constraint=False,
        related_name="retention_paid_orders",
    )
    created = models.DateTimeField()
    currency = models.CharField(max_length=3)
    spent = models.DecimalField(max_digits=14, decimal_places=3)
    cost = models.DecimalField(max_digits=14, decimal_places=3, null=True, blank=True)
    language_code = models.CharField(max_length=35, blank=True, default="")

    class Meta:
        indexes = [
            models.Index(fields=["created"], name="insight_paid_created"),
        ]

    def __str__(self) -> str:
        return f"paid order {self.order_id} of customer {self.customer_id}"


class StageChange(models.Model):
    """One move between lifecycle stages. ``changed_at`` is when it happened (for a customer
    found lost by the nightly rebuild: her last paid order plus her window), ``recorded_at``
    when the plugin saw it."""

    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="retention_stage_changes"
    )
    from_stage = models.CharField(max_length=16, choices=Stage.choices, blank=True, default="")
    to_stage = models.CharField(max_length=16, choices=Stage.choices)
    changed_at = models.DateTimeField()
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("changed_at", "pk")
        indexes = [
            models.Index(fields=["customer", "changed_at"]),
            models.Index(fields=["to_stage", "changed_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.from_stage or '-'} -> {self.to_stage} ({self.changed_at:%Y-%m-%d})"


class CustomerNote(models.Model):
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="retention_notes"
    )
    body = models.TextField()
    staff_user_id = models.CharField(max_length=64, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("-created_at", "-pk")

    def __str__(self) -> str:
        return f"note {self.pk} on customer {self.customer_id}"


class CustomerTag(models.Model):
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="retention_tags"
    )
    tag = models.CharField(max_length=50)
    staff_user_id = models.CharField(max_length=64, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["customer", "tag"], name="insight_tag_once"),
        ]
        indexes = [models.Index(fields=["tag"])]

    def __str__(self) -> str:
        return f"{self.tag} on customer {self.customer_id}"


class ContactChannel(models.TextChoices):
    EMAIL = "email", _("e-mail")
    SMS = "sms", _("SMS")
    PHONE = "phone", _("phone call")
    CHAT = "chat", _("chat")
    IN_PERSON = "in_person", _("in person")
    OTHER = "other", _("other")


class ContactLogEntry(models.Model):
    """What staff sent or said to the customer, when, and her answer."""

    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="retention_contacts"
    )
    channel = models.CharField(max_length=16, choices=ContactChannel.choices)
    summary = models.TextField()
    response = models.TextField(blank=True, default="")
    contacted_at = models.DateTimeField()
    staff_user_id = models.CharField(max_length=64, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("-contacted_at", "-pk")
        indexes = [models.Index(fields=["customer", "-contacted_at"])]

    def __str__(self) -> str:
        return f"{self.channel} contact with customer {self.customer_id}"


class Segment(models.Model):
    """A saved rule over the customer files (see ``insight.segments``)."""

    name = models.CharField(max_length=100, unique=True)
    rules = models.JSONField(default=dict)
    created_by_staff_id = models.CharField(max_length=64, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    # counted by the nightly rebuild over the files it has just written, so a dashboard lists
    # every segment's size without counting each live; cleared when the rules change
    counted = models.PositiveIntegerField(null=True, blank=True)
    counted_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.name


class InsightRebuild(models.Model):
    """One run of the set-based rebuild: when, how long, how many files, and the price bands
    it measured (which the update on an order event reuses until the next run)."""

    started_at = models.DateTimeField()
    finished_at = models.DateTimeField()
    files = models.PositiveIntegerField()
    stage_changes = models.PositiveIntegerField()
    band_currency = models.CharField(max_length=3, blank=True, default="")
    band_low_below = models.DecimalField(max_digits=14, decimal_places=3, null=True, blank=True)
    band_high_from = models.DecimalField(max_digits=14, decimal_places=3, null=True, blank=True)
    # the moment the files were computed for, whether every customer was recomputed, and the
    # settings they were computed with: the next run recomputes only what changed since
    as_of = models.DateTimeField(null=True, blank=True)
    full = models.BooleanField(default=True)
    settings_key = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        ordering = ("-started_at", "-pk")

    def __str__(self) -> str:
        return f"rebuild at {self.started_at:%Y-%m-%d %H:%M}: {self.files} files"


class InsightEvent(models.Model):
    """Audit trail of staff actions on files and segments (one writer per type in ``events``)."""

    class Type(models.TextChoices):
        NOTE_ADDED = "note_added", _("note added")
        NOTE_DELETED = "note_deleted", _("note deleted")
        TAG_ADDED = "tag_added", _("tag added")
        TAG_REMOVED = "tag_removed", _("tag removed")
        CONTACT_LOGGED = "contact_logged", _("contact logged")
        SEGMENT_CREATED = "segment_created", _("segment created")
        SEGMENT_UPDATED = "segment_updated", _("segment updated")
        SEGMENT_DELETED = "segment_deleted", _("segment deleted")

    type = models.CharField(max_length=32, choices=Type.choices)
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="retention_insight_events",
    )
    staff_user_id = models.CharField(max_length=64, blank=True, default="")
    parameters = models.JSONField(default=dict, blank=True)  # ids and names, never free text
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("-created_at", "-pk")

    def __str__(self) -> str:
        return f"{self.type} by staff {self.staff_user_id}"
