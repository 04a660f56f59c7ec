"""``Product.reviewJsonLd``: schema.org markup of a product's rating and latest reviews."""

from __future__ import annotations

from typing import Any

from ...reviews.models import Review
from .types import ReviewType


def json_ld(product: Any, rating, reviews: list[Review]) -> dict[str, Any]:
    """schema.org Product with AggregateRating and Review (Google's review snippets need
    bestRating and worstRating; anchors.md: all-in-one-schemaorg#241)."""
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "Product",
        "name": product.name,
    }
    if rating is not None and rating.count > 0:
        data["aggregateRating"] = {
            "@type": "AggregateRating",
            "ratingValue": f"{rating.average_rating:.2f}".rstrip("0").rstrip("."),
            "reviewCount": str(rating.count),
            "bestRating": "5",
            "worstRating": "1",
        }
    if reviews:
        data["review"] = [
            {
                "@type": "Review",
                "author": {
                    "@type": "Person",
                    "name": str(ReviewType.resolve_author_name(review, None)),
                },
                "datePublished": (review.published_at or review.created_at).date().isoformat(),
                "name": review.title,
                "reviewBody": review.body,
                "reviewRating": {
                    "@type": "Rating",
                    "ratingValue": str(review.rating),
                    "bestRating": "5",
                    "worstRating": "1",
                },
            }
            for review in reviews
        ]
    return data
