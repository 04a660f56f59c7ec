"""Review reads a storefront makes on every page view: a category page of 100 products with their
ratings (and the same page without them, for the cost of the ratings alone), and a product page
of reviews sorted by helpfulness from a product with many reviews."""

from __future__ import annotations

import dataclasses
import statistics
import time
from decimal import Decimal

CATEGORY_PRODUCTS = 100
PRODUCT_REVIEWS = 500
SECONDS_PER_MEASURE = 8.0
MAX_REQUESTS = 400
REVIEWS_TARGET = 1.10  # the rated page's median at most this multiple of the plain page's
PAIR_BLOCK = 10  # plain and rated pages alternate in blocks of this many requests

PLAIN_PAGE = """query($first: Int!) { products(first: $first) { edges { node { id name
  pricing { priceRange { start { gross { amount } } } } } } } }"""
RATED_PAGE = """query($first: Int!) { products(first: $first) { edges { node { id name
  pricing { priceRange { start { gross { amount } } } }
  reviewSummary { averageRating count } } } } }"""
# The stars histogram: 5 objects of 2 fields per product, 1,000 more resolved fields on the page.
HISTOGRAM_PAGE = RATED_PAGE.replace(
    "averageRating count", "averageRating count distribution { rating count }"
)
# As many resolved fields per product as reviewSummary { averageRating count } (3), all of them
# Saleor's own scalars of Product that read nothing more: what Saleor's executor charges for the
# fields alone before the plugin reads anything.
SAME_SHAPE_PAGE = PLAIN_PAGE.replace("id name", "id name slug seoTitle updatedAt")
HISTOGRAM_FIELDS = 5 * 3  # the list field's 5 items, each an object with 2 scalar fields
REVIEWS_PAGE = """query($id: ID!) { product(id: $id) { reviewSummary { averageRating count }
  reviews(first: 10, sortBy: {field: HELPFUL_COUNT, direction: DESC}) { totalCount edges { node { id rating title body
  authorName helpfulCount photos { thumbnailUrl } } } } } }"""


@dataclasses.dataclass(frozen=True)
class Measure:
    samples: list[float]
    queries: int
    # the bench process's CPU time per request (Django, Saleor's view and executor, the plugin;
    # not PostgreSQL's), where measured: the machine's load moves it far less than wall time
    cpu: list[float] = dataclasses.field(default_factory=list)

    @property
    def cpu_median_ms(self) -> float:
        return statistics.median(self.cpu) * 1000 if self.cpu else float("nan")

    @property
    def median_ms(self) -> float:
        return statistics.median(self.samples) * 1000

    @property
    def p95_ms(self) -> float:
        return statistics.quantiles(self.samples, n=20, method="inclusive")[18] * 1000

    @property
    def per_second(self) -> float:
        return len(self.samples) / sum(self.samples)


@dataclasses.dataclass(frozen=True)
class ReviewsResult:
    plain: Measure
    rated: Measure
    same_shape: Measure  # the plain page plus 3 of Saleor's own fields per product
    histogram: Measure
    reviews: Measure
    products: int
    reviews_on_product: int

    @property
    def ratio(self) -> float:
        """The rated page's median over the plain page's, measured interleaved."""
        return self.rated.median_ms / self.plain.median_ms

    @property
    def met(self) -> bool:
        return self.ratio <= REVIEWS_TARGET

    @property
    def same_shape_ratio(self) -> float:
        """The rated page's median over the same-shape page's (shown, not judged)."""
        return self.rated.median_ms / self.same_shape.median_ms


def _seed(run_id: str) -> str:
    """100 products of the store's category, each with 3 imported reviews (through the reviews
    service, so the rating aggregates move as in production); one of them with 500."""
    from saleor.product.models import Product

    from saleor_retention import conf
    from saleor_retention.reviews import services

    settings = conf.load_settings()
    template = Product.objects.order_by("pk").first()
    assert template is not None, "the bench store has no product"
    busy = ""
    for n in range(CATEGORY_PRODUCTS):
        product = Product.objects.create(
            name=f"Bench tea {run_id} {n}",
            slug=f"bench-tea-{run_id}-{n}",
            product_type=template.product_type,
            category=template.category,
            price_amount=Decimal("10"),
            minimal_variant_price_amount=Decimal("10"),
            currency="USD",
            is_published=True,
        )
        count = PRODUCT_REVIEWS if n == 0 else 3
        for i in range(count):
            services.review_import(
                product_id=str(product.pk),
                rating=1 + (i * 7 + n) % 5,
                author_name=f"Reader {i}",
                title=f"Review {i}",
                body="Brewed it three times; the second steep was the best.",
                staff_user_id="bench",
                settings=settings,
            )
        busy = busy or str(product.pk)
    return busy


def _count_queries(action) -> int:
    """Statements the action sent, counted at the cursor (whatever DEBUG and the query log say)."""
    from django.db import connection

    sent: list[str] = []

    def count(execute, sql, params, many, context):
        sent.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        action()
    return len(sent)


def _measure(driver, query: str, variables: dict) -> Measure:
    import gc

    queries = _count_queries(lambda: driver.query(query, variables))
    for _ in range(10):  # warm-up
        driver.query(query, variables)
    gc.collect()  # earlier parts (a 1,000-page PDF) leave a large heap to collect mid-measure
    samples: list[float] = []
    start = time.perf_counter()
    while time.perf_counter() - start < SECONDS_PER_MEASURE and len(samples) < MAX_REQUESTS:
        began = time.perf_counter()
        driver.query(query, variables)
        samples.append(time.perf_counter() - began)
    return Measure(samples, queries)


def _measure_alternating(driver, queries: tuple[str, ...], variables: dict) -> list[Measure]:
    """Pages measured in alternating blocks, so a ratio of their medians is not skewed by the
    machine's load drifting between separate runs."""
    import gc

    counts = [_count_queries(lambda q=q: driver.query(q, variables)) for q in queries]
    for _ in range(10):  # warm-up
        for query in queries:
            driver.query(query, variables)
    gc.collect()
    samples: list[list[float]] = [[] for _ in queries]
    cpu: list[list[float]] = [[] for _ in queries]
    start = time.perf_counter()
    while time.perf_counter() - start < len(queries) * SECONDS_PER_MEASURE and (
        len(samples[0]) < MAX_REQUESTS
    ):
        for query, timings, cpu_times in zip(queries, samples, cpu, strict=True):
            for _ in range(PAIR_BLOCK):
                cpu_began, began = time.process_time(), time.perf_counter()
                driver.query(query, variables)
                timings.append(time.perf_counter() - began)
                cpu_times.append(time.process_time() - cpu_began)
    return [Measure(*measured) for measured in zip(samples, counts, cpu, strict=True)]


def bench_reviews(driver, run_id: str) -> ReviewsResult:
    from saleor_retention_site.driver import gid

    busy = _seed(run_id)
    page = {"first": CATEGORY_PRODUCTS}
    data = driver.query(RATED_PAGE, page)["products"]["edges"]
    if len(data) != CATEGORY_PRODUCTS:
        raise AssertionError(f"the page has {len(data)} products, not {CATEGORY_PRODUCTS}")
    product = driver.query(REVIEWS_PAGE, {"id": gid("Product", busy)})["product"]
    if (
        product["reviews"]["totalCount"] != PRODUCT_REVIEWS
        or len(product["reviews"]["edges"]) != 10
    ):
        raise AssertionError(f"the product page answered {product['reviews']['totalCount']}")
    plain, rated, same_shape = _measure_alternating(
        driver, (PLAIN_PAGE, RATED_PAGE, SAME_SHAPE_PAGE), page
    )
    return ReviewsResult(
        plain=plain,
        rated=rated,
        same_shape=same_shape,
        histogram=_measure(driver, HISTOGRAM_PAGE, page),
        reviews=_measure(driver, REVIEWS_PAGE, {"id": gid("Product", busy)}),
        products=CATEGORY_PRODUCTS,
        reviews_on_product=PRODUCT_REVIEWS,
    )
