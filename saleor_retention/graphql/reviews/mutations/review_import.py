"""``reviewImport``: staff bring in a review from elsewhere (MANAGE_PRODUCTS)."""

from __future__ import annotations

import graphene

from ....permissions import MANAGE_PRODUCTS
from ....reviews import services
from ... import saleor_types
from ...core.access import pk_from_global_id
from ...core.context import retention_settings
from ...core.mutations import RetentionMutation
from ..types import ReviewType
from .ids import staff_id


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
            staff_user_id=staff_id(info),
            settings=retention_settings(info),
        )
        return cls(review=review, errors=[])
