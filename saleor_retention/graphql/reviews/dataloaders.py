"""Batch loaders (Saleor 2.10's per-request ``DataLoader``): a category page asking every product
for its ``reviewSummary`` reads all the ratings in one query."""

from saleor.graphql.core.dataloaders import DataLoader

from ...reviews import selectors


class ProductRatingByProductIdLoader(DataLoader):
    context_key = "retention_product_rating_by_product_id"

    def batch_load(self, keys):
        ratings = selectors.ratings_for(keys)
        return [ratings.get(str(key)) for key in keys]
