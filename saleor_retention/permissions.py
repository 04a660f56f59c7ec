"""Saleor's permission names the plugin checks, in one place for the GraphQL layer and the
services alike (the plugin defines no permissions of its own: each domain is guarded by the Saleor
permission of the staff who already manage that part of the store)."""

MANAGE_USERS = "account.manage_users"  # loyalty points, campaigns, insight
MANAGE_ORDERS = "order.manage_orders"  # an order linked from a ledger entry
MANAGE_PRODUCTS = "product.manage_products"  # review moderation and requests
MANAGE_PAGES = "page.manage_pages"  # forum boards and moderation
MANAGE_DISCOUNTS = "discount.manage_discounts"  # loyalty card programs and printing
MANAGE_PLUGINS = "plugins.manage_plugins"  # the message outbox
