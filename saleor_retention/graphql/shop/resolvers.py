"""The resolver of ``Shop.retention``: the plugin's state, read once."""

from ... import conf
from .types import RetentionCurrencyRate, RetentionShopSettings


def resolve_shop_retention(root, info):
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
