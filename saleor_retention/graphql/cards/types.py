"""Loyalty cards in GraphQL: programs and cards (types, enums), the staff queries
``loyaltyCardPrograms`` / ``loyaltyCards(filter)``, ``User.loyaltyCards`` and
``Fulfillment.loyaltyCards``."""

import graphene
from graphql_relay import to_global_id

from ...cards import selectors
from ...cards.models import CardKind, CardProgram, Eligibility, LoyaltyCard
from ...permissions import MANAGE_DISCOUNTS
from .. import saleor_types
from ..core import pagination
from ..core.access import as_pk, pk_from_global_id, require_permission, signed_in, signed_in_user
from ..core.types import choices_enum

LoyaltyCardKind = choices_enum(
    "LoyaltyCardKind",
    CardKind,
    description=(
        "PERCENTAGE: percentage off the order; FIXED: an amount off an order of at least the "
        "minimum spend; FREE_SHIPPING: the shipping is free; BONUS_POINTS: the order that uses "
        "the code earns value points."
    ),
)
LoyaltyCardEligibility = choices_enum(
    "LoyaltyCardEligibility",
    Eligibility,
    description=(
        "ANY: every order; FIRST_ORDER: the customer has no earlier paid order; REPEAT: the "
        "customer has at least minPaidOrders earlier paid orders; TIER: the customer's tier is "
        "one of eligibleTiers."
    ),
)
LoyaltyCardStatus = choices_enum(
    "LoyaltyCardStatus",
    LoyaltyCard.Status,
    description=(
        "ISSUED: in a parcel, usable; PRINTED: printed, usable; REDEEMED: used by an order; "
        "EXPIRED: past its end date; VOID: cancelled (its parcel or order was cancelled, or "
        "staff voided it)."
    ),
)


def is_staff_for_cards(user) -> bool:
    return signed_in(user) and user.has_perm(MANAGE_DISCOUNTS)


def require_staff(info) -> None:
    require_permission(info, MANAGE_DISCOUNTS)


class LoyaltyCardProgram(graphene.ObjectType):
    name = graphene.String(required=True)
    kind = LoyaltyCardKind(required=True)
    value = graphene.Float(
        required=True,
        description="Percent off, the amount off in the currency, or (BONUS_POINTS) the points "
        "the next order earns.",
    )
    currency = graphene.String(required=True)
    min_spend = graphene.Float(description="The least an order must cost to use the card.")
    validity_days = graphene.Int(required=True, description="Days a card is valid after issue.")
    eligibility = LoyaltyCardEligibility(required=True)
    min_paid_orders = graphene.Int(
        required=True, description="For REPEAT: earlier paid orders a customer needs."
    )
    eligible_tiers = graphene.List(
        graphene.NonNull(graphene.String),
        required=True,
        description="For TIER: the tiers whose customers may get the card.",
    )
    sample_rate = graphene.Float(
        required=True,
        description="Percent of eligible orders that get a card; the rest form "
        "the control group.",
    )
    priority = graphene.Int(required=True, description="Higher programs are decided first.")
    is_active = graphene.Boolean(required=True)
    active_from = saleor_types.DateTime()
    active_until = saleor_types.DateTime()
    template_name = graphene.String(required=True)
    cards_issued = graphene.Int(required=True)
    control_orders = graphene.Int(
        required=True, description="Eligible orders not drawn: the control group."
    )

    class Meta:
        interfaces = (graphene.relay.Node,)
        possible_types = (CardProgram,)

    @classmethod
    def get_node(cls, info, id):
        """``node(id:)``: staff who manage discounts, as ``loyaltyCardPrograms``."""
        pk = as_pk(id)
        if pk is None or not is_staff_for_cards(getattr(info.context, "user", None)):
            return None
        return selectors.programs().filter(pk=pk).first()

    @staticmethod
    def resolve_kind(root, info):
        return root.kind

    @staticmethod
    def resolve_eligibility(root, info):
        return root.eligibility

    @staticmethod
    def resolve_cards_issued(root, info):
        if hasattr(root, "issued_count"):  # annotated by selectors.programs()
            return root.issued_count
        return root.decisions.filter(outcome="issued").count()

    @staticmethod
    def resolve_control_orders(root, info):
        if hasattr(root, "control_count"):
            return root.control_count
        return root.decisions.filter(outcome="control").count()


class LoyaltyCardType(graphene.ObjectType):
    code = graphene.String(required=True, description="The voucher code to enter at checkout.")
    kind = LoyaltyCardKind(required=True)
    value = graphene.Float(required=True, description="Percent off, or the amount off.")
    currency = graphene.String(required=True)
    min_spend = graphene.Float(description="The least an order must cost to use the card.")
    issued_at = saleor_types.DateTime(required=True)
    expires_at = saleor_types.DateTime(required=True)
    status = LoyaltyCardStatus(required=True)
    program = graphene.Field(LoyaltyCardProgram, description="Staff only.")
    order_id = graphene.ID(description="The order whose parcel carries the card (staff only).")
    fulfillment_id = graphene.ID(description="The parcel (staff only).")
    redeemed_order_id = graphene.ID(description="The order that used the card (staff only).")
    pdf_url = graphene.String(
        description="A download link to this card's printable PDF, valid 15 minutes (staff only)."
    )

    class Meta:
        name = "LoyaltyCard"
        interfaces = (graphene.relay.Node,)
        possible_types = (LoyaltyCard,)

    @classmethod
    def get_node(cls, info, id):
        """``node(id:)``: the card's customer (as ``User.loyaltyCards``) or staff who manage
        discounts (as ``loyaltyCards``); null for anyone else."""
        pk = as_pk(id)
        viewer = signed_in_user(info)
        if pk is None or viewer is None:
            return None
        rows = selectors.cards().filter(pk=pk)
        if not is_staff_for_cards(viewer):
            rows = rows.filter(customer_id=str(viewer.pk))
        return rows.first()

    @staticmethod
    def resolve_pdf_url(root, info):
        if not is_staff_for_cards(info.context.user):
            return None
        from .mutations import card_download_url

        return card_download_url(info, [root.pk])

    @staticmethod
    def resolve_kind(root, info):
        return root.kind

    @staticmethod
    def resolve_status(root, info):
        return selectors.effective_status(root)

    @staticmethod
    def resolve_min_spend(root, info):
        return root.min_spend

    @staticmethod
    def resolve_program(root, info):
        return root.program if is_staff_for_cards(info.context.user) else None

    @staticmethod
    def resolve_order_id(root, info):
        return (
            to_global_id("Order", root.order_id) if is_staff_for_cards(info.context.user) else None
        )

    @staticmethod
    def resolve_fulfillment_id(root, info):
        if not is_staff_for_cards(info.context.user):
            return None
        return to_global_id("Fulfillment", root.fulfillment_id)

    @staticmethod
    def resolve_redeemed_order_id(root, info):
        if not root.redeemed_order_id or not is_staff_for_cards(info.context.user):
            return None
        return to_global_id("Order", root.redeemed_order_id)


class LoyaltyCardFilterInput(graphene.InputObjectType):
    status = graphene.List(graphene.NonNull(LoyaltyCardStatus), description="Any of these.")
    programs = graphene.List(graphene.NonNull(graphene.ID), description="Any of these programs.")


def card_connection():
    return pagination.connection_type(LoyaltyCardType)


def resolve_loyalty_card_programs(root, info, **page):
    require_staff(info)
    return pagination.paginate(
        selectors.programs(), pagination.connection_type(LoyaltyCardProgram), **page
    )


def resolve_loyalty_cards(root, info, filter=None, **page):
    require_staff(info)
    filter = filter or {}
    program_ids = None
    if filter.get("programs") is not None:
        program_ids = [
            pk_from_global_id(gid, "LoyaltyCardProgram") or "" for gid in filter["programs"]
        ]
    rows = selectors.cards(statuses=filter.get("status"), program_ids=program_ids)
    return pagination.paginate(rows, card_connection(), default_first=pagination.PAGE_LIMIT, **page)


def loyalty_card_programs_field() -> graphene.Field:
    return pagination.connection_field(
        LoyaltyCardProgram,
        description="Card programs, highest priority first (staff; MANAGE_DISCOUNTS).",
        resolver=resolve_loyalty_card_programs,
    )


def loyalty_cards_field() -> graphene.Field:
    return pagination.connection_field(
        LoyaltyCardType,
        filter=LoyaltyCardFilterInput(),
        description="Issued cards, newest first (staff; MANAGE_DISCOUNTS).",
        resolver=resolve_loyalty_cards,
    )


def resolve_user_loyalty_cards(root, info, **page):
    viewer = signed_in_user(info)
    if viewer is None or (viewer.pk != root.pk and not is_staff_for_cards(viewer)):
        return pagination.empty(card_connection())
    return pagination.paginate(selectors.cards(customer_id=str(root.pk)), card_connection(), **page)


def user_loyalty_cards_field() -> graphene.Field:
    return pagination.connection_field(
        LoyaltyCardType,
        description=(
            "Loyalty cards the customer received in parcels, newest first (the shopper's own, "
            "or for staff who manage discounts; else empty)."
        ),
        resolver=resolve_user_loyalty_cards,
    )


def resolve_fulfillment_loyalty_cards(root, info, **page):
    if not is_staff_for_cards(getattr(info.context, "user", None)):
        return pagination.empty(card_connection())
    rows = selectors.cards(fulfillment_id=str(root.pk))
    return pagination.paginate(rows, card_connection(), **page)


def fulfillment_loyalty_cards_field() -> graphene.Field:
    return pagination.connection_field(
        LoyaltyCardType,
        description="Cards put into this parcel (staff who manage discounts; else empty).",
        resolver=resolve_fulfillment_loyalty_cards,
    )
