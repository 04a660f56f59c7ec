from django.db import models
from django.utils.translation import gettext_lazy as _


class PluginEvent(models.Model):
    """One Saleor event the plugin has to act on, written by the hook in Saleor's transaction.

    ``key`` names the business event (e.g. ``order_paid:order:42``) and is unique, so a
    replayed hook records nothing new. A task processes the row after commit; a failure leaves
    the row ``failed`` with its error, for ``manage.py retention_retry_events``.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    key = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=64)
    object_type = models.CharField(max_length=32)
    object_id = models.CharField(max_length=64)
    payload = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True, default="")
    result = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("pk",)
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return f"{self.key} ({self.status})"
