"""Buyer forums: boards, topics, posts (with replies), reports, subscriptions, and one row per
poster that the rate limit locks.

- ``ForumBoard``: staff-managed; ``access`` decides who may read and post (everyone, repeat
  customers with ``min_paid_orders`` paid orders, or customers in one of ``tiers``).
- ``ForumTopic``: a title on a board; its first post (``is_opening``) holds the text. Counters
  (visible posts, subscribers, last activity) move with ``F()`` in the services.
- ``ForumPost``: plain text (cleaned before it is stored). The author link is nullable and the
  shown name is stored on the row, so erasure keeps the post and drops the person.
  ``author_is_staff`` is the badge, fixed when the post is written.
- ``ForumReport`` and ``ForumSubscription``: once per (post, reporter) and (topic, customer), by
  unique constraints.
- ``ForumMember``: the row a poster's writes lock, so parallel posts of one shopper are counted
  one after the other against the rate limit.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..constraints import check_constraint


class BoardAccess(models.TextChoices):
    PUBLIC = "public", _("everyone")
    REPEAT_CUSTOMERS = "repeat_customers", _("customers with at least K paid orders")
    TIERS = "tiers", _("customers in one of the given tiers")


class ForumBoard(models.Model):
    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=60, unique=True)
    description = models.TextField(blank=True, default="")
    position = models.IntegerField(default=0)  # lower first
    access = models.CharField(max_length=20, choices=BoardAccess.choices, default="public")
    min_paid_orders = models.PositiveIntegerField(default=0)  # REPEAT_CUSTOMERS only
    tiers = models.JSONField(default=list, blank=True)  # TIERS only: tier names
    topic_count = models.PositiveIntegerField(default=0)  # visible topics
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            check_constraint(
                ~Q(access="repeat_customers") | Q(min_paid_orders__gte=1),
                name="forum_board_repeat_needs_orders",
            ),
        ]
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return f"board {self.slug}"


class ForumTopic(models.Model):
    board = models.ForeignKey(ForumBoard, on_delete=models.PROTECT, related_name="topics")
    # SET_NULL: a deleted customer's topic stays, shown as a former customer's.
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    author_name = models.CharField(max_length=80, blank=True, default="")
    author_is_staff = models.BooleanField(default=False)
    title = models.CharField(max_length=300)
    is_pinned = models.BooleanField(default=False)
    is_locked = models.BooleanField(default=False)
    is_hidden = models.BooleanField(default=False)
    post_count = models.PositiveIntegerField(default=0)  # visible posts, the opening one included
    subscriber_count = models.PositiveIntegerField(default=0)
    last_post_at = models.DateTimeField(default=timezone.now)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(
                fields=["board", "-is_pinned", "-last_post_at", "-id"], name="forum_topic_list"
            ),
            models.Index(fields=["author"], name="forum_topic_author"),
        ]

    def __str__(self) -> str:
        return f"topic {self.pk}: {self.title[:40]}"


class ForumPost(models.Model):
    topic = models.ForeignKey(ForumTopic, on_delete=models.CASCADE, related_name="posts")
    reply_to = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="replies"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    author_name = models.CharField(max_length=80, blank=True, default="")
    author_is_staff = models.BooleanField(default=False)
    is_opening = models.BooleanField(default=False)
    body = models.TextField()
    is_hidden = models.BooleanField(default=False)
    report_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["topic"], condition=Q(is_opening=True), name="forum_post_one_opening"
            ),
            check_constraint(~Q(reply_to=models.F("id")), name="forum_post_not_self"),
        ]
        indexes = [
            models.Index(fields=["topic", "id"], name="forum_post_list"),
            models.Index(fields=["author", "created_at"], name="forum_post_rate"),
        ]

    def __str__(self) -> str:
        return f"post {self.pk} in topic {self.topic_id}"


class ForumReport(models.Model):
    post = models.ForeignKey(ForumPost, on_delete=models.CASCADE, related_name="reports")
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    reason = models.CharField(max_length=500, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["post", "reporter"], name="forum_report_once"),
        ]

    def __str__(self) -> str:
        return f"report on post {self.post_id}"


class ForumSubscription(models.Model):
    topic = models.ForeignKey(ForumTopic, on_delete=models.CASCADE, related_name="subscriptions")
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["topic", "customer"], name="forum_subscription_once"),
        ]
        indexes = [models.Index(fields=["customer"], name="forum_subscription_customer")]

    def __str__(self) -> str:
        return f"customer {self.customer_id} follows topic {self.topic_id}"


class ForumMember(models.Model):
    """Locked (``select_for_update``) by every write of the poster: the rate-limit count and the
    insert happen one poster-transaction at a time."""

    customer = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"forum member {self.customer_id}"
