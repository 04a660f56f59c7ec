"""What bonuses keep besides ledger entries: campaigns and customers' birthdays.

- A campaign bonus: staff give N points with a reason to an audience, once per campaign key. The
  row is the campaign's identity (its ``key`` is unique, so sending the same campaign twice finds
  the first row) and its progress; the points themselves are ledger entries, one per customer,
  under the key ``campaign:<key>:customer:<id>``.
- A birthday: Saleor (2.10 and 3.x) has no birthday field, so the plugin stores one per customer.
  It is kept with the customer's account (deleted with them); ``changed_at`` records when the date
  was set or last changed, so a birthday entered just before the day does not pay out that year.
"""

from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import ExtractDay, ExtractMonth
from django.utils.translation import gettext_lazy as _

from ..constraints import check_constraint

EARLIEST_BIRTHDAY = date(1900, 1, 1)


class LoyaltyCampaign(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        DONE = "done", _("done")

    key = models.CharField(max_length=100, unique=True)
    points = models.PositiveIntegerField()
    reason = models.CharField(max_length=500)
    # exactly one of {"all": true}, {"min_paid_orders": K}, {"customer_ids": ["12", ...]}
    audience = models.JSONField()
    staff_user_id = models.CharField(max_length=64, blank=True, default="")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    matched_customers = models.PositiveIntegerField(default=0)  # when the campaign was created
    credited_customers = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            check_constraint(
                Q(points__gte=1) & Q(points__lte=1_000_000), name="ledger_campaign_points"
            ),
        ]

    def __str__(self) -> str:
        return f"campaign {self.key}: {self.points} points"


class CustomerBirthday(models.Model):
    customer = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="retention_birthday",
    )
    birthday = models.DateField()
    changed_at = models.DateTimeField()  # set when the date is first given and on every change

    class Meta:
        constraints = [
            check_constraint(Q(birthday__gte=EARLIEST_BIRTHDAY), name="ledger_birthday_from_1900"),
        ]
        indexes = [
            # the daily run looks birthdays up by month and day (``birthday__month``/``__day``)
            models.Index(
                ExtractMonth("birthday"), ExtractDay("birthday"), name="ledger_birthday_month_day"
            ),
        ]

    def __str__(self) -> str:
        return f"birthday of customer {self.customer_id}"
