"""Batch loaders (Saleor 2.10's per-request ``DataLoader``): a category page asking every product
for its ``reviewSummary`` (or ``reviewJsonLd``) reads all the ratings (and latest reviews) in one
query."""

from saleor.graphql.core.dataloaders import DataLoader

from ...reviews import selectors


class ProductRatingByProductIdLoader(DataLoader):
    context_key = "retention_product_rating_by_product_id"

    def batch_load(self, keys):
        # a product without reviews has no stored row: the empty summary in its place (average
        # null, count 0), so the resolvers take the loaded value as it is
        ratings = selectors.ratings_for(keys)
        return [ratings.get(str(key), selectors.NO_RATING) for key in keys]


class LatestReviewsByProductIdLoader(DataLoader):
    """The newest published reviews of each product, for its JSON-LD."""

    context_key = "retention_latest_reviews_by_product_id"
    limit = 10

    def batch_load(self, keys):
        found = selectors.latest_published(keys, self.limit)
        return [found.get(str(key), []) for key in keys]
