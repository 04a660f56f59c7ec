"""The ledger's object types: the account (``User.loyalty``), its history entries and tiers,
an order's and a checkout's points, a campaign and a referral. Inputs are in filters.py and
sorters.py, the root and Saleor-type resolvers in resolvers.py, the fields in schema.py."""

import graphene
from django.utils.translation import gettext as _
from prices import Money as Price

from ... import saleor_adapter as saleor
from ...ledger import selectors
from ...ledger.models import EntryType, LedgerEntry
from ...permissions import MANAGE_ORDERS
from ...referrals import services as referrals
from ...tiers import services as tiers
from .. import saleor_types
from ..core import pagination
from ..core.access import as_pk, has_permission, may_see_customer_id, signed_in_user
from ..core.context import retention_settings
from ..saleor_types import Money, Order
from .dataloaders import with_orders
from .enums import LoyaltyCampaignStatus, LoyaltyEntryType, LoyaltyReferralStatus
from .filters import LoyaltyEntryFilterInput, filter_entries
from .sorters import LOYALTY_ENTRY_SORT_FIELDS, LoyaltyEntrySortingInput


class LoyaltyExpiringPoints(graphene.ObjectType):
    points = graphene.Int(required=True)
    expires_at = saleor_types.Date(required=True, description="The day (UTC) these points expire.")


class LoyaltyEntry(graphene.ObjectType):
    type = LoyaltyEntryType(required=True)
    points = graphene.Int(required=True, description="Signed change of the customer's points.")
    reason = graphene.String(required=True)
    created_at = saleor_types.DateTime(required=True)
    order_id = graphene.ID(description="The Saleor order this entry comes from, if any.")
    order = graphene.Field(
        lambda: Order, description="That order (its owner and staff who manage orders see it)."
    )

    class Meta:
        interfaces = (graphene.relay.Node,)
        possible_types = (LedgerEntry,)

    @classmethod
    def get_node(cls, info, id):
        """``node(id:)``: the same rule as ``User.loyalty`` (the shopper's own, or staff who
        manage users)."""
        pk = as_pk(id)
        entry = LedgerEntry.objects.select_related("account").filter(pk=pk).first() if pk else None
        if entry is None or not may_see_customer_id(info, entry.account.customer_id):
            return None
        with_orders([entry])
        return entry

    @staticmethod
    def resolve_type(root, info):
        return root.type

    @staticmethod
    def resolve_reason(root, info):
        if root.type == EntryType.EARN:
            return _("Order #%(number)s") % {"number": root.details.get("order_number", "")}
        # system reasons are English message ids; staff reasons come back as written
        return _(root.reason) if root.reason else str(EntryType(root.type).label)

    @staticmethod
    def resolve_order(root, info):
        if not root.order_id:
            return None
        # loaded for the whole page at once by LoyaltyAccount.resolve_entries
        order = getattr(root, "saleor_order", None)
        if order is None:
            return None
        user = signed_in_user(info)
        is_own = user is not None and saleor.order_customer_id(order) == str(user.pk)
        if is_own or has_permission(info, MANAGE_ORDERS):
            return saleor_types.as_order(order)
        return None

    @staticmethod
    def resolve_order_id(root, info):
        if not root.order_id:
            return None
        from graphql_relay import to_global_id

        return to_global_id("Order", root.order_id)


class LoyaltyTier(graphene.ObjectType):
    name = graphene.String(required=True)
    threshold = graphene.Float(
        required=True, description="Points, or money in the tier currency, that reach the tier."
    )
    multiplier = graphene.Float(required=True, description="Earning multiplier of the tier.")

    @staticmethod
    def of(tier):
        if tier is None:
            return None
        return LoyaltyTier(
            name=tier.name, threshold=float(tier.threshold), multiplier=float(tier.multiplier)
        )


class LoyaltyAccount(graphene.ObjectType):
    points = graphene.Int(required=True, description="Points the customer can spend now.")
    pending_points = graphene.Int(
        required=True, description="Earned points still in the return window."
    )
    held_points = graphene.Int(required=True, description="Points set aside on a checkout.")
    lifetime_points = graphene.Int(required=True, description="All points ever credited.")
    expiring_points = graphene.List(
        graphene.NonNull(LoyaltyExpiringPoints),
        required=True,
        description="Spendable points by expiry date, soonest first.",
    )
    tier = graphene.Field(LoyaltyTier, description="The tier held now; null below the first.")
    next_tier = graphene.Field(LoyaltyTier, description="The next tier up, if any.")
    spend_to_next_tier = graphene.Field(
        Money, description="About how much more to spend to reach the next tier."
    )
    tier_downgrade_at = saleor_types.DateTime(
        description="When the tier will be lowered unless the customer qualifies again."
    )
    referral_code = graphene.String(
        description="The code a friend gives to earn both of them the referral bonus."
    )
    entries = pagination.connection_field(
        LoyaltyEntry,
        filter=LoyaltyEntryFilterInput(),
        sort_by=LoyaltyEntrySortingInput(description="Default: newest first."),
        resolver=lambda root, info, **arguments: root.resolve_entries(info, **arguments),
        description="History, newest first.",
    )

    def __init__(self, account, info, customer_id):
        super().__init__()
        self._account = account
        self._customer_id = customer_id
        self._info = info
        self._standing = None

    @property
    def _settings(self):
        # read only by the fields that need them (tiers, a negative balance's policy)
        return retention_settings(self._info)

    def _tier_standing(self):
        if self._standing is None:
            self._standing = tiers.standing(self._account, self._settings)
        return self._standing

    def resolve_referral_code(self, info):
        return referrals.referral_code_for(self._customer_id)

    def resolve_tier(self, info):
        return LoyaltyTier.of(self._tier_standing().tier)

    def resolve_next_tier(self, info):
        return LoyaltyTier.of(self._tier_standing().next_tier)

    def resolve_spend_to_next_tier(self, info):
        money = tiers.money_to_next(self._tier_standing(), self._settings)
        return Price(*money) if money else None

    def resolve_tier_downgrade_at(self, info):
        return self._tier_standing().downgrade_due_at

    def resolve_points(self, info):
        points = selectors.spendable_points(self._account)
        if points >= 0:
            return points  # the negative-balance policy only changes a balance below zero
        return selectors.spendable_points(
            self._account, policy=self._settings.negative_balance_policy
        )

    def resolve_pending_points(self, info):
        return self._account.pending_points if self._account else 0

    def resolve_held_points(self, info):
        return self._account.held_points if self._account else 0

    def resolve_lifetime_points(self, info):
        return self._account.lifetime_points if self._account else 0

    def resolve_expiring_points(self, info):
        return selectors.expiring_points(self._account)

    def resolve_entries(self, info, filter=None, sort_by=None, **page):
        rows = filter_entries(selectors.entries(self._account), filter)
        return pagination.paginate(
            pagination.sorted_by(rows, sort_by, LOYALTY_ENTRY_SORT_FIELDS),
            pagination.connection_type(LoyaltyEntry),
            on_page=with_orders,
            **page,
        )


class LoyaltyOrderPoints(graphene.ObjectType):
    points_earned = graphene.Int(required=True, description="Points the order earned.")
    points_pending = graphene.Int(required=True, description="Of those, still pending.")
    points_redeemed = graphene.Int(
        required=True, description="Points spent on the order, net of any given back."
    )
    points_reversed = graphene.Int(
        required=True, description="Earned points taken back (refunds, cancellation)."
    )


class LoyaltyCheckout(graphene.ObjectType):
    points_to_earn = graphene.Int(
        required=True, description="Estimated points this checkout earns once paid."
    )
    redeemable_points = graphene.Int(
        required=True,
        description="The most points the shopper can apply to this checkout now.",
    )
    applied_points = graphene.Int(required=True, description="Points applied to this checkout.")
    applied_discount = graphene.Field(
        Money, required=True, description="What the applied points take off the checkout."
    )
    value_per_point = graphene.Field(Money, description="What one point is worth here.")


class LoyaltyCampaign(graphene.ObjectType):
    key = graphene.String(required=True, description="The campaign key given when created.")
    points = graphene.Int(required=True, description="Points each customer receives.")
    reason = graphene.String(required=True, description="Shown to customers in their history.")
    status = LoyaltyCampaignStatus(required=True)
    matched_customers = graphene.Int(
        required=True, description="Customers the audience matched when the campaign was created."
    )
    credited_customers = graphene.Int(required=True, description="Customers credited so far.")
    created_at = saleor_types.DateTime(required=True)
    finished_at = saleor_types.DateTime(description="When every customer had been credited.")

    @staticmethod
    def resolve_status(root, info):
        return root.status


class LoyaltyReferral(graphene.ObjectType):
    code = graphene.String(required=True, description="The referral code that was given.")
    status = LoyaltyReferralStatus(required=True)
    created_at = saleor_types.DateTime(required=True)

    @staticmethod
    def resolve_status(root, info):
        return root.status
