"""``reviewCreate``: a shopper reviews a product (photos through Saleor's multipart upload
convention)."""

from __future__ import annotations

import graphene

from .... import conf
from ....reviews import services
from ...core.access import pk_from_global_id
from ...core.mutations import RetentionMutation
from ...saleor_types import Upload
from ..types import ReviewType, viewer_id
from .ids import uploads


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
            photo_uploads=uploads(info, input.get("photos")),
            is_complaint=bool(input.get("is_complaint")),
            settings=settings,
            plugin_active=active,
        )
        return cls(review=review, errors=[])
