"""Saleor's GraphQL types the plugin extends; the one place that knows where they live."""

from saleor.graphql.account.types import User  # noqa: F401
from saleor.graphql.checkout.types import Checkout  # noqa: F401
from saleor.graphql.core.scalars import Decimal  # noqa: F401
from saleor.graphql.core.types import Money, Upload  # noqa: F401
from saleor.graphql.order.types import Fulfillment, Order  # noqa: F401
from saleor.graphql.product.types import Product  # noqa: F401
from saleor.graphql.shop.types import Shop  # noqa: F401
