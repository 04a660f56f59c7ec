"""Points at checkout: ``Checkout.loyalty`` and the apply / remove mutations."""

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import graphene
from django.utils.translation import gettext as _
from graphql_relay import from_global_id
from prices import Money as Price

from ... import saleor_adapter as saleor
from ...earning import services as earning
from ...errors import RetentionError, RetentionErrorCode
from ...ledger import selectors
from ...redemption import services as redemption
from .. import saleor_types
from ..core.context import retention_settings
from ..core.mutations import RetentionMutation
from ..saleor_types import Checkout, Money


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


def resolve_checkout_loyalty(root, info):
    settings = retention_settings(info)
    facts = saleor.checkout_facts(root)
    account = selectors.account_for_customer(facts.customer_id) if facts.customer_id else None
    quote = redemption.quote(facts, account, settings)
    rate = settings.rate_for(facts.currency)
    shipping = Decimal("0") if settings.earn_on_shipping else facts.shipping_gross
    earn_base = facts.total_gross - shipping
    points_to_earn = (
        earning.points_for(max(earn_base, Decimal("0")), rate) if rate and facts.customer_id else 0
    )
    value = quote.value_per_point
    return LoyaltyCheckout(
        points_to_earn=points_to_earn,
        redeemable_points=quote.max_points,
        applied_points=quote.applied_points,
        applied_discount=Price(quote.applied_amount, facts.currency),
        value_per_point=Price(value, facts.currency) if value is not None else None,
    )


def checkout_loyalty_field() -> graphene.Field:
    return graphene.Field(
        LoyaltyCheckout,
        required=True,
        description="Points on this checkout: to earn, redeemable and applied.",
        resolver=resolve_checkout_loyalty,
    )


CHECKOUT_ID = "The checkout's ID, as Saleor's own checkout mutations take it."
CHECKOUT_TOKEN = (
    "DEPRECATED: use checkoutId. The checkout's token, accepted for a while for clients written "
    "before checkoutId (give one of the two)."
)


def checkout_token_from(checkout_id: str | None, checkout_token: Any) -> str:
    """The checkout's token from ``checkoutId`` (Saleor 2.10: the Checkout global id of its
    token) or the deprecated ``checkoutToken``; a typed refusal for neither, both (when they
    differ) or an id of something else."""
    if checkout_id is None and checkout_token is None:
        raise RetentionError(
            _("Give the checkout's ID."), code=RetentionErrorCode.REQUIRED, field="checkoutId"
        )
    token = None
    if checkout_id is not None:
        try:
            kind, raw = from_global_id(checkout_id)
            token = str(uuid.UUID(raw)) if kind == "Checkout" else None
        except Exception:  # noqa: BLE001 - any malformed id is just "not a checkout id"
            token = None
        if token is None:
            raise RetentionError(
                _("%(id)s is not a checkout ID.") % {"id": checkout_id},
                code=RetentionErrorCode.INVALID,
                field="checkoutId",
            )
    if checkout_token is not None:
        if token is not None and token != str(checkout_token):
            raise RetentionError(
                _("checkoutId and checkoutToken name different checkouts; give one."),
                code=RetentionErrorCode.INVALID,
                field="checkoutToken",
            )
        token = str(checkout_token)
    assert token is not None
    return token


@contextmanager
def named_as_given(checkout_id: str | None) -> Iterator[None]:
    """The domain names the checkout ``checkoutToken``; a caller who gave ``checkoutId`` reads
    its errors under that name."""
    try:
        yield
    except RetentionError as error:
        if checkout_id is not None and error.field == "checkoutToken":
            error.field = "checkoutId"
        raise


def _checkout_for(info, checkout_id, checkout_token):
    user = getattr(info.context, "user", None)
    if not user or not user.is_authenticated:  # 3.x: a lazy None for anonymous callers
        raise RetentionError(
            _("Sign in to use your points."), code=RetentionErrorCode.NOT_SIGNED_IN, field=None
        )
    token = checkout_token_from(checkout_id, checkout_token)
    checkout = saleor.get_checkout(token)
    if checkout is None:
        raise RetentionError(
            _("No checkout with this ID."),
            code=RetentionErrorCode.NOT_FOUND,
            field="checkoutId" if checkout_id is not None else "checkoutToken",
        )
    return user, checkout


class LoyaltyPointsApply(RetentionMutation):
    """Apply points to the signed-in shopper's checkout (replaces points applied before)."""

    checkout = graphene.Field(Checkout, description="The checkout, with its new total.")

    class Arguments:
        checkout_id = graphene.ID(description=CHECKOUT_ID)
        checkout_token = saleor_types.UUID(description=CHECKOUT_TOKEN)
        points = graphene.Int(required=True)

    class Meta:
        description = "Apply loyalty points to a checkout as a discount."

    @classmethod
    def perform_mutation(cls, root, info, points, checkout_id=None, checkout_token=None):
        user, checkout = _checkout_for(info, checkout_id, checkout_token)
        with named_as_given(checkout_id):
            redemption.apply_points(
                customer_id=str(user.pk),
                checkout=saleor.checkout_facts(checkout),
                points=points,
                settings=retention_settings(info),
            )
        checkout.refresh_from_db()
        return cls(checkout=saleor_types.as_checkout(checkout), errors=[])


class LoyaltyPointsRemove(RetentionMutation):
    """Take the points off the checkout; they can be spent again at once."""

    checkout = graphene.Field(Checkout)

    class Arguments:
        checkout_id = graphene.ID(description=CHECKOUT_ID)
        checkout_token = saleor_types.UUID(description=CHECKOUT_TOKEN)

    class Meta:
        description = "Remove loyalty points from a checkout."

    @classmethod
    def perform_mutation(cls, root, info, checkout_id=None, checkout_token=None):
        user, checkout = _checkout_for(info, checkout_id, checkout_token)
        with named_as_given(checkout_id):
            redemption.remove_points(
                customer_id=str(user.pk),
                checkout=saleor.checkout_facts(checkout),
                settings=retention_settings(info),
            )
        checkout.refresh_from_db()
        return cls(checkout=saleor_types.as_checkout(checkout), errors=[])
