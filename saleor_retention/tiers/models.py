from django.db import models

from ..ledger.models import LoyaltyAccount


class AccountTier(models.Model):
    """The tier an account holds now, and a pending downgrade (grace period) if any."""

    account = models.OneToOneField(LoyaltyAccount, on_delete=models.CASCADE, related_name="tier")
    name = models.CharField(max_length=40, blank=True, default="")  # "": no tier
    since = models.DateTimeField()
    downgrade_due_at = models.DateTimeField(null=True, blank=True)
    evaluated_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name or 'member'} (account {self.account_id})"


class TierChange(models.Model):
    account = models.ForeignKey(
        LoyaltyAccount, on_delete=models.CASCADE, related_name="tier_changes"
    )
    from_tier = models.CharField(max_length=40, blank=True, default="")
    to_tier = models.CharField(max_length=40, blank=True, default="")
    measure = models.DecimalField(max_digits=14, decimal_places=2)
    reason = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-pk",)

    def __str__(self) -> str:
        return f"{self.from_tier or 'member'} -> {self.to_tier or 'member'}"
