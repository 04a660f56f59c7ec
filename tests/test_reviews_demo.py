"""The demo's review chapter runs against the real store and tells the truth."""

from saleor_retention.reviews.models import Review, ReviewPhoto
from saleor_retention_site.demo_reviews import PHOTO_BONUS, REVIEW_POINTS, review_story
from tests.test_reviews import register


def test_review_story_reviews_with_a_photo_and_shows_points_and_rating(retention_on):
    driver = retention_on
    _c, token = register(driver, "demo-review@example.com")
    order = driver.buy(email="demo-review@example.com", token=token)
    driver.order_fulfill(order["id"])
    lines = []

    review = review_story(driver, token, order["id"], lines.append)

    assert review["status"] == "PUBLISHED"
    assert review["points"] == REVIEW_POINTS + PHOTO_BONUS
    assert ReviewPhoto.objects.count() == 1
    assert "<script>" not in Review.objects.get().body
    text = "\n".join(lines)
    assert f"review points: {REVIEW_POINTS + PHOTO_BONUS}" in text
    assert "average 5.0 from 1 review(s)" in text
    assert "'bestRating': '5'" in text
