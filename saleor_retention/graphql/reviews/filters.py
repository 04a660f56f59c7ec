"""The ``filter:`` inputs of the review lists."""

from __future__ import annotations

import graphene

from .types import ReviewStatusEnum


class ReviewFilterInput(graphene.InputObjectType):
    rating = graphene.Int(description="Only reviews of this many stars.")
    with_photos = graphene.Boolean(description="Only reviews with a photo.")
    verified_only = graphene.Boolean(description="Only reviews by verified buyers.")


class ReviewModerationFilterInput(graphene.InputObjectType):
    status = graphene.List(graphene.NonNull(ReviewStatusEnum), description="Any of these.")
    product = graphene.ID(description="One product's reviews.")
