"""Saleor's table names, quoted, for the SQL the adapter hands out (``insight``)."""

from __future__ import annotations


def db_table(app_model: str) -> str:
    """``"order.Order"`` -> ``"order_order"``, as the running Saleor names it."""
    from django.apps import apps
    from django.db import connection

    return connection.ops.quote_name(apps.get_model(app_model)._meta.db_table)
