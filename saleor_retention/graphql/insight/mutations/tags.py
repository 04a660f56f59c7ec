"""``customerTagAdd`` / ``customerTagRemove``: tags on a customer's file."""

from __future__ import annotations

import graphene

from ....insight import services
from ....permissions import MANAGE_USERS
from ...core.mutations import RetentionMutation
from .ids import customer_pk, staff_id


class CustomerTagAdd(RetentionMutation):
    tags = graphene.List(graphene.NonNull(graphene.String), description="Her tags now.")
    permissions = (MANAGE_USERS,)

    class Arguments:
        customer_id = graphene.ID(required=True)
        tag = graphene.String(required=True, description="Stored in lower case; 50 at most.")

    class Meta:
        description = "Tag a customer; adding a tag she has changes nothing (MANAGE_USERS)."

    @classmethod
    def perform_mutation(cls, root, info, customer_id, tag):
        pk = customer_pk(customer_id)
        services.tag_add(customer_id=pk, tag=tag, staff_user_id=staff_id(info))
        return cls(tags=_tags(pk), errors=[])


class CustomerTagRemove(RetentionMutation):
    tags = graphene.List(graphene.NonNull(graphene.String), description="Her tags now.")
    permissions = (MANAGE_USERS,)

    class Arguments:
        customer_id = graphene.ID(required=True)
        tag = graphene.String(required=True)

    class Meta:
        description = "Remove a tag from a customer (MANAGE_USERS)."

    @classmethod
    def perform_mutation(cls, root, info, customer_id, tag):
        pk = customer_pk(customer_id)
        services.tag_remove(customer_id=pk, tag=tag, staff_user_id=staff_id(info))
        return cls(tags=_tags(pk), errors=[])


def _tags(customer_pk: str) -> list[str]:
    from ....insight.models import CustomerTag

    return sorted(CustomerTag.objects.filter(customer_id=customer_pk).values_list("tag", flat=True))
