"""Batch loaders (Saleor 2.10's per-request ``DataLoader``): a category page asking every product
for its ``reviewSummary`` (or ``reviewJsonLd``) reads all the ratings (and latest reviews) in one
query."""

from saleor.graphql.core.dataloaders import DataLoader

from ...reviews import selectors
from ...reviews.models import ProductRating
from . import seen

# at most this many ratings in one read of a page's products (a query that loads thousands of
# products reads the ones noted last, those it is resolving, in reads of this size)
RATINGS_PER_READ = 500


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


def rating_of(context, product_id: str):
    """The product's stored rating: at once while the plugin's view notes the products a query
    loads (``seen.py``), else through the DataLoader (a Promise)."""
    page = seen.current()
    if page is None:
        return ProductRatingByProductIdLoader(context).load(product_id)
    rating = page.ratings.get(product_id)
    if rating is None:
        waiting = [key for key in page.ids if key not in page.ratings and key != product_id]
        batch = [product_id, *waiting[-(RATINGS_PER_READ - 1) :]]
        found = selectors.ratings_for(batch)
        for key in batch:
            page.ratings[key] = found.get(key) or ProductRating(product_id=key)
        rating = page.ratings[product_id]
    return rating
