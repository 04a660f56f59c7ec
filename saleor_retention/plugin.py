"""The Saleor plugin: a thin adapter from Saleor's hooks to the plugin's intake services.

Each hook checks ``self.active``, hands the Saleor object to one intake function (which records
the business event and queues its task after commit) and returns ``previous_value`` untouched.
Hooks accept ``**kwargs`` because Saleor 3.x passes extra keywords (``webhooks=``,
``notify_customer=``). Nothing a hook does may fail the shopper's checkout or the staff mutation
that called it: ``_guarded`` runs the work in a savepoint, logs any error and records it as a
failed event that ``manage.py retention_retry_events`` can redo.
"""

from __future__ import annotations

import contextlib
import functools
import logging
from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from saleor.plugins.base_plugin import BasePlugin

from . import conf, events, saleor_adapter
from .audit import services as audit
from .inbox import intake
from .inbox.services import record_hook_failure
from .redemption import services as redemption
from .saleor_adapter import object_ref, writer_allowed

logger = logging.getLogger(__name__)


def _guarded(kind: str, *, writes: bool = True) -> Callable:
    """``writes``: the hook touches the database inside Saleor's transaction, so it runs in a
    savepoint (an SQL error must not abort Saleor's transaction). A hook that only schedules
    work after commit needs none, and saves Saleor two round trips."""

    def decorate(hook: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(hook)
        def run(self, obj, previous_value=None, **kwargs):
            if not self.active:
                return previous_value
            try:
                with transaction.atomic() if writes else contextlib.nullcontext():
                    hook(self, obj, previous_value, **kwargs)
            except Exception as exc:  # noqa: BLE001 - the one place allowed: never fail Saleor
                logger.exception("retention: %s hook failed; recorded for retry", kind)
                _record_failure(kind, obj, exc)
            return previous_value

        return run

    return decorate


def _record_failure(kind: str, obj: Any, exc: Exception) -> None:
    try:
        with transaction.atomic():
            object_type, object_id = object_ref(obj)
            record_hook_failure(
                kind=kind,
                object_type=object_type,
                object_id=object_id,
                error=f"{type(exc).__name__}: {exc}",
            )
    except Exception:  # noqa: BLE001 - the log above already holds the original error
        logger.exception("retention: could not record the failure of %s", kind)


def _setting_values(items: Any) -> dict[str, Any]:
    return {item.get("name"): item.get("value") for item in items or ()}


class RetentionPlugin(BasePlugin):
    PLUGIN_ID = conf.PLUGIN_ID
    PLUGIN_NAME = "Customer retention"
    PLUGIN_DESCRIPTION = _(
        "Points, loyalty cards in parcels, reviews, customer insight and messaging "
        "that bring customers back."
    )
    # One configuration for the whole store: on Saleor 3.x a per-channel plugin does not receive
    # customer_created (it is dispatched without a channel). Per-currency values live inside it.
    CONFIGURATION_PER_CHANNEL = False
    DEFAULT_ACTIVE = conf.DEFAULT_ACTIVE
    CONFIG_STRUCTURE = conf.config_structure()
    DEFAULT_CONFIGURATION = conf.FreshCopy(conf.default_configuration)

    @classmethod
    def validate_plugin_configuration(cls, plugin_configuration: Any, **kwargs: Any) -> None:
        """Refuse a bad value given through ``pluginUpdate``; Saleor then saves nothing."""
        from saleor.plugins.error_codes import PluginErrorCode

        try:
            conf.parse_configuration(plugin_configuration.configuration)
        except conf.ConfigurationError as exc:
            raise ValidationError(
                {
                    name: ValidationError(message, code=PluginErrorCode.INVALID.value)
                    for name, message in exc.errors.items()
                }
            ) from None

    @classmethod
    def save_plugin_configuration(cls, plugin_configuration: Any, cleaned_data: Any) -> Any:
        """Saleor updates only the settings already stored in the plugin's row, so on a store
        that upgraded the plugin a setting added since its first save could never be set (the
        value was dropped without a word). The missing settings join the row with their
        defaults first; the ones stored keep their values."""
        stored = list(plugin_configuration.configuration or [])
        names = {item.get("name") for item in stored}
        stored += [item for item in conf.default_configuration() if item["name"] not in names]
        plugin_configuration.configuration = stored
        # Saleor edits the stored dicts in place: the values before are copied first.
        before = _setting_values(stored)
        active_before = bool(plugin_configuration.active)
        with transaction.atomic():  # the settings and their audit event commit together
            saved = super().save_plugin_configuration(plugin_configuration, cleaned_data)
            actor = audit.acting_user()
            events.settings_changed_event(
                staff_user_id=actor.pk if actor is not None else None,
                plugin_id=cls.PLUGIN_ID,
                changes=events.settings_changes(
                    before, _setting_values(saved.configuration), cls.CONFIG_STRUCTURE
                ),
                active_before=active_before,
                active_after=bool(saved.active),
            )
        conf.forget_loaded()  # the rest of this request reads the new values
        return saved

    # --- hooks ----------------------------------------------------------------------------

    @_guarded(intake.CUSTOMER_CREATED)
    def customer_created(self, customer, previous_value, **kwargs):
        intake.customer_created(customer)

    @_guarded(intake.ORDER_CREATED)
    def order_created(self, order, previous_value, **kwargs):
        intake.order_seen(order, created=True)

    @_guarded(intake.ORDER_PAID)
    def order_fully_paid(self, order, previous_value, **kwargs):
        intake.order_paid(order)

    @_guarded(intake.ORDER_PAID)
    def order_paid(self, order, previous_value, **kwargs):  # Saleor 3.x: any charge
        intake.order_seen(order)

    @_guarded("order_updated", writes=False)
    def order_updated(self, order, previous_value, **kwargs):
        # Saleor 2.10 reports refunds only through order_updated: look once it has committed.
        intake.scan_after_commit(order)

    @_guarded(intake.ORDER_REFUNDED)
    def order_refunded(self, order, previous_value, **kwargs):  # Saleor 3.x
        intake.order_seen(order)

    @_guarded(intake.ORDER_REFUNDED)
    def order_fully_refunded(self, order, previous_value, **kwargs):  # Saleor 3.x
        intake.order_seen(order)

    @_guarded(intake.ORDER_CANCELLED)
    def order_cancelled(self, order, previous_value, **kwargs):
        intake.order_cancelled(order)

    @_guarded(intake.ORDER_FULFILLED)
    def order_fulfilled(self, order, previous_value, **kwargs):
        intake.order_fulfilled(order)

    @_guarded(intake.FULFILLMENT_CREATED)
    def fulfillment_created(self, fulfillment, previous_value, **kwargs):
        intake.fulfillment_created(fulfillment)

    # --- points at checkout -------------------------------------------------------------------
    # The fit (a points card kept on its own checkout and within the cap) runs where Saleor tells
    # a plugin that a checkout changed, which differs per line (``saleor_adapter`` says which):
    # - Saleor 3.x calls ``checkout_updated`` after every checkout mutation (lines, promo codes,
    #   customer, delivery, addresses, e-mail, ...), once it has committed; its
    #   ``calculate_checkout_total`` reaches plugins only on a channel whose taxes a plugin
    #   computes (never on FLAT_RATES), so there it returns at once and costs nothing.
    # - Saleor 2.10 has no ``checkout_updated`` and tells a plugin nothing when a promo code is
    #   added or a line deleted, but it computes the total before every place the total counts
    #   (the storefront's totalPrice, checkoutPaymentCreate, checkoutComplete's payment check and
    #   its order data): the fit runs there.
    # A checkout without a points card costs at most the read of its gift card codes, with no
    # savepoint and no settings read. Only a points card opens a savepoint, on the writer (Saleor
    # 3's allow_writer(): on 2.10 the total hook may run on a read query's path).
    # Positional arguments stay open: 3.x passes (checkout_info, lines, address, discounts).
    # ``checkout_created`` needs nothing: a new checkout carries no gift card.

    def checkout_updated(self, checkout, previous_value=None, **kwargs):  # Saleor 3.x
        if self.active:
            self._fit_points(checkout)
        return previous_value

    def calculate_checkout_total(self, checkout, *args, previous_value=None, **kwargs):
        if saleor_adapter.CHECKOUT_CHANGES_REACH_CHECKOUT_UPDATED or not self.active:
            return previous_value
        self._fit_points(checkout)
        return previous_value

    @staticmethod
    def _fit_points(checkout: Any) -> None:
        try:
            codes = redemption.points_codes_to_fit(checkout)
            if codes:
                with writer_allowed(), transaction.atomic():
                    redemption.fit_points_to_checkout(checkout, conf.load_settings(), codes=codes)
        except Exception:  # noqa: BLE001 - never fail Saleor; checkoutComplete re-checks
            logger.exception("retention: fitting points to a checkout failed")

    def preprocess_order_creation(self, checkout, *args, previous_value=None, **kwargs):
        """The one hook that may stop Saleor: a points card on a checkout it was not made for,
        or worth more than the cap, refuses checkoutComplete with a typed error (its
        transaction rolls back). Any other failure here lets the order through: the order's
        settlement still spends only what the owner's own order used."""
        if not self.active:
            return previous_value
        try:
            codes = redemption.points_codes_at_completion(checkout)
            if not codes:
                return previous_value
            refusal = redemption.points_cards_refusal(checkout, conf.load_settings(), codes=codes)
        except Exception:  # noqa: BLE001 - never fail Saleor for a fault of ours
            logger.exception("retention: checking points cards before an order failed")
            return previous_value
        if refusal is not None:
            from saleor.checkout.error_codes import CheckoutErrorCode

            raise ValidationError(
                {
                    "promo_code": ValidationError(
                        refusal.message, code=CheckoutErrorCode.INVALID.value
                    )
                }
            )
        return previous_value
