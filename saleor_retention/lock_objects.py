"""Every row lock of the ledger and its sibling domains (bonuses, earning, redemption, referrals,
tiers), so that no two paths can take the same rows in opposite orders.

The one order, which every transaction follows (it may skip kinds, never go back up):

1. a sibling domain's own row that decides which accounts are touched: a campaign, a birthday,
   a referral;
2. loyalty accounts, by primary key;
3. point holds, by primary key;
4. point lots, by primary key.

Within a kind, several rows are always locked in one statement ordered by primary key. Nothing
outside this module calls ``select_for_update`` on these models (``tests/test_project.py``).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet

from .bonuses.models import CustomerBirthday, LoyaltyCampaign
from .ledger.models import LoyaltyAccount, PointHold, PointLot
from .referrals.models import Referral

# --- 1. sibling domains' rows ------------------------------------------------------------------


def campaign(campaign_id: int) -> LoyaltyCampaign:
    return LoyaltyCampaign.objects.select_for_update().get(pk=campaign_id)


def campaigns_listing(customer_id: str) -> list[LoyaltyCampaign]:
    """The campaigns whose list of customers names ``customer_id``."""
    return list(
        LoyaltyCampaign.objects.select_for_update()
        .filter(audience__customer_ids__contains=[str(customer_id)])
        .order_by("pk")
    )


def birthdays() -> QuerySet[CustomerBirthday]:
    """Birthday rows, locked when read (``get_or_create`` on it locks the row it finds)."""
    return CustomerBirthday.objects.select_for_update()


def referral_of_referee(customer_id: str) -> Referral | None:
    """The referral that brought the customer, with both accounts read but not locked (they are
    locked next, through ``accounts``)."""
    return (
        Referral.objects.select_for_update(of=("self",))
        .select_related("referrer", "referee")
        .filter(referee__customer_id=customer_id)
        .first()
    )


def referral_rewarded_for(order_id: str) -> Referral | None:
    return Referral.objects.select_for_update().filter(qualifying_order_id=str(order_id)).first()


# --- 2. accounts -------------------------------------------------------------------------------


def account(account_id: int) -> LoyaltyAccount:
    return LoyaltyAccount.objects.select_for_update().get(pk=account_id)


def account_of_customer(customer_id: str) -> LoyaltyAccount | None:
    return LoyaltyAccount.objects.select_for_update().filter(customer_id=customer_id).first()


def accounts(account_ids: Iterable[int]) -> list[LoyaltyAccount]:
    return list(
        LoyaltyAccount.objects.select_for_update()
        .filter(pk__in=sorted(set(account_ids)))
        .order_by("pk")
    )


# --- 3. holds ----------------------------------------------------------------------------------


def hold(hold_id: int) -> PointHold:
    return PointHold.objects.select_for_update().get(pk=hold_id)


# --- 4. lots -----------------------------------------------------------------------------------


def lot(lot_id: int) -> PointLot:
    return PointLot.objects.select_for_update().get(pk=lot_id)


def lots_with_points(account_id: int) -> list[PointLot]:
    """The account's lots that still hold points, in primary-key order."""
    return list(
        PointLot.objects.select_for_update()
        .filter(account_id=account_id, remaining__gt=0)
        .order_by("pk")
    )


def lots(lot_ids: Iterable[int]) -> dict[int, PointLot]:
    rows = PointLot.objects.select_for_update().filter(pk__in=sorted(set(lot_ids))).order_by("pk")
    return {row.pk: row for row in rows}
