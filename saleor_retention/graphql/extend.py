"""Adding retention fields to Saleor's own GraphQL types.

Saleor builds its schema from graphene classes and offers plugins no way to add fields. graphene 2
reads a type's ``_meta.fields`` when a schema is built, so fields put there before our schema is
built appear on Saleor's types (``Shop.retention``, ``User.loyalty``, ...). Saleor's own schema
object, built earlier at import, is left as it was. This module is the only place that does it;
the schema snapshot test tells when a Saleor or graphene upgrade stops it working.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import graphene

from . import saleor_types
from .saleor_types import unwrap

_EXTENSIONS: list[tuple[type[graphene.ObjectType], str, Callable[[], graphene.Field]]] = []


def extend_type(
    saleor_type: type[graphene.ObjectType], name: str, make_field: Callable[[], graphene.Field]
) -> None:
    """Declare a field to add to ``saleor_type`` when the retention schema is built."""
    _EXTENSIONS.append((saleor_type, name, make_field))


def apply_extensions() -> None:
    for saleor_type, name, make_field in _EXTENSIONS:
        fields = saleor_type._meta.fields
        if name in fields and getattr(fields[name], "_retention", False):
            continue  # already applied (the schema module was imported again)
        if name in fields:
            raise RuntimeError(f"Saleor's {saleor_type.__name__} already has a field {name!r}")
        field = make_field()
        if field.resolver is not None and saleor_types.WRAPS_ROOTS:
            field.resolver = _on_the_model(field.resolver)
        field._retention = True
        fields[name] = field


def _on_the_model(resolver: Callable[..., Any]) -> Callable[..., Any]:
    """Our resolvers read the Saleor model; Saleor 3.x hands its types' fields a wrapper (2.10
    hands the model itself, so there the resolver is kept as it is: one call less per field)."""

    @functools.wraps(resolver)
    def resolve(root: Any, info: Any, **kwargs: Any) -> Any:
        return resolver(unwrap(root), info, **kwargs)

    return resolve
