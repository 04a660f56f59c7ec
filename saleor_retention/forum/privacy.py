"""The forum's part of erasure and export.

Erasure (inside the transaction that deletes the Saleor user, before the database nulls the
links): the customer's topics and posts stay, so threads keep making sense, but lose the author
link and the stored name (shown as a translated "Former customer"); their reports and
subscriptions are deleted and the counters they moved are moved back with ``F()``.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, F

from ..privacy import eraser, exporter, not_personal
from .models import ForumMember, ForumPost, ForumReport, ForumSubscription, ForumTopic

not_personal(
    {
        "ForumBoard.name": "the board's title, set by staff",
        "ForumBoard.tiers": "tier names, set by staff",
    }
)

FORUM_FIELDS = [
    "ForumTopic.author",
    "ForumTopic.author_name",
    "ForumPost.author",
    "ForumPost.author_name",
    "ForumReport.reporter",
    "ForumSubscription.customer",
    "ForumMember.customer",
]


@eraser(fields=FORUM_FIELDS)
def erase_forum(customer_id: str) -> dict[str, Any]:
    reports = ForumReport.objects.filter(reporter_id=customer_id)
    for row in reports.values("post_id").annotate(n=Count("pk")).order_by("post_id"):
        ForumPost.objects.filter(pk=row["post_id"]).update(
            report_count=F("report_count") - row["n"]
        )
    reports_deleted, _ = reports.delete()
    subscriptions = ForumSubscription.objects.filter(customer_id=customer_id)
    topic_ids = list(subscriptions.order_by("topic_id").values_list("topic_id", flat=True))
    ForumTopic.objects.filter(pk__in=topic_ids).update(subscriber_count=F("subscriber_count") - 1)
    subscriptions_deleted, _ = subscriptions.delete()
    topics = ForumTopic.objects.filter(author_id=customer_id).update(author=None, author_name="")
    posts = ForumPost.objects.filter(author_id=customer_id).update(author=None, author_name="")
    members_deleted, _ = ForumMember.objects.filter(customer_id=customer_id).delete()
    return {
        "members_deleted": members_deleted,
        "topics_anonymised": topics,
        "posts_anonymised": posts,
        "reports_deleted": reports_deleted,
        "subscriptions_deleted": subscriptions_deleted,
    }


@exporter("forum", fields=FORUM_FIELDS)
def export_forum(customer_id: str) -> dict[str, Any]:
    topics = ForumTopic.objects.filter(author_id=customer_id).select_related("board")
    posts = ForumPost.objects.filter(author_id=customer_id)
    member = ForumMember.objects.filter(customer_id=customer_id).first()
    return {
        "posting_since": member.created_at.isoformat() if member else None,
        "topics": [
            {
                "id": topic.pk,
                "board": topic.board.name,
                "title": topic.title,
                "created_at": topic.created_at.isoformat(),
                "hidden": topic.is_hidden,
            }
            for topic in topics.order_by("pk")
        ],
        "posts": [
            {
                "id": post.pk,
                "topic_id": post.topic_id,
                "reply_to_id": post.reply_to_id,
                "body": post.body,
                "created_at": post.created_at.isoformat(),
                "edited_at": post.edited_at.isoformat() if post.edited_at else None,
                "hidden": post.is_hidden,
            }
            for post in posts.order_by("pk")
        ],
        "subscriptions": list(
            ForumSubscription.objects.filter(customer_id=customer_id)
            .order_by("pk")
            .values_list("topic_id", flat=True)
        ),
        "reports": [
            {"post_id": post_id, "reason": reason, "created_at": created.isoformat()}
            for post_id, reason, created in ForumReport.objects.filter(reporter_id=customer_id)
            .order_by("pk")
            .values_list("post_id", "reason", "created_at")
        ],
    }
