import graphene

from ... import conf


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

    @staticmethod
    def from_state() -> "RetentionShopSettings":
        active, settings = conf.load_state()
        return RetentionShopSettings(
            plugin_active=active,
            points_per_currency_unit=[
                RetentionCurrencyRate(currency=currency, points=float(rate))
                for currency, rate in sorted(settings.points_per_currency_unit.items())
            ],
            signup_bonus=settings.signup_bonus,
            pending_days=settings.pending_days,
        )


def resolve_shop_retention(root, info):
    return RetentionShopSettings.from_state()


def shop_retention_field() -> graphene.Field:
    return graphene.Field(
        RetentionShopSettings,
        required=True,
        description="The store's retention programme: what shoppers earn and when.",
        resolver=resolve_shop_retention,
    )
