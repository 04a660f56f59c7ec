"""Saleor's table names, quoted, for the SQL the adapter hands out (``insight``).

The models are named abstractly here (what the plugin calls them -> Saleor's ``app.Model``),
so SQL outside the adapter (the bench's generator) never spells a Saleor table itself."""

from __future__ import annotations

CUSTOMER = "account.User"
ORDER = "order.Order"
ORDER_LINE = "order.OrderLine"
PAYMENT = "payment.Payment"
PRODUCT_VARIANT = "product.ProductVariant"


def db_table(app_model: str) -> str:
    """``"order.Order"`` -> ``"order_order"``, as the running Saleor names it."""
    from django.apps import apps
    from django.db import connection

    return connection.ops.quote_name(apps.get_model(app_model)._meta.db_table)
