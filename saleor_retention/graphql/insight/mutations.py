"""Staff mutations on customer files and segments (MANAGE_USERS); domain refusals come back as
the typed ``errors`` list and change nothing."""

from __future__ import annotations

import graphene
from django.utils.translation import gettext as _

from ...errors import RetentionError, RetentionErrorCode
from ...insight import services
from ...permissions import MANAGE_USERS
from .. import saleor_types
from ..core.access import pk_from_global_id
from ..core.mutations import RetentionMutation
from .filters import CustomerSegmentRulesInput
from .types import (
    CustomerContact,
    CustomerContactChannel,
    CustomerNote,
    CustomerSegment,
)


def _customer_pk(global_id: str) -> str:
    pk = pk_from_global_id(global_id, "User")
    if pk is None:
        raise RetentionError(
            _("No such customer."), code=RetentionErrorCode.NOT_FOUND, field="customerId"
        )
    return pk


def _pk(global_id: str, type_name: str, field: str = "id") -> str:
    pk = pk_from_global_id(global_id, type_name)
    if pk is None or not pk.isdigit():
        raise RetentionError(_("Not found."), code=RetentionErrorCode.NOT_FOUND, field=field)
    return pk


def _staff(info) -> str:
    return str(info.context.user.pk)


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
            customer_id=_customer_pk(customer_id), body=body, staff_user_id=_staff(info)
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
        services.note_delete(note_id=_pk(id, "CustomerNote"), staff_user_id=_staff(info))
        return cls(errors=[])


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
        pk = _customer_pk(customer_id)
        services.tag_add(customer_id=pk, tag=tag, staff_user_id=_staff(info))
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
        pk = _customer_pk(customer_id)
        services.tag_remove(customer_id=pk, tag=tag, staff_user_id=_staff(info))
        return cls(tags=_tags(pk), errors=[])


def _tags(customer_pk: str) -> list[str]:
    from ...insight.models import CustomerTag

    return sorted(CustomerTag.objects.filter(customer_id=customer_pk).values_list("tag", flat=True))


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
            customer_id=_customer_pk(customer_id),
            channel=getattr(channel, "value", channel),
            summary=summary,
            response=response,
            contacted_at=contacted_at,
            staff_user_id=_staff(info),
        )
        return cls(contact=entry, errors=[])


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
            segment_id=_pk(id, "CustomerSegment") if id is not None else None,
            name=name,
            rules=dict(rules) if rules is not None else None,
            staff_user_id=_staff(info),
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
        services.segment_delete(segment_id=_pk(id, "CustomerSegment"), staff_user_id=_staff(info))
        return cls(errors=[])
