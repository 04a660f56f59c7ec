"""Batch loaders (Saleor 2.10's per-request ``DataLoader``): a category page asking every product
for its ``reviewSummary`` (or ``reviewJsonLd``) reads all the ratings (and latest reviews) in one
query."""

from saleor.graphql.core.dataloaders import DataLoader

from ...reviews import selectors
from ...reviews.models import ProductRating


class ProductRatingByProductIdLoader(DataLoader):
    context_key = "retention_product_rating_by_product_id"

    def batch_load(self, keys):
        # a product without reviews has no stored row: an empty one in its place (average null,
        # count 0), so the resolvers take the loaded value as it is, with no callback per product
        ratings = selectors.ratings_for(keys)
        return [ratings.get(str(key)) or ProductRating(product_id=str(key)) for key in keys]


class LatestReviewsByProductIdLoader(DataLoader):
    """The newest published reviews of each product, for its JSON-LD."""

    context_key = "retention_latest_reviews_by_product_id"
    limit = 10

    def batch_load(self, keys):
        found = selectors.latest_published(keys, self.limit)
        return [found.get(str(key), []) for key in keys]
