"""Reads of tiers for GraphQL and other domains."""

from __future__ import annotations

from .models import AccountTier


def tier_name_for(customer_id: str | None) -> str:
    """The tier the customer's account holds now ("" for none or no account)."""
    if not customer_id:
        return ""
    row = AccountTier.objects.filter(account__customer_id=customer_id).only("name").first()
    return row.name if row else ""
