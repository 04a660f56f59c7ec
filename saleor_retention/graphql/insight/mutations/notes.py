"""``customerNoteAdd`` / ``customerNoteDelete``: staff notes on a customer's file."""

from __future__ import annotations

import graphene

from ....insight import services
from ....permissions import MANAGE_USERS
from ...core.mutations import RetentionMutation
from ..types import CustomerNote
from .ids import customer_pk, object_pk, staff_id


class CustomerNoteAdd(RetentionMutation):
    note = graphene.Field(CustomerNote)
    permissions = (MANAGE_USERS,)

    class Arguments:
        customer_id = graphene.ID(required=True)
        body = graphene.String(required=True)

    class Meta:
        description = "Add a staff note to a customer's file (MANAGE_USERS)."

    @classmethod
    def perform_mutation(cls, root, info, customer_id, body):
        note = services.note_add(
            customer_id=customer_pk(customer_id), body=body, staff_user_id=staff_id(info)
        )
        return cls(note=note, errors=[])


class CustomerNoteDelete(RetentionMutation):
    permissions = (MANAGE_USERS,)

    class Arguments:
        id = graphene.ID(required=True)

    class Meta:
        description = "Delete a staff note (MANAGE_USERS)."

    @classmethod
    def perform_mutation(cls, root, info, id):
        services.note_delete(note_id=object_pk(id, "CustomerNote"), staff_user_id=staff_id(info))
        return cls(errors=[])
