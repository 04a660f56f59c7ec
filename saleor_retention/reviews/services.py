"""Reviews: writing, moderating, voting, reporting, importing, and the points and aggregates that
follow a review's status. Every write to the reviews' tables goes through here.

- **Who may review** (``review_create``): a signed-in customer with a shipped order line for the
  product (a verified buyer, one review per order line: a unique constraint), a guest or customer
  holding the signed link of a review request (the token names the order line), or, when the
  merchant allows it, a signed-in non-buyer (unverified, once per product: a unique constraint).
- **Input** is checked whole before anything is written: rating 1-5, title and body through
  ``clean_text`` (plain, inert text within the configured lengths), photos through
  ``photos.clean_photo`` (content-checked, re-encoded, stripped of metadata). A refusal raises a
  ``RetentionError`` and changes nothing; photo files are written only after every database check
  passed, and deleted again if the transaction fails after that.
- **Moderation policy** (``moderation_status``): published at once when the rating is at least
  ``review_auto_publish_rating`` and no blocked word appears, otherwise pending. Staff approve,
  reject (with a reason), remove, reply.
- **Status changes** (``_change_status``) move the product's ``ProductRating`` with ``F()`` when a
  review enters or leaves ``published``; entering it for the first time credits the review points
  (``review:<pk>``, never depending on the rating), removal takes them back
  (``review-reversal:<pk>``). A review's points are given at most once ever.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from .. import operator_settings
from .. import saleor_adapter as saleor
from ..conf import RetentionSettings
from ..errors import RetentionError, RetentionErrorCode
from ..ledger import services as ledger
from ..ledger.models import EntryType
from ..textclean import clean_text, plain_text
from . import events
from .models import (
    ProductRating,
    Review,
    ReviewPhoto,
    ReviewReport,
    ReviewRequest,
    ReviewSource,
    ReviewStatus,
    ReviewVote,
)

AUTHOR_NAME_MAX_LENGTH = 100
TOKEN_SALT = "saleor_retention.reviews.request"


def _link_max_age() -> timedelta:
    return timedelta(days=operator_settings.value("RETENTION_REVIEW_LINK_MAX_AGE_DAYS"))


# ledger reasons are stored as English message ids and translated when shown
REWARD_REASON = gettext_noop("Thank you for your review")
REVERSAL_REASON = gettext_noop("Review removed by the store")
_LATIN_WORD = re.compile(r"^[0-9a-z' -]+$")


# --- checks shared by every write ------------------------------------------------------------


def _not_found(field: str = "id") -> RetentionError:
    return RetentionError(_("No such review."), code=RetentionErrorCode.NOT_FOUND, field=field)


def clean_rating(raw: Any) -> int:
    if isinstance(raw, bool):
        rating = 0
    elif isinstance(raw, int):
        rating = raw
    else:
        try:
            rating = int(str(raw).strip())
        except ValueError:
            rating = 0
    if not 1 <= rating <= 5:
        raise RetentionError(
            _("Give a rating from 1 to 5 stars."),
            code=RetentionErrorCode.BAD_RATING,
            field="rating",
        )
    return rating


def _clean_title(raw: str | None, settings: RetentionSettings) -> str:
    return clean_text(raw, field="title", max_length=settings.review_title_max_length)


def _clean_body(raw: str | None, settings: RetentionSettings) -> str:
    return clean_text(
        raw,
        field="body",
        max_length=settings.review_body_max_length,
        min_length=settings.review_body_min_length,
        required=settings.review_body_min_length > 0,
    )


def contains_blocked_word(text: str, blocked: Sequence[str]) -> bool:
    """Case-insensitive; Latin words match whole words ("ass" is not in "glass"), other
    scripts (Chinese has no spaces between words) match anywhere."""
    folded = text.casefold()
    for word in blocked:
        if _LATIN_WORD.match(word):
            if re.search(rf"(?<![0-9a-z]){re.escape(word)}(?![0-9a-z])", folded):
                return True
        elif word in folded:
            return True
    return False


def moderation_status(*, rating: int, texts: Sequence[str], settings: RetentionSettings) -> str:
    threshold = settings.review_auto_publish_rating
    if threshold == 0 or rating < threshold:
        return str(ReviewStatus.PENDING)
    if any(contains_blocked_word(text, settings.review_blocked_words) for text in texts):
        return str(ReviewStatus.PENDING)
    return str(ReviewStatus.PUBLISHED)


def _clean_photos(uploads: Sequence[Any], settings: RetentionSettings) -> list[Any]:
    if len(uploads) > settings.review_max_photos:
        raise RetentionError(
            _("Attach at most %(max)s photos.") % {"max": settings.review_max_photos},
            code=RetentionErrorCode.TOO_MANY_PHOTOS,
            field="photos",
        )
    if not uploads:
        return []
    if any(upload is None for upload in uploads):
        raise RetentionError(
            _("A photo is missing from the upload."),
            code=RetentionErrorCode.BAD_IMAGE,
            field="photos",
        )
    from . import photos  # photo processing (Pillow) is only loaded when a photo arrives

    return [photos.clean_photo(upload, field="photos") for upload in uploads]


# --- signed review-request links -------------------------------------------------------------


def review_token(order_line_id: str) -> str:
    """A signed token naming one order line: the proof a guest buyer brings to the form."""
    return signing.dumps({"line": str(order_line_id)}, salt=TOKEN_SALT, compress=True)


def order_line_from_token(token: str) -> str | None:
    try:
        data = signing.loads(str(token), salt=TOKEN_SALT, max_age=_link_max_age())
    except signing.BadSignature:  # SignatureExpired is a BadSignature too
        return None
    line = data.get("line") if isinstance(data, dict) else None
    return str(line) if line else None


def review_form_url(order_line_id: str, settings: RetentionSettings) -> str:
    return settings.review_form_url.replace("{token}", review_token(order_line_id))


def _line_from_token(token: str) -> saleor.ReviewableLineFacts:
    line_id = order_line_from_token(token)
    line = saleor.order_line_for_review(line_id) if line_id else None
    if line is None:
        raise RetentionError(
            _("This review link is not valid."), code=RetentionErrorCode.INVALID, field="token"
        )
    if line.quantity_fulfilled <= 0 or line.order_status in ("canceled", "draft"):
        raise RetentionError(
            _("Only buyers of a shipped order can review this product."),
            code=RetentionErrorCode.NOT_A_BUYER,
            field="token",
        )
    return line


# --- aggregates ------------------------------------------------------------------------------


def _move_rating(product_id: str, rating: int, delta: int) -> None:
    """Add (+1) or take away (-1) one published review of ``rating`` stars."""
    ProductRating.objects.bulk_create([ProductRating(product_id=product_id)], ignore_conflicts=True)
    ProductRating.objects.filter(product_id=product_id).update(
        count=F("count") + delta,
        rating_sum=F("rating_sum") + delta * rating,
        **{f"stars_{rating}": F(f"stars_{rating}") + delta},
    )


# --- points ----------------------------------------------------------------------------------


def review_points_for(review: Review, settings: RetentionSettings) -> int:
    """What publishing earns: the same for every rating (platform rules forbid paying for
    positive reviews, anchors.md), more when the review shows a photo."""
    has_photo = review.photos.exists()
    return settings.review_points + (settings.review_photo_bonus_points if has_photo else 0)


def _award_points(review: Review, settings: RetentionSettings, plugin_active: bool) -> None:
    if not plugin_active or review.source == ReviewSource.IMPORTED or not review.customer_id:
        return
    if review.points_awarded or review.points_reversed:
        return  # once per review ever: a re-approved review earns nothing again
    points = review_points_for(review, settings)
    if points <= 0:
        return
    entry = ledger.credit(
        customer_id=review.customer_id,
        points=points,
        type=EntryType.REVIEW_REWARD,
        key=f"review:{review.pk}",
        settings=settings,
        reason=REWARD_REASON,
        details={"review_id": review.pk, "product_id": review.product_id},
    )
    review.points_awarded = entry.points
    Review.objects.filter(pk=review.pk).update(points_awarded=entry.points)


def _reverse_points(review: Review, settings: RetentionSettings) -> None:
    if not review.points_awarded or review.points_reversed:
        return
    ledger.take_back_credit(
        credit_key=f"review:{review.pk}",
        key=f"review-reversal:{review.pk}",
        reason=REVERSAL_REASON,
        policy=settings.negative_balance_policy,
        details={"review_id": review.pk},
    )
    review.points_reversed = True
    Review.objects.filter(pk=review.pk).update(points_reversed=True)


def _change_status(
    review: Review,
    new_status: str,
    *,
    settings: RetentionSettings,
    plugin_active: bool,
    staff_user_id: str = "",
    reason: str | None = None,
) -> Review:
    """The one place a review's status moves (the row is locked by the caller)."""
    old_status = review.status
    now = timezone.now()
    if old_status != ReviewStatus.PUBLISHED and new_status == ReviewStatus.PUBLISHED:
        _move_rating(review.product_id, review.rating, +1)
        review.published_at = review.published_at or now
    elif old_status == ReviewStatus.PUBLISHED and new_status != ReviewStatus.PUBLISHED:
        _move_rating(review.product_id, review.rating, -1)
    review.status = new_status
    fields = ["status", "published_at", "updated_at"]
    if staff_user_id:
        review.moderated_at, review.moderated_by = now, staff_user_id
        fields += ["moderated_at", "moderated_by"]
    if reason is not None:
        review.moderation_reason = reason
        fields.append("moderation_reason")
    review.save(update_fields=fields)
    if new_status == ReviewStatus.PUBLISHED:
        _award_points(review, settings, plugin_active)
    elif new_status == ReviewStatus.REMOVED:
        _reverse_points(review, settings)
    return review


# --- photos ----------------------------------------------------------------------------------


def _delete_files(rows: Sequence[ReviewPhoto]) -> None:
    if rows:
        from . import photos

        photos.delete_photo_files(*[p for row in rows for p in (row.path, row.thumbnail_path)])


def _attach_photos(review: Review, cleaned: Sequence[Any]) -> list[ReviewPhoto]:
    if not cleaned:
        return []
    from . import photos

    written: list[str] = []
    try:
        rows = []
        for position, photo in enumerate(cleaned):
            path, thumbnail_path = photos.store_photo(photo, folder=f"review-{review.pk}")
            written += [path, thumbnail_path]
            rows.append(
                ReviewPhoto(
                    review=review,
                    position=position,
                    path=path,
                    thumbnail_path=thumbnail_path,
                    content_type=photo.content_type,
                    width=photo.width,
                    height=photo.height,
                )
            )
        created = ReviewPhoto.objects.bulk_create(rows)
    except BaseException:
        # not a catch-all: the files written so far must not outlive the refused review
        photos.delete_photo_files(*written)
        raise
    return created


# --- shoppers --------------------------------------------------------------------------------


def _pick_line(
    *, customer_id: str, product_id: str, order_line_id: str | None
) -> saleor.ReviewableLineFacts | None:
    """The shipped line this review is for; None when the customer never bought the product."""
    lines = saleor.fulfilled_lines_of(customer_id, product_id)
    if order_line_id:
        for line in lines:
            if line.line_id == str(order_line_id):
                return line
        raise RetentionError(
            _("This order line is not one of your shipped purchases of the product."),
            code=RetentionErrorCode.NOT_A_BUYER,
            field="orderLine",
        )
    if not lines:
        return None
    reviewed = set(
        Review.objects.filter(order_line_id__in=[line.line_id for line in lines]).values_list(
            "order_line_id", flat=True
        )
    )
    for line in lines:
        if line.line_id not in reviewed:
            return line
    raise RetentionError(
        _("You have already reviewed this purchase."),
        code=RetentionErrorCode.ALREADY_REVIEWED,
        field="product",
    )


@transaction.atomic
def review_create(
    *,
    customer_id: str | None,
    product_id: str | None = None,
    order_line_id: str | None = None,
    token: str | None = None,
    rating: Any,
    title: str | None = None,
    body: str | None = None,
    photo_uploads: Sequence[Any] = (),
    is_complaint: bool = False,
    settings: RetentionSettings,
    plugin_active: bool,
) -> Review:
    """Write a review for a shipped purchase (or, if allowed, an unverified one)."""
    clean_rating_value = clean_rating(rating)
    clean_title = _clean_title(title, settings)
    clean_body = _clean_body(body, settings)
    cleaned_photos = _clean_photos(list(photo_uploads), settings)

    source = ReviewSource.VERIFIED
    line: saleor.ReviewableLineFacts | None
    if token:
        line = _line_from_token(token)
        author_id, author_name = line.customer_id, line.author_name
    else:
        if not customer_id:
            raise RetentionError(
                _("Sign in to write a review."), code=RetentionErrorCode.NOT_SIGNED_IN
            )
        if not product_id or not saleor.product_exists(product_id):
            raise RetentionError(
                _("No such product."), code=RetentionErrorCode.NOT_FOUND, field="product"
            )
        line = _pick_line(
            customer_id=customer_id, product_id=product_id, order_line_id=order_line_id
        )
        author_id, author_name = customer_id, saleor.customer_display_name(customer_id)
        if line is None:
            if not settings.reviews_accept_non_buyers:
                raise RetentionError(
                    _("Only customers who bought this product can review it."),
                    code=RetentionErrorCode.NOT_A_BUYER,
                    field="product",
                )
            source = ReviewSource.UNVERIFIED

    # the name comes from the shopper's own account fields: plain text like everything shown
    author_name = plain_text(author_name)[:AUTHOR_NAME_MAX_LENGTH]
    review = Review(
        product_id=line.product_id if line else str(product_id),
        variant_id=line.variant_id if line else "",
        variant_name=line.variant_name if line else "",
        order_id=line.order_id if line else "",
        order_line_id=line.line_id if line else "",
        customer_id=author_id,
        author_name=author_name,
        source=source,
        rating=clean_rating_value,
        title=clean_title,
        body=clean_body,
        is_complaint=bool(is_complaint),
        status=ReviewStatus.PENDING,
    )
    try:
        with transaction.atomic():
            review.save()
    except IntegrityError:  # the unique constraints: this line / this product already reviewed
        raise RetentionError(
            _("You have already reviewed this purchase."),
            code=RetentionErrorCode.ALREADY_REVIEWED,
            field="product",
        ) from None
    attached = _attach_photos(review, cleaned_photos)
    status = moderation_status(
        rating=review.rating, texts=(review.title, review.body), settings=settings
    )
    try:
        if status == ReviewStatus.PUBLISHED:
            _change_status(review, status, settings=settings, plugin_active=plugin_active)
    except BaseException:
        # not a catch-all: stored files must not outlive a review whose transaction fails
        _delete_files(attached)
        raise
    return review


def _locked(review_id: Any) -> Review:
    if not str(review_id).isdigit():
        raise _not_found()
    review = Review.objects.select_for_update().filter(pk=review_id).first()
    if review is None:
        raise _not_found()
    return review


@transaction.atomic
def review_update(
    *,
    review_id: Any,
    customer_id: str | None,
    settings: RetentionSettings,
    rating: Any = None,
    title: str | None = None,
    body: str | None = None,
    is_complaint: bool | None = None,
) -> Review:
    """The author edits their review while it waits for moderation (it stays pending)."""
    if not customer_id:
        raise RetentionError(_("Sign in to edit a review."), code=RetentionErrorCode.NOT_SIGNED_IN)
    review = _locked(review_id)
    if str(review.customer_id) != str(customer_id):
        raise _not_found()
    if review.status != ReviewStatus.PENDING:
        raise RetentionError(
            _("Only a review waiting for moderation can be edited."),
            code=RetentionErrorCode.NOT_EDITABLE,
        )
    changes: dict[str, Any] = {}
    if rating is not None:
        changes["rating"] = clean_rating(rating)
    if title is not None:
        changes["title"] = _clean_title(title, settings)
    if body is not None:
        changes["body"] = _clean_body(body, settings)
    if is_complaint is not None:
        changes["is_complaint"] = bool(is_complaint)
    for field, value in changes.items():
        setattr(review, field, value)
    if changes:
        review.save(update_fields=[*changes, "updated_at"])
    return review


def _published_for_shopper(review_id: Any, customer_id: str | None) -> Review:
    if not customer_id:
        raise RetentionError(_("Sign in first."), code=RetentionErrorCode.NOT_SIGNED_IN)
    if not str(review_id).isdigit():
        raise _not_found()
    review = Review.objects.filter(pk=review_id, status=ReviewStatus.PUBLISHED).first()
    if review is None:
        raise _not_found()
    if str(review.customer_id) == str(customer_id):
        raise RetentionError(
            _("You cannot do this on your own review."), code=RetentionErrorCode.INVALID
        )
    return review


@transaction.atomic
def review_vote(*, review_id: Any, customer_id: str | None, helpful: bool = True) -> Review:
    """Mark a published review helpful, once per customer (a unique constraint); ``helpful``
    false takes the vote back."""
    review = _published_for_shopper(review_id, customer_id)
    if helpful:
        try:
            with transaction.atomic():
                ReviewVote.objects.create(review=review, customer_id=str(customer_id))
        except IntegrityError:
            raise RetentionError(
                _("You have already marked this review helpful."),
                code=RetentionErrorCode.ALREADY_DONE,
            ) from None
        Review.objects.filter(pk=review.pk).update(helpful_count=F("helpful_count") + 1)
    else:
        deleted, _rows = ReviewVote.objects.filter(
            review=review, customer_id=str(customer_id)
        ).delete()
        if not deleted:
            raise RetentionError(
                _("You have not marked this review helpful."),
                code=RetentionErrorCode.ALREADY_DONE,
            )
        Review.objects.filter(pk=review.pk).update(helpful_count=F("helpful_count") - 1)
    review.refresh_from_db()
    return review


@transaction.atomic
def review_report(*, review_id: Any, customer_id: str | None, reason: str | None) -> Review:
    """Report a published review to the moderators, once per customer."""
    review = _published_for_shopper(review_id, customer_id)
    clean_reason = clean_text(
        reason,
        field="reason",
        max_length=operator_settings.value("RETENTION_REVIEW_MODERATION_REASON_MAX_LENGTH"),
    )
    try:
        with transaction.atomic():
            ReviewReport.objects.create(
                review=review, customer_id=str(customer_id), reason=clean_reason
            )
    except IntegrityError:
        raise RetentionError(
            _("You have already reported this review."), code=RetentionErrorCode.ALREADY_DONE
        ) from None
    Review.objects.filter(pk=review.pk).update(report_count=F("report_count") + 1)
    review.refresh_from_db()
    return review


# --- staff -----------------------------------------------------------------------------------

APPROVE, REJECT, REMOVE = "approve", "reject", "remove"
ACTIONS = (APPROVE, REJECT, REMOVE)


@transaction.atomic
def review_moderate(
    *,
    review_id: Any,
    staff_user_id: str,
    settings: RetentionSettings,
    plugin_active: bool,
    action: str | None = None,
    reason: str | None = None,
    is_complaint: bool | None = None,
) -> Review:
    """Approve (publish), reject with a reason (from pending), or remove (take down; its
    points are taken back); and/or set the complaint flag."""
    if action is None and is_complaint is None:
        raise RetentionError(
            _("Give an action or the complaint flag."),
            code=RetentionErrorCode.REQUIRED,
            field="action",
        )
    if action is not None and action not in ACTIONS:
        raise RetentionError(_("Unknown action."), code=RetentionErrorCode.INVALID, field="action")
    review = _locked(review_id)
    status_before, complaint_before = str(review.status), review.is_complaint
    clean_reason = clean_text(
        reason,
        field="reason",
        max_length=operator_settings.value("RETENTION_REVIEW_MODERATION_REASON_MAX_LENGTH"),
        required=action == REJECT,
    )
    if action == APPROVE:
        if review.status == ReviewStatus.PUBLISHED:
            raise RetentionError(
                _("This review is already published."), code=RetentionErrorCode.ALREADY_DONE
            )
        new_status = str(ReviewStatus.PUBLISHED)
    elif action == REJECT:
        if review.status == ReviewStatus.REJECTED:
            raise RetentionError(
                _("This review is already rejected."), code=RetentionErrorCode.ALREADY_DONE
            )
        if review.status != ReviewStatus.PENDING:
            raise RetentionError(
                _("Only a pending review can be rejected; remove a published one."),
                code=RetentionErrorCode.NOT_EDITABLE,
                field="action",
            )
        new_status = str(ReviewStatus.REJECTED)
    elif action == REMOVE:
        if review.status == ReviewStatus.REMOVED:
            raise RetentionError(
                _("This review is already removed."), code=RetentionErrorCode.ALREADY_DONE
            )
        new_status = str(ReviewStatus.REMOVED)
    if is_complaint is not None and review.is_complaint != bool(is_complaint):
        review.is_complaint = bool(is_complaint)
        review.save(update_fields=["is_complaint", "updated_at"])
    if action is not None:
        _change_status(
            review,
            new_status,
            settings=settings,
            plugin_active=plugin_active,
            staff_user_id=staff_user_id,
            reason=clean_reason if action != APPROVE else "",
        )
    events.review_moderated_event(
        review=review,
        staff_user_id=staff_user_id,
        decision=action,
        status_before=status_before,
        complaint_before=complaint_before,
        reason=clean_reason if action in (REJECT, REMOVE) else "",
    )
    return review


@transaction.atomic
def review_reply(*, review_id: Any, staff_user_id: str, text: str | None) -> Review:
    """The merchant's public reply shown under the review; an empty text deletes it."""
    review = _locked(review_id)
    reply = clean_text(
        text, field="text", max_length=operator_settings.value("RETENTION_REVIEW_REPLY_MAX_LENGTH")
    )
    review.merchant_reply = reply
    review.replied_at = timezone.now() if reply else None
    review.reply_staff_id = staff_user_id if reply else ""
    review.save(update_fields=["merchant_reply", "replied_at", "reply_staff_id", "updated_at"])
    return review


@transaction.atomic
def review_import(
    *,
    product_id: str | None,
    rating: Any,
    author_name: str | None,
    title: str | None = None,
    body: str | None = None,
    created_at: datetime | None = None,
    staff_user_id: str,
    settings: RetentionSettings,
) -> Review:
    """A review brought from another platform: published, labelled imported, never verified,
    earning no points."""
    clean_rating_value = clean_rating(rating)
    clean_author = clean_text(
        author_name, field="authorName", max_length=AUTHOR_NAME_MAX_LENGTH, required=True
    )
    clean_title = _clean_title(title, settings)
    clean_body = clean_text(body, field="body", max_length=settings.review_body_max_length)
    if not product_id or not saleor.product_exists(product_id):
        raise RetentionError(
            _("No such product."), code=RetentionErrorCode.NOT_FOUND, field="product"
        )
    if created_at is not None and created_at > timezone.now():
        raise RetentionError(
            _("An imported review cannot be dated in the future."),
            code=RetentionErrorCode.INVALID,
            field="createdAt",
        )
    review = Review.objects.create(
        product_id=str(product_id),
        customer_id=None,
        author_name=clean_author,
        source=ReviewSource.IMPORTED,
        rating=clean_rating_value,
        title=clean_title,
        body=clean_body,
        created_at=created_at or timezone.now(),
        moderated_by=staff_user_id,
        status=ReviewStatus.PENDING,
    )
    return _change_status(
        review,
        str(ReviewStatus.PUBLISHED),
        settings=settings,
        plugin_active=False,  # imported reviews earn nothing
        staff_user_id=staff_user_id,
    )


# --- review requests -------------------------------------------------------------------------

FINAL_DROPS = (ReviewRequest.DropReason.ORDER_CANCELLED, ReviewRequest.DropReason.ORDER_REFUNDED)


@transaction.atomic
def requests_schedule(
    *, order_id: str, settings: RetentionSettings, now: datetime | None = None
) -> int:
    """One request per shipped line of a fully fulfilled order, due ``review_request_days``
    later (a unique constraint per line makes replays harmless). A request dropped because a
    parcel was cancelled gets a fresh due date when the order is fulfilled again; one dropped
    because the order was cancelled or refunded is never brought back."""
    due = (now or timezone.now()) + timedelta(days=settings.review_request_days)
    lines = saleor.order_reviewable_lines(order_id)
    reviewed = set(
        Review.objects.filter(order_line_id__in=[line.line_id for line in lines]).values_list(
            "order_line_id", flat=True
        )
    )
    wanted = [line for line in lines if line.line_id not in reviewed]
    ReviewRequest.objects.bulk_create(
        [
            ReviewRequest(
                order_id=line.order_id,
                order_line_id=line.line_id,
                product_id=line.product_id,
                variant_id=line.variant_id,
                customer_id=line.customer_id,
                due_at=due,
            )
            for line in wanted
        ],
        ignore_conflicts=True,
    )
    ReviewRequest.objects.filter(
        order_line_id__in=[line.line_id for line in wanted],
        status=ReviewRequest.Status.DROPPED,
        drop_reason=ReviewRequest.DropReason.FULFILLMENT_CANCELLED,
    ).update(status=ReviewRequest.Status.SCHEDULED, drop_reason="", due_at=due)
    return ReviewRequest.objects.filter(
        order_id=order_id, status=ReviewRequest.Status.SCHEDULED
    ).count()


@transaction.atomic
def requests_drop(*, order_id: str, reason: str) -> int:
    """Drop the order's requests; a cancellation or full refund is final and overrides a
    parcel-cancelled drop."""
    rows = ReviewRequest.objects.filter(order_id=order_id)
    if reason in FINAL_DROPS:
        rows = rows.exclude(drop_reason__in=FINAL_DROPS)
    else:
        rows = rows.filter(status=ReviewRequest.Status.SCHEDULED)
    return rows.update(status=ReviewRequest.Status.DROPPED, drop_reason=reason)
