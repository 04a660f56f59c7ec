"""The reviews' GraphQL enums."""

import graphene

from ...reviews import services
from ...reviews.models import ReviewSource, ReviewStatus
from ..core.types import choices_enum

ReviewStatusEnum = choices_enum(
    "ReviewStatus",
    ReviewStatus,
    description=(
        "PENDING: waiting for moderation; PUBLISHED: shown to every shopper; REJECTED: refused "
        "by staff (with a reason); REMOVED: taken down by staff."
    ),
)


ReviewSourceEnum = choices_enum(
    "ReviewSource",
    ReviewSource,
    description=(
        "VERIFIED: written by a buyer of a shipped order line; UNVERIFIED: by a signed-in "
        "customer who has not bought it (when the store allows it); IMPORTED: brought in by staff."
    ),
)


ReviewModerationAction = graphene.Enum(
    "ReviewModerationAction",
    [("APPROVE", services.APPROVE), ("REJECT", services.REJECT), ("REMOVE", services.REMOVE)],
    description=(
        "APPROVE: publish (the author earns the review points the first time); REJECT: refuse "
        "a pending review, with a reason; REMOVE: take a review down (its points are taken back)."
    ),
)
