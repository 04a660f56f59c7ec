"""The store's retention programme as a shopper sees it (``Shop.retention``)."""

import graphene


class RetentionCurrencyRate(graphene.ObjectType):
    currency = graphene.String(required=True, description="ISO 4217 currency code.")
    points = graphene.Float(required=True, description="Points earned per unit of the currency.")


class RetentionShopSettings(graphene.ObjectType):
    plugin_active = graphene.Boolean(
        required=True, description="Whether the retention plugin is switched on."
    )
    points_per_currency_unit = graphene.List(
        graphene.NonNull(RetentionCurrencyRate),
        required=True,
        description="Points earned per currency unit, per currency.",
    )
    signup_bonus = graphene.Int(required=True, description="Points given once on sign-up.")
    pending_days = graphene.Int(
        required=True, description="Days earned points stay pending before they can be spent."
    )
