"""``node(id:)`` for the retention types.

Saleor 2.10 has no ``node`` root field, and its types' default ``get_node`` checks no
permission (``node(id: "Order:…")`` would show any order to anyone). So this field resolves only
the types registered here, each through its own ``get_node``, which applies the same rule as the
direct fields; any other id (Saleor's types included) is null.
"""

from __future__ import annotations

from typing import Any

import graphene
from graphql_relay import from_global_id

_NODE_TYPES: dict[str, Any] = {}


def register_node(graphene_type: Any) -> Any:
    """Let ``node(id:)`` fetch ``graphene_type`` (which implements Node and has ``get_node``)."""
    _NODE_TYPES[graphene_type._meta.name] = graphene_type
    return graphene_type


def resolve_node(root: Any, info: Any, id: str) -> Any:
    try:
        type_name, pk = from_global_id(id)
    except Exception:  # noqa: BLE001 - a malformed id names nothing
        return None
    graphene_type = _NODE_TYPES.get(type_name)
    if graphene_type is None:
        return None
    return graphene_type.get_node(info, pk)  # its Meta.possible_types names the model


def node_field() -> graphene.Field:
    return graphene.Field(
        graphene.relay.Node,
        id=graphene.ID(required=True, description="The ID of the object."),
        description=(
            "A retention object by its ID (Review, ReviewRequest, ForumBoard, ForumTopic, "
            "ForumPost, LoyaltyCard, LoyaltyCardProgram, LoyaltyEntry, CustomerFile, CustomerNote, "
            "CustomerContact, CustomerSegment, RetentionAuditEvent), null when the caller may "
            "not see it through the direct fields either."
        ),
        resolver=resolve_node,
    )
