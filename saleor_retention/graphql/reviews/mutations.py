"""Review mutations: shoppers' ``reviewCreate`` (photos through Saleor's multipart upload
convention), ``reviewUpdate``, ``reviewVote``, ``reviewReport``; staff's (MANAGE_PRODUCTS)
``reviewModerate``, ``reviewReply``, ``reviewImport``. Every refusal is a typed error and changes
nothing."""

from __future__ import annotations

import graphene
from django.utils.translation import gettext as _

from ... import conf
from ...errors import RetentionError, RetentionErrorCode
from ...permissions import MANAGE_PRODUCTS
from ...reviews import services
from .. import saleor_types
from ..core.access import pk_from_global_id
from ..core.context import retention_settings
from ..core.mutations import RetentionMutation
from ..saleor_types import Upload
from .types import ReviewType, viewer_id


def _review_pk(global_id: str) -> str:
    pk = pk_from_global_id(global_id, "Review")
    if pk is None:
        raise RetentionError(
            _("%(id)s is not a review id.") % {"id": global_id},
            code=RetentionErrorCode.NOT_FOUND,
            field="id",
        )
    return pk


def _uploads(info, keys) -> list:
    """Saleor's view puts each multipart part's name where the variable was: read the files
    (None for a variable with no file part; the service refuses it)."""
    return [info.context.FILES.get(key) if isinstance(key, str) else None for key in keys or []]


def _staff_id(info) -> str:
    return viewer_id(info) or ""


class ReviewCreateInput(graphene.InputObjectType):
    product = graphene.ID(description="The product (not needed with a token).")
    order_line = graphene.ID(
        description="Which of your shipped order lines of the product; default: the oldest one "
        "not yet reviewed."
    )
    token = graphene.String(
        description="The token of a review link (a guest buyer's proof of purchase)."
    )
    rating = graphene.Int(required=True, description="1 to 5 stars.")
    title = graphene.String(description="Plain text; markup is removed.")
    body = graphene.String(description="Plain text; markup is removed.")
    photos = graphene.List(
        Upload, description="JPEG, PNG or WebP files sent as multipart parts (set to null)."
    )
    is_complaint = graphene.Boolean(description="Flag the review as a complaint.")


class ReviewCreate(RetentionMutation):
    review = graphene.Field(ReviewType, description="The review; null when refused.")

    class Arguments:
        input = ReviewCreateInput(required=True)

    class Meta:
        description = (
            "Review a product you bought (verified), through a review link (guest), or, when the "
            "store allows it, one you did not buy (unverified). Send as multipart/form-data to "
            "attach photos."
        )

    @classmethod
    def perform_mutation(cls, root, info, input):
        active, settings = conf.load_state()
        product_id = None
        if input.get("product"):
            product_id = pk_from_global_id(input["product"], "Product") or "-"
        order_line_id = None
        if input.get("order_line"):
            order_line_id = pk_from_global_id(input["order_line"], "OrderLine") or "-"
        review = services.review_create(
            customer_id=viewer_id(info),
            product_id=product_id,
            order_line_id=order_line_id,
            token=input.get("token"),
            rating=input.get("rating"),
            title=input.get("title"),
            body=input.get("body"),
            photo_uploads=_uploads(info, input.get("photos")),
            is_complaint=bool(input.get("is_complaint")),
            settings=settings,
            plugin_active=active,
        )
        return cls(review=review, errors=[])


class ReviewUpdateInput(graphene.InputObjectType):
    rating = graphene.Int()
    title = graphene.String()
    body = graphene.String()
    is_complaint = graphene.Boolean()


class ReviewUpdate(RetentionMutation):
    review = graphene.Field(ReviewType)

    class Arguments:
        id = graphene.ID(required=True)
        input = ReviewUpdateInput(required=True)

    class Meta:
        description = "Edit your own review while it waits for moderation."

    @classmethod
    def perform_mutation(cls, root, info, id, input):
        review = services.review_update(
            review_id=_review_pk(id),
            customer_id=viewer_id(info),
            settings=retention_settings(info),
            rating=input.get("rating"),
            title=input.get("title"),
            body=input.get("body"),
            is_complaint=input.get("is_complaint"),
        )
        return cls(review=review, errors=[])


class ReviewVote(RetentionMutation):
    review = graphene.Field(ReviewType)

    class Arguments:
        id = graphene.ID(required=True)
        helpful = graphene.Boolean(
            default_value=True, description="false takes your helpful vote back."
        )

    class Meta:
        description = "Mark someone else's published review helpful (once)."

    @classmethod
    def perform_mutation(cls, root, info, id, helpful=True):
        review = services.review_vote(
            review_id=_review_pk(id), customer_id=viewer_id(info), helpful=helpful
        )
        return cls(review=review, errors=[])


class ReviewReport(RetentionMutation):
    review = graphene.Field(ReviewType)

    class Arguments:
        id = graphene.ID(required=True)
        reason = graphene.String(description="Why (plain text, at most 1000 characters).")

    class Meta:
        description = "Report a published review to the store's moderators (once)."

    @classmethod
    def perform_mutation(cls, root, info, id, reason=None):
        review = services.review_report(
            review_id=_review_pk(id), customer_id=viewer_id(info), reason=reason
        )
        return cls(review=review, errors=[])


ReviewModerationAction = graphene.Enum(
    "ReviewModerationAction",
    [("APPROVE", services.APPROVE), ("REJECT", services.REJECT), ("REMOVE", services.REMOVE)],
    description=(
        "APPROVE: publish (the author earns the review points the first time); REJECT: refuse "
        "a pending review, with a reason; REMOVE: take a review down (its points are taken back)."
    ),
)


class ReviewModerate(RetentionMutation):
    review = graphene.Field(ReviewType)
    permissions = (MANAGE_PRODUCTS,)

    class Arguments:
        id = graphene.ID(required=True)
        action = ReviewModerationAction()
        reason = graphene.String(description="Required to reject; shown to the author.")
        is_complaint = graphene.Boolean(description="Set or clear the complaint flag.")

    class Meta:
        description = "Staff (MANAGE_PRODUCTS): approve, reject or remove a review."

    @classmethod
    def perform_mutation(cls, root, info, id, action=None, reason=None, is_complaint=None):
        active, settings = conf.load_state()
        review = services.review_moderate(
            review_id=_review_pk(id),
            staff_user_id=_staff_id(info),
            settings=settings,
            plugin_active=active,
            action=getattr(action, "value", action),
            reason=reason,
            is_complaint=is_complaint,
        )
        return cls(review=review, errors=[])


class ReviewReply(RetentionMutation):
    review = graphene.Field(ReviewType)
    permissions = (MANAGE_PRODUCTS,)

    class Arguments:
        id = graphene.ID(required=True)
        text = graphene.String(
            required=True, description="The public reply (plain text); empty deletes it."
        )

    class Meta:
        description = "Staff (MANAGE_PRODUCTS): the store's public reply under a review."

    @classmethod
    def perform_mutation(cls, root, info, id, text):
        review = services.review_reply(
            review_id=_review_pk(id), staff_user_id=_staff_id(info), text=text
        )
        return cls(review=review, errors=[])


class ReviewImportInput(graphene.InputObjectType):
    product = graphene.ID(required=True)
    rating = graphene.Int(required=True)
    author_name = graphene.String(required=True, description='As shown, e.g. "Mei L.".')
    title = graphene.String()
    body = graphene.String()
    created_at = saleor_types.DateTime(description="When it was written; default now.")


class ReviewImport(RetentionMutation):
    review = graphene.Field(ReviewType)
    permissions = (MANAGE_PRODUCTS,)

    class Arguments:
        input = ReviewImportInput(required=True)

    class Meta:
        description = (
            "Staff (MANAGE_PRODUCTS): bring in a review from elsewhere: published, labelled "
            "IMPORTED, never verified, no points."
        )

    @classmethod
    def perform_mutation(cls, root, info, input):
        review = services.review_import(
            product_id=pk_from_global_id(input.get("product"), "Product"),
            rating=input.get("rating"),
            author_name=input.get("author_name"),
            title=input.get("title"),
            body=input.get("body"),
            created_at=input.get("created_at"),
            staff_user_id=_staff_id(info),
            settings=retention_settings(info),
        )
        return cls(review=review, errors=[])
