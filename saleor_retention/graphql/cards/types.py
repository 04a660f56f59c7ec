"""Loyalty cards in GraphQL: the object types (programs, cards, a program's report). The lists'
inputs are in filters.py and sorters.py, the resolvers in resolvers.py, the fields in schema.py.

Staff holding Saleor's ``MANAGE_DISCOUNTS`` manage programs and see every card; a shopper sees
her own cards, without their program and parcel."""

import graphene
from graphql_relay import to_global_id

from ...cards import selectors
from ...cards.models import CardProgram, LoyaltyCard
from ...permissions import MANAGE_DISCOUNTS
from .. import saleor_types
from ..core.access import as_pk, has_permission, require_permission, signed_in_user
from ..saleor_types import Money
from .downloads import card_download_url
from .enums import LoyaltyCardEligibility, LoyaltyCardKind, LoyaltyCardStatus


def is_staff_for_cards(info) -> bool:
    """Staff, or an app, holding MANAGE_DISCOUNTS."""
    return has_permission(info, MANAGE_DISCOUNTS)


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
        if pk is None or not is_staff_for_cards(info):
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
        if pk is None:
            return None
        rows = selectors.cards().filter(pk=pk)
        if is_staff_for_cards(info):
            return rows.first()
        viewer = signed_in_user(info)
        return rows.filter(customer_id=str(viewer.pk)).first() if viewer is not None else None

    @staticmethod
    def resolve_pdf_url(root, info):
        if not is_staff_for_cards(info):
            return None
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
        return root.program if is_staff_for_cards(info) else None

    @staticmethod
    def resolve_order_id(root, info):
        return to_global_id("Order", root.order_id) if is_staff_for_cards(info) else None

    @staticmethod
    def resolve_fulfillment_id(root, info):
        if not is_staff_for_cards(info):
            return None
        return to_global_id("Fulfillment", root.fulfillment_id)

    @staticmethod
    def resolve_redeemed_order_id(root, info):
        if not root.redeemed_order_id or not is_staff_for_cards(info):
            return None
        return to_global_id("Order", root.redeemed_order_id)


class LoyaltyCardGroupResult(graphene.ObjectType):
    customers = graphene.Int(required=True, description="Decisions with a known customer.")
    reordered = graphene.Int(
        required=True, description="Of those, customers with another paid order in the window."
    )
    share = graphene.Float(description="reordered / customers; null for an empty group.")


class LoyaltyCardProgramReport(graphene.ObjectType):
    cards_issued = graphene.Int(required=True)
    cards_redeemed = graphene.Int(required=True)
    redemption_rate = graphene.Float(description="Redeemed / issued; null when none issued.")
    redeeming_revenue = graphene.Field(
        Money, required=True, description="Total of the orders that used the cards."
    )
    treatment = graphene.Field(
        LoyaltyCardGroupResult, required=True, description="Orders drawn to get a card."
    )
    control = graphene.Field(
        LoyaltyCardGroupResult, required=True, description="Eligible orders not drawn."
    )
    difference = graphene.Float(description="Treatment share minus control share.")
    difference_ci_low = graphene.Float(description="95% confidence interval, lower bound.")
    difference_ci_high = graphene.Float(description="95% confidence interval, upper bound.")
