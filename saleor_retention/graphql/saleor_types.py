"""Saleor's GraphQL pieces the plugin builds on; the one place that knows where they live and how
they differ between Saleor lines.

- Scalars: Saleor 3.x defines its own ``DateTime``, ``Date``, ``JSONString`` and ``UUID``; a
  second graphene scalar of the same name would clash in the schema, so the plugin uses Saleor's
  where it has one, graphene's otherwise (2.10).
- Roots: Saleor 3.x hands its types' resolvers wrapped objects (``ChannelContext`` for products,
  ``SyncWebhookControlContext`` for orders and checkouts); ``unwrap`` takes the model out, and the
  ``as_*`` functions wrap a model the way Saleor's own type expects to receive it.
- The schema and the view: 2.10 builds with ``graphene_federation``, 3.x with its own
  ``build_federated_schema``, and 3.x's ``GraphQLView`` needs Saleor's ``backend``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import graphene
from saleor.graphql.account.types import User  # noqa: F401
from saleor.graphql.checkout.types import Checkout  # noqa: F401
from saleor.graphql.core import scalars as _saleor_scalars
from saleor.graphql.core.scalars import Decimal  # noqa: F401
from saleor.graphql.core.types import Money, Upload  # noqa: F401
from saleor.graphql.order.types import Fulfillment, Order  # noqa: F401
from saleor.graphql.product.types import Product  # noqa: F401
from saleor.graphql.shop.types import Shop  # noqa: F401

try:  # Saleor 3.x
    from saleor.graphql.core.fields import JSONString as _SaleorJSONString
except ImportError:  # Saleor 2.10
    _SaleorJSONString = None

DateTime: Any = getattr(_saleor_scalars, "DateTime", graphene.DateTime)
Date: Any = getattr(_saleor_scalars, "Date", graphene.Date)
UUID: Any = getattr(_saleor_scalars, "UUID", graphene.UUID)
JSONString: Any = _SaleorJSONString or graphene.JSONString

try:  # Saleor 3.x
    from saleor.graphql.channel import ChannelContext as _ChannelContext
    from saleor.graphql.core.context import BaseContext as _BaseContext
    from saleor.graphql.core.context import (
        SyncWebhookControlContext as _SyncWebhookControlContext,
    )
except ImportError:  # Saleor 2.10: resolvers receive the models themselves
    _BaseContext = _ChannelContext = _SyncWebhookControlContext = None

WRAPS_ROOTS = _BaseContext is not None  # whether resolvers may receive a wrapper, not the model


def unwrap(root: Any) -> Any:
    """The Saleor model behind a resolver's root."""
    while _BaseContext is not None and isinstance(root, _BaseContext):
        root = root.node
    return root


def as_product(product: Any, channel_slug: str | None = None) -> Any:
    if product is None or _ChannelContext is None:
        return product
    return _ChannelContext(node=product, channel_slug=channel_slug)


def as_checkout(checkout: Any) -> Any:
    if checkout is None or _SyncWebhookControlContext is None:
        return checkout
    return _SyncWebhookControlContext(node=checkout)


as_order = as_checkout  # 3.x wraps orders the same way


def saleor_schema() -> Any:
    """Saleor's own schema object, as Saleor's endpoint serves it (both lines)."""
    from saleor.graphql.api import schema

    return schema


def build_schema(query: type, mutation: type) -> Any:
    """Saleor's schema built the way Saleor builds it, from ``query`` and ``mutation``."""
    try:  # Saleor 3.x
        import graphql
        from saleor.graphql.api import Subscription
        from saleor.graphql.core.enums import unit_enums
        from saleor.graphql.core.federation.schema import build_federated_schema
        from saleor.graphql.webhook.subscription_types import WEBHOOK_TYPES_MAP
    except ImportError:  # Saleor 2.10
        from graphene_federation import build_schema as build_federated_2_10

        return build_federated_2_10(query, mutation=mutation)
    return build_federated_schema(
        query,
        mutation,
        types=unit_enums + list(WEBHOOK_TYPES_MAP.values()),
        subscription=Subscription,
        directives=graphql.specified_directives,
    )


def graphql_view_kwargs() -> dict[str, Any]:
    """What Saleor's ``GraphQLView`` needs besides the schema: a backend that parses and
    validates each query text once. 3.x has its own (and its view needs it); on 2.10, whose
    view parses and validates every request, the plugin's (``core/documents.py``)."""
    try:
        from saleor.graphql.api import backend
    except ImportError:  # Saleor 2.10
        from .core.documents import CachedDocumentsBackend

        return {"backend": CachedDocumentsBackend()}
    return {"backend": backend}


# --- errors and permissions in the running Saleor's conventions --------------------------------

try:  # Saleor 3.x: every mutation error type extends its ``Error`` (field, message)
    from saleor.graphql.core.types.common import Error as ErrorBase
except ImportError:  # Saleor 2.10: the plugin's own type, as before
    ErrorBase = graphene.ObjectType


def _permission_enums(permissions: Iterable[str]) -> list[Any] | None:
    """Saleor 3.x's permission enums (``saleor.permission.enums``) for Django permission names
    ("account.manage_users" -> ``AccountPermissions.MANAGE_USERS``); None on 2.10, which has none.
    The names are the enums' values, so the plugin's modules keep naming them as strings."""
    try:
        from saleor.permission.enums import get_permissions_enum_dict
    except ImportError:  # Saleor 2.10
        return None
    by_value = {enum.value: enum for enum in get_permissions_enum_dict().values()}
    return [by_value[name] for name in permissions]


def requesting_app(context: Any) -> Any | None:
    """The active app whose token signed the request (Saleor's ``request.app`` on both lines, a
    lazy object there), else None."""
    app = getattr(context, "app", None)
    return app if app and app.is_active else None


def requestor_has_one_of(context: Any, permissions: Iterable[str]) -> bool:
    """Whether the requestor holds one of ``permissions``: as Saleor decides it
    (``get_user_or_app_from_context``), an app when an app's token signed the request, else the
    signed-in, active user; on Saleor 3.x through its own check with its enums."""
    permissions = tuple(permissions)
    if not permissions:
        return True
    requestor = requesting_app(context)
    if requestor is None:
        user = getattr(context, "user", None)
        if not (user and user.is_authenticated and user.is_active):
            return False
        requestor = user
    enums = _permission_enums(permissions)
    if enums is None:  # Saleor 2.10: users and apps both answer has_perm("app_label.codename")
        return any(requestor.has_perm(p) for p in permissions)
    from saleor.permission.utils import has_one_of_permissions

    return bool(has_one_of_permissions(requestor, enums))


def permissions_note(permissions: Iterable[str]) -> str:
    """Saleor 3.x's line under a guarded field's description ("Requires one of the following
    permissions: MANAGE_USERS."); nothing on 2.10, whose schema stays as it was."""
    enums = _permission_enums(tuple(permissions))
    if not enums:
        return ""
    from saleor.permission.utils import message_one_of_permissions_required

    return str(message_one_of_permissions_required(enums))
