"""Review photos through Saleor's multipart upload convention (``operations`` + ``map`` + one
part per file), with the photos branch's ``clean_photo``: accepted photos are re-encoded and shown
to shoppers and moderators (anchors.md: revws#101, moderators need to see attached images);
non-images, oversized files and decompression bombs are refused and nothing is stored."""

from __future__ import annotations

import io

from django.core.files.storage import default_storage
from PIL import Image

from saleor_retention.reviews.models import Review, ReviewPhoto
from saleor_retention_site.driver import gid
from tests.test_review_photos import png_declaring
from tests.test_reviews import (
    CREATE,
    buy_and_ship,
    register,
    review_rewards,
    state,
)
from tests.test_reviews_safety import CUSTOMER_DELETE

MODERATION = """{ reviewModerationQueue(first: 10) { edges { node { id status
    photos { url thumbnailUrl width height contentType } } } } }"""


def png(size=(64, 48), colour=(200, 30, 30)) -> bytes:
    output = io.BytesIO()
    Image.new("RGB", size, colour).save(output, "PNG")
    return output.getvalue()


def create_with_files(driver, token, files, **fields):
    """reviewCreate sent as multipart/form-data; ``files``: (name, bytes, content type)."""
    data = {
        "product": gid("Product", driver.store.product_id),
        "rating": 5,
        "title": "With a photo",
        "photos": [None] * len(files),
        **fields,
    }
    body = driver.execute_multipart(
        CREATE,
        {"input": data},
        {f"variables.input.photos.{n}": file for n, file in enumerate(files)},
        token=token,
    )
    assert not body.get("errors"), body
    return body["data"]["reviewCreate"]


def stored_files():
    root = "retention/reviews"
    if not default_storage.exists(root):
        return []
    found = []
    for folder in default_storage.listdir(root)[0]:
        found += [f"{folder}/{name}" for name in default_storage.listdir(f"{root}/{folder}")[1]]
    return sorted(found)


def test_buy_ship_review_with_a_photo_publish_points_then_remove(retention_on):
    driver = retention_on
    driver.plugin_update(review_points=20, review_photo_bonus_points=10)
    customer, token = register(driver, "photo@example.com")
    buy_and_ship(driver, "photo@example.com", token=token)

    # when the buyer reviews with a photo uploaded the way Saleor's dashboard uploads images
    payload = create_with_files(driver, token, [("tea.png", png(), "image/png")])

    # then the photo is stored (re-encoded) and shown; the review is published and earns the
    # review points plus the photo bonus
    assert payload["errors"] == []
    review = payload["review"]
    assert review["status"] == "PUBLISHED" and review["points"] == 30
    [photo] = review["photos"]
    assert (photo["width"], photo["height"]) == (64, 48)
    assert photo["url"].startswith("http://") and photo["url"].endswith(".png")
    row = ReviewPhoto.objects.get()
    assert default_storage.exists(row.path) and default_storage.exists(row.thumbnail_path)
    assert review_rewards(customer) == [("review_reward", 30)]

    # staff see the photo in the moderation list
    nodes = driver.query(MODERATION, token=driver.staff_token())["reviewModerationQueue"]["edges"]
    assert nodes[0]["node"]["photos"][0]["contentType"] == "image/png"
    assert nodes[0]["node"]["photos"][0]["thumbnailUrl"].endswith("_thumb.png")

    # the withPhotos filter finds it
    page = driver.query(
        """query($id: ID!) { product(id: $id) {
            reviews(filter: {withPhotos: true}) { totalCount } } }""",
        {"id": gid("Product", driver.store.product_id)},
    )
    assert page["product"]["reviews"]["totalCount"] == 1

    # when staff remove it, the points go back
    driver.mutate(
        "reviewModerate",
        """mutation($id: ID!) { reviewModerate(id: $id, action: REMOVE) { errors { code } } }""",
        {"id": review["id"]},
        token=driver.staff_token(),
    )
    assert review_rewards(customer) == [("review_reward", 30), ("reversal", -30)]


def refused(driver, token, files):
    before, files_before = state(), stored_files()
    payload = create_with_files(driver, token, files)
    assert payload["review"] is None
    assert state() == before and stored_files() == files_before
    return [(error["code"], error["field"]) for error in payload["errors"]]


def test_non_images_oversized_files_and_decompression_bombs_are_refused(retention_on):
    driver = retention_on
    _c, token = register(driver, "badphoto@example.com")
    buy_and_ship(driver, "badphoto@example.com", token=token)

    # a script named like a photo
    script = ("tea.jpg", b"<script>alert(1)</script>", "image/jpeg")
    assert refused(driver, token, [script]) == [("BAD_IMAGE", "photos")]
    # a file over the byte limit (5 MB)
    oversized = ("big.png", png() + b"\0" * (5 * 1024 * 1024), "image/png")
    assert refused(driver, token, [oversized]) == [("BAD_IMAGE", "photos")]
    # a 30000 x 30000 PNG of a few hundred KB
    bomb = ("bomb.png", png_declaring(30000, 30000), "image/png")
    assert refused(driver, token, [bomb]) == [("BAD_IMAGE", "photos")]
    # one bad photo among good ones refuses the whole review, storing none of them
    good = ("ok.png", png(), "image/png")
    assert refused(driver, token, [good, script]) == [("BAD_IMAGE", "photos")]
    # more photos than allowed
    assert refused(driver, token, [good] * 6) == [("TOO_MANY_PHOTOS", "photos")]
    # a photo variable with no file part behind it
    before = state()
    body = driver.execute_multipart(
        CREATE,
        {
            "input": {
                "product": gid("Product", driver.store.product_id),
                "rating": 5,
                "photos": ["not-a-part"],
            }
        },
        {},
        token=token,
    )
    assert body["data"]["reviewCreate"]["errors"][0]["code"] == "BAD_IMAGE"
    assert state() == before


def test_erasing_the_author_keeps_photos_by_default_and_deletes_them_when_set(retention_on):
    driver = retention_on
    keep, keep_token = register(driver, "keep@example.com")
    drop, drop_token = register(driver, "drop@example.com")
    buy_and_ship(driver, "keep@example.com", token=keep_token)
    buy_and_ship(driver, "drop@example.com", token=drop_token)
    create_with_files(driver, keep_token, [("a.png", png(), "image/png")])

    # the default keeps the photos of a deleted customer's review
    driver.mutate(
        "customerDelete", CUSTOMER_DELETE, {"id": gid("User", keep)}, token=driver.staff_token()
    )
    assert ReviewPhoto.objects.count() == 1 and len(stored_files()) == 2

    # with reviews_erase_photos they go, rows and files
    driver.plugin_update(reviews_erase_photos=True)
    create_with_files(driver, drop_token, [("b.png", png(), "image/png")])
    mine = Review.objects.get(customer_id=drop)
    paths = list(ReviewPhoto.objects.filter(review=mine).values_list("path", flat=True))
    driver.mutate(
        "customerDelete", CUSTOMER_DELETE, {"id": gid("User", drop)}, token=driver.staff_token()
    )
    assert not ReviewPhoto.objects.filter(review=mine).exists()
    assert not default_storage.exists(paths[0])
    assert ReviewPhoto.objects.count() == 1 and len(stored_files()) == 2
