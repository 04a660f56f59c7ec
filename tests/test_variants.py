"""Card kinds as strategy classes chosen by their stored name; policies as TextChoices whose
stored values are the strings saved before."""

from decimal import Decimal
from pathlib import Path

import pytest

from saleor_retention import conf
from saleor_retention.cards import kinds
from saleor_retention.cards.models import CardKind, LoyaltyCard
from saleor_retention.errors import RetentionError

TEMPLATES = Path(kinds.__file__).resolve().parents[1] / "templates" / "saleor_retention" / "cards"


def test_every_card_kind_has_its_class_and_its_design():
    assert set(kinds.KINDS) == set(CardKind.values)
    for kind in CardKind.values:
        assert kinds.strategy_for(kind).kind == kind
        assert (TEMPLATES / f"{kind}.html").exists()


@pytest.mark.parametrize(
    ("kind", "value", "terms"),
    [
        ("percentage", Decimal("15"), ("entire_order", "percentage", Decimal("15"))),
        ("fixed", Decimal("10"), ("entire_order", "fixed", Decimal("10"))),
        ("free_shipping", Decimal("100"), ("shipping", "percentage", Decimal("100"))),
        ("bonus_points", Decimal("300"), ("entire_order", "percentage", Decimal("0"))),
    ],
)
def test_each_kind_chooses_its_voucher_terms(kind, value, terms):
    strategy = kinds.strategy_for(kind)
    assert (
        strategy.voucher_applies_to,
        strategy.voucher_value_type,
        strategy.voucher_discount(value),
    ) == terms


@pytest.mark.parametrize(
    ("kind", "value", "message"),
    [
        ("percentage", Decimal("0"), "percentage"),
        ("percentage", Decimal("100.01"), "percentage"),
        ("fixed", Decimal("1000000.01"), "amount"),
        ("bonus_points", Decimal("1.5"), "whole number"),
    ],
)
def test_each_kind_refuses_a_value_it_cannot_have(kind, value, message):
    with pytest.raises(RetentionError) as caught:
        kinds.strategy_for(kind).clean_value(value)
    assert caught.value.field == "value" and message in str(caught.value)


def test_free_shipping_stores_a_hundred_percent_whatever_was_given():
    assert kinds.strategy_for("free_shipping").clean_value(Decimal("3")) == Decimal("100")


def test_only_a_fixed_amount_needs_a_minimum_spend_at_least_the_amount():
    fixed = kinds.strategy_for("fixed")
    with pytest.raises(RetentionError) as caught:
        fixed.check_min_spend(Decimal("10"), None)
    assert caught.value.field == "minSpend"
    with pytest.raises(RetentionError):
        fixed.check_min_spend(Decimal("10"), Decimal("9.99"))
    fixed.check_min_spend(Decimal("10"), Decimal("10"))
    kinds.strategy_for("percentage").check_min_spend(Decimal("10"), None)


@pytest.mark.parametrize(
    ("kind", "value", "headline"),
    [
        ("percentage", Decimal("12.50"), "12.5% off your next order"),
        ("fixed", Decimal("10"), "Save 10.00 USD on your next order"),
        ("free_shipping", Decimal("100"), "Free shipping on your next order"),
        ("bonus_points", Decimal("1500"), "1,500 bonus points on your next order"),
    ],
)
def test_each_kind_words_its_printed_offer(kind, value, headline):
    card = LoyaltyCard(kind=kind, value=value, currency="USD")
    assert kinds.strategy_for(kind).headline(card) == headline


def test_policies_are_choices_with_the_strings_stored_before():
    settings = conf.parse_configuration(
        [
            {"name": "negative_balance_policy", "value": "Clamp"},
            {"name": "tier_basis", "value": "spend"},
            {"name": "insight_business_kind", "value": "food"},
        ]
    )
    assert settings.negative_balance_policy is conf.NegativeBalancePolicy.CLAMP
    assert settings.negative_balance_policy == "clamp"  # the ledger's comparisons still hold
    assert settings.tier_basis is conf.TierBasis.SPEND
    assert settings.insight_business_kind is conf.BusinessKind.FOOD
    assert settings.churn_days == 30
    assert conf.NegativeBalancePolicy.values == ["negative", "clamp", "future"]
    assert set(conf.CHURN_PRESETS) == set(conf.BusinessKind.values)
