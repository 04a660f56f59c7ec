"""What the plugin keeps about a customer that Saleor does not: their birthday.

Saleor (2.10 and 3.x) has no birthday field, so the plugin stores one per customer. It is kept
with the customer's account (deleted with them); ``changed_at`` records when the date was set or
last changed, so a birthday entered just before the day does not pay out that year.
"""

from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import ExtractDay, ExtractMonth

from ..constraints import check_constraint

EARLIEST_BIRTHDAY = date(1900, 1, 1)


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
