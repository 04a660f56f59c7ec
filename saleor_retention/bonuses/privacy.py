"""The bonuses domain's part of erasure and export: her birthday and her id in campaigns'
lists of customers.

Erasure deletes her birthday and takes her id out of every campaign's list
(``services.remove_from_campaign_audiences``); the campaigns' counts and the ledger entries they
posted stay (the ledger rewrites the keys naming her). It runs before the ledger's eraser
(``privacy.ERASURE_ORDER``), though it finds its rows by her id, not through her account. The
export shows her birthday as its own section and the campaigns naming her inside the
``loyalty`` section.
"""

from __future__ import annotations

from typing import Any

from ..privacy import eraser, export_part, exporter, not_personal
from .models import CustomerBirthday, LoyaltyCampaign
from .services import remove_from_campaign_audiences

not_personal(
    {"LoyaltyCampaign.staff_user_id": "the staff member who sent it: the audit trail of staff"}
)

BIRTHDAY_FIELDS = ["CustomerBirthday.customer", "CustomerBirthday.birthday"]
CAMPAIGN_FIELDS = ["LoyaltyCampaign.audience"]


@eraser(fields=[*BIRTHDAY_FIELDS, *CAMPAIGN_FIELDS])
def erase_bonuses(customer_id: str) -> dict[str, Any]:
    return {
        "birthdays_deleted": CustomerBirthday.objects.filter(customer_id=customer_id).delete()[0],
        "campaigns_unlisted": remove_from_campaign_audiences(customer_id),
    }


@exporter("birthday", fields=BIRTHDAY_FIELDS)
def export_birthday(customer_id: str) -> dict[str, Any]:
    row = CustomerBirthday.objects.filter(customer_id=customer_id).first()
    if row is None:
        return {}
    return {"birthday": row.birthday.isoformat(), "changed_at": row.changed_at.isoformat()}


@export_part("loyalty", fields=CAMPAIGN_FIELDS)
def export_campaigns_listed_in(customer_id: str) -> dict[str, Any]:
    listed_in = LoyaltyCampaign.objects.filter(audience__customer_ids__contains=[customer_id])
    return {"campaigns_listed_in": list(listed_in.order_by("pk").values_list("key", flat=True))}
