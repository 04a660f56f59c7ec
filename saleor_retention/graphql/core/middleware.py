"""How Saleor 2.10's per-field GraphQL middlewares run on the plugin's endpoint.

Saleor 2.10 lists three middlewares (tracing, JWT, app) in ``GRAPHENE["MIDDLEWARE"]``, and
graphql-core runs them around every resolved field. Handed a plain list, graphql-core wraps
every field's value in a Promise: on a page of a few hundred fields the wrapping alone costs
more than the fields. ``FieldMiddleware`` runs the same middlewares in the same order, without
the wrapping (a resolver's own Promise, a DataLoader's, is still awaited by the executor), and
leaves out the fields that graphene resolves by reading an attribute:

- Saleor's tracing middleware already opens no span for them (``saleor.core.tracing``);
- the JWT and app middlewares only put the user and the app on the request, once: a field read
  off its parent runs after the field that returned the parent, which ran them (a root field
  read off the root value, which Saleor's view leaves None, returns None and needs neither).

A resolver marked with ``skips_field_middleware`` is left out too: a nested field that only
hands out its item of a per-request batch (``Product.reviewSummary`` and ``reviewJsonLd``, 100
of them on a category page) reads neither the user nor the app, is never a root field (so the
JWT and app middlewares already ran for the request), and its span would time the creation of a
Promise, not the read, which the batch does once.

Django builds the view, and Saleor's view its middleware instances, once per request (graphql_jwt
keeps per-request state in its instance), so the manager is built per request too, as before; it
keeps each resolver's chain for the rest of the request. Saleor 3.x runs no per-field middleware
by default (``GRAPHQL_MIDDLEWARE = []``), so there this manager has nothing to do.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from graphene.types import resolver as graphene_resolvers
from graphql.execution.middleware import MiddlewareManager, middleware_chain

_ATTRIBUTE_READERS = {
    graphene_resolvers.dict_or_attr_resolver,
    graphene_resolvers.attr_resolver,
    graphene_resolvers.dict_resolver,
}


_SKIPS_FIELD_MIDDLEWARE = "_retention_skips_field_middleware"


def skips_field_middleware(resolver: Any) -> Any:
    """Mark a nested field's resolver that reads neither the user nor the app and is too small
    to trace on its own (see above)."""
    setattr(resolver, _SKIPS_FIELD_MIDDLEWARE, True)
    return resolver


def reads_an_attribute(resolver: Any) -> bool:
    """Whether the resolver is graphene's default (``partial(default, attname, default)``)."""
    while isinstance(resolver, partial):
        resolver = resolver.func
    return resolver in _ATTRIBUTE_READERS or resolver is graphene_resolvers.get_default_resolver()


def needs_no_middleware(resolver: Any) -> bool:
    return reads_an_attribute(resolver) or getattr(resolver, _SKIPS_FIELD_MIDDLEWARE, False)


class FieldMiddleware(MiddlewareManager):
    def __init__(self, *middlewares: Any) -> None:
        super().__init__(*middlewares, wrap_in_promise=False)

    def get_field_resolver(self, field_resolver: Any) -> Any:
        # asked once per resolved field: the decision is kept with the chain, per resolver
        resolver = self._cached_resolvers.get(field_resolver)
        if resolver is None:
            if needs_no_middleware(field_resolver):
                resolver = field_resolver
            else:
                resolver = middleware_chain(
                    field_resolver, self._middleware_resolvers, wrap_in_promise=False
                )
            self._cached_resolvers[field_resolver] = resolver
        return resolver
