"""Batch loads of the ledger fields: a page of history entries reads its Saleor orders in one
query, and every ``User.loyaltyBirthday`` / ``User.loyaltyReferralCode`` of one request is one
query (Saleor 2.10's per-request ``DataLoader``)."""

from saleor.graphql.core.dataloaders import DataLoader

from ... import saleor_adapter as saleor
from ...bonuses import services as bonuses
from ...referrals import services as referrals
from ..core.context import request_settings


def with_orders(rows) -> None:
    """Load the Saleor orders of a page of entries in one query."""
    orders = saleor.orders_by_id([row.order_id for row in rows])
    for row in rows:
        row.saleor_order = orders.get(row.order_id)


class BirthdayByCustomerIdLoader(DataLoader):
    """Every ``User.loyaltyBirthday`` of one request in one query."""

    context_key = "retention_birthday_by_customer_id"

    def batch_load(self, keys):
        found = bonuses.birthdays_of(keys)
        return [found.get(str(key)) for key in keys]


class ReferralCodeByCustomerIdLoader(DataLoader):
    """Every ``User.loyaltyReferralCode`` of one request: the settings and the codes in one query
    each, plus one insert per customer reading theirs for the first time."""

    context_key = "retention_referral_code_by_customer_id"

    def batch_load(self, keys):
        if not referrals.referrals_on(request_settings(self.context)):
            return [None for _key in keys]
        codes = referrals.referral_codes_for(keys)
        return [codes[str(key)] for key in keys]
