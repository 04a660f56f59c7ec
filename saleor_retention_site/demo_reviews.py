"""The demo's review chapter: the shopper reviews what she received, with a photo; she earns the
review points, and the product's rating and its search-engine markup show the review.

``demo.py`` calls ``review_story(driver, token, order_id, say)`` after the order has shipped:
``token`` is the shopper's JWT, ``order_id`` her shipped order's global id, ``say`` prints a line.
Everything goes through Saleor's GraphQL, the photo as a multipart upload like a storefront's.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from typing import Any

from .driver import SaleorDriver, gid

REVIEW_POINTS = 25
PHOTO_BONUS = 15

CREATE = """mutation($input: ReviewCreateInput!) {
  reviewCreate(input: $input) {
    review { id status source rating title authorName variantName points
             photos { url width height } }
    errors { field code message }
  }
}"""
PRODUCT = """query($id: ID!) { product(id: $id) {
  name
  reviewSummary { averageRating count distribution { rating count } }
  reviewJsonLd
} }"""


def demo_photo() -> bytes:
    """A small JPEG drawn on the spot (a cup of oolong: amber on cream)."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (320, 240), (245, 238, 220))
    draw = ImageDraw.Draw(image)
    draw.ellipse((90, 60, 230, 200), fill=(190, 120, 40), outline=(120, 70, 20), width=6)
    output = io.BytesIO()
    image.save(output, "JPEG", quality=90)
    return output.getvalue()


def review_story(
    driver: SaleorDriver, token: str, order_id: str, say: Callable[[str], Any] = print
) -> dict[str, Any]:
    """Returns the created review (as GraphQL gave it)."""
    say("\n== Staff set review points: 25 for a published review, +15 with a photo")
    driver.plugin_update(review_points=REVIEW_POINTS, review_photo_bonus_points=PHOTO_BONUS)

    order = driver.query(
        "query($id: ID!) { order(id: $id) { lines { id productName } } }",
        {"id": order_id},
        token=driver.staff_token(),
    )["order"]
    line = order["lines"][0]
    before = driver.query("{ me { loyalty { points } } }", token=token)["me"]["loyalty"]["points"]

    say(f"\n== She reviews {line['productName']} from her shipped order, with a photo (multipart)")
    body = driver.execute_multipart(
        CREATE,
        {
            "input": {
                "product": gid("Product", driver.store.product_id),
                "orderLine": line["id"],
                "rating": 5,
                "title": "Floral and smooth",
                "body": "Three infusions and still sweet. <script>alert(1)</script>Lovely.",
                "photos": [None],
            }
        },
        {"variables.input.photos.0": ("my-cup.jpg", demo_photo(), "image/jpeg")},
        token=token,
    )
    payload = body["data"]["reviewCreate"]
    if payload["errors"]:
        say(f"   refused: {payload['errors']}")
        return payload
    review = payload["review"]
    photo = review["photos"][0]
    say(
        f"   review {review['status']} ({review['source']}, {review['rating']} stars, "
        f"{review['variantName']}) by {review['authorName']}: {review['title']!r}"
    )
    say("   its text is stored as plain text: the <script> tag is gone")
    say(
        f"   photo re-encoded, metadata stripped: {photo['width']}x{photo['height']} {photo['url']}"
    )
    after = driver.query("{ me { loyalty { points } } }", token=token)["me"]["loyalty"]["points"]
    say(f"   review points: {review['points']} (spendable points {before} -> {after})")

    product = driver.query(PRODUCT, {"id": gid("Product", driver.store.product_id)})["product"]
    summary = product["reviewSummary"]
    stars = ", ".join(f"{d['rating']}*: {d['count']}" for d in summary["distribution"])
    say(
        f"   {product['name']}: average {summary['averageRating']} from {summary['count']} "
        f"review(s) ({stars})"
    )
    markup = json.loads(product["reviewJsonLd"])
    say(f"   schema.org markup for search engines: aggregateRating {markup['aggregateRating']}")
    return review
