"""The record of staff actions: one row per action, written in the action's own transaction.

``actor`` links the staff member while their account exists; ``actor_email`` freezes who they
were when they acted, so a renamed account still reads right (an erased one loses both: see
``privacy``). When an app acted (its token signed the request), ``actor`` stays empty and
``actor_app_id`` / ``actor_app_name`` name the app. ``target_type`` and ``target_id`` name the row acted on by GraphQL type name and
primary key, and ``payload`` says what changed (``{"field": {"before": ..., "after": ...}}``
where a value moved).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditAction(models.TextChoices):
    REVIEW_MODERATED = "review_moderated", _("review moderated")
    CARD_VOIDED = "card_voided", _("loyalty card voided")
    POINTS_ADJUSTED = "points_adjusted", _("points adjusted")
    TOPIC_PINNED = "topic_pinned", _("forum topic pinned or unpinned")
    TOPIC_LOCKED = "topic_locked", _("forum topic locked or unlocked")
    TOPIC_HIDDEN = "topic_hidden", _("forum topic hidden or shown")
    POST_HIDDEN = "post_hidden", _("forum post hidden or shown")
    SETTINGS_CHANGED = "settings_changed", _("plugin settings changed")


class AuditEvent(models.Model):
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_email = models.CharField(max_length=254, blank=True, default="")
    actor_app_id = models.CharField(max_length=64, blank=True, default="")
    actor_app_name = models.CharField(max_length=255, blank=True, default="")
    action = models.CharField(max_length=32, choices=AuditAction.choices)
    target_type = models.CharField(max_length=64)
    target_id = models.CharField(max_length=64, blank=True, default="")
    payload = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["action", "created_at"]),
            models.Index(fields=["actor", "created_at"]),
            models.Index(fields=["target_type", "target_id"]),
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.target_type}:{self.target_id} by {self.actor_email or self.actor_app_name or '?'}"
