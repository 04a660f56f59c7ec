"""A campaign bonus: staff give N points with a reason to an audience, once per campaign key.

The row is the campaign's identity (its ``key`` is unique, so sending the same campaign twice
finds the first row) and its progress; the points themselves are ledger entries, one per customer,
under the key ``campaign:<key>:customer:<id>``.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ..constraints import check_constraint


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
