"""``customerContactLog``: what staff sent or said to a customer, when, and the answer."""

from __future__ import annotations

import graphene

from ....insight import services
from ....permissions import MANAGE_USERS
from ... import saleor_types
from ...core.mutations import RetentionMutation
from ..types import CustomerContact, CustomerContactChannel
from .ids import customer_pk, staff_id


class CustomerContactLog(RetentionMutation):
    contact = graphene.Field(CustomerContact)
    permissions = (MANAGE_USERS,)

    class Arguments:
        customer_id = graphene.ID(required=True)
        channel = CustomerContactChannel(required=True)
        summary = graphene.String(required=True, description="What was sent or said.")
        response = graphene.String(description="Her answer, if any.")
        contacted_at = saleor_types.DateTime(description="When; default now. Not in the future.")

    class Meta:
        description = "Record a contact with a customer in her contact log (MANAGE_USERS)."

    @classmethod
    def perform_mutation(
        cls, root, info, customer_id, channel, summary, response=None, contacted_at=None
    ):
        entry = services.contact_log(
            customer_id=customer_pk(customer_id),
            channel=getattr(channel, "value", channel),
            summary=summary,
            response=response,
            contacted_at=contacted_at,
            staff_user_id=staff_id(info),
        )
        return cls(contact=entry, errors=[])
