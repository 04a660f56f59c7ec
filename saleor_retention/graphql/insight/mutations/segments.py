"""``customerSegmentSave`` / ``customerSegmentDelete``: saved rules over the customer files."""

from __future__ import annotations

import graphene

from ....insight import services
from ....permissions import MANAGE_USERS
from ...core.mutations import RetentionMutation
from ..filters import CustomerSegmentRulesInput
from ..types import CustomerSegment
from .ids import object_pk, staff_id


class CustomerSegmentSave(RetentionMutation):
    segment = graphene.Field(CustomerSegment)
    permissions = (MANAGE_USERS,)

    class Arguments:
        id = graphene.ID(description="The segment to change; leave out to create one.")
        name = graphene.String(description="Required when creating; unique.")
        rules = CustomerSegmentRulesInput(description="Replaces the rules when given.")

    class Meta:
        description = "Save a customer segment: a name and rules (MANAGE_USERS)."

    @classmethod
    def perform_mutation(cls, root, info, id=None, name=None, rules=None):
        segment = services.segment_save(
            segment_id=object_pk(id, "CustomerSegment") if id is not None else None,
            name=name,
            rules=dict(rules) if rules is not None else None,
            staff_user_id=staff_id(info),
        )
        return cls(segment=segment, errors=[])


class CustomerSegmentDelete(RetentionMutation):
    permissions = (MANAGE_USERS,)

    class Arguments:
        id = graphene.ID(required=True)

    class Meta:
        description = "Delete a customer segment (MANAGE_USERS)."

    @classmethod
    def perform_mutation(cls, root, info, id):
        services.segment_delete(
            segment_id=object_pk(id, "CustomerSegment"), staff_user_id=staff_id(info)
        )
        return cls(errors=[])
