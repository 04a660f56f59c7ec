"""The review mutations, one module each (as Saleor's ``graphql/giftcard/mutations/``): shoppers'
``reviewCreate``, ``reviewUpdate``, ``reviewVote``, ``reviewReport``; staff's (MANAGE_PRODUCTS)
``reviewModerate``, ``reviewReply``, ``reviewImport``. Every refusal is a typed error and changes
nothing."""

from .review_create import ReviewCreate
from .review_import import ReviewImport
from .review_moderate import ReviewModerate
from .review_reply import ReviewReply
from .review_report import ReviewReport
from .review_update import ReviewUpdate
from .review_vote import ReviewVote

__all__ = [
    "ReviewCreate",
    "ReviewImport",
    "ReviewModerate",
    "ReviewReply",
    "ReviewReport",
    "ReviewUpdate",
    "ReviewVote",
]
