"""Insight's part of erasing and exporting one customer.

Erasure (inside Saleor's deleting transaction): her file, spends, stage history, scores, staff
notes, tags, contact log and the audit events about her are deleted. Nothing else changes: the
analytics are computed from insight's copy of her paid orders (deleted with her, as Saleor
sets its own orders' customer link null) and from the files, so an erased customer simply drops
out of every per-customer figure; a segment's live count loses her at once.

Export: everything held about her, scores and staff notes included (a data subject's access
right covers profiling and notes about her); shoppers never see these in the shop's GraphQL.
"""

from __future__ import annotations

from typing import Any

from ..privacy import eraser, exporter, not_personal
from .models import (
    ContactLogEntry,
    CustomerFile,
    CustomerNote,
    CustomerSpend,
    CustomerTag,
    InsightEvent,
    PaidOrder,
    StageChange,
)

not_personal(
    {
        "CustomerNote.staff_user_id": "the staff member who wrote it: the audit trail of staff",
        "CustomerTag.staff_user_id": "the staff member who tagged: the audit trail of staff",
        "ContactLogEntry.staff_user_id": "the staff member who logged it: staff audit trail",
        "InsightEvent.staff_user_id": "the staff member who acted: the audit trail of staff",
        "Segment.created_by_staff_id": "the staff member who saved it: the audit trail of staff",
        "Segment.rules": "conditions over stages, amounts and categories, never a person",
        "Segment.name": "the name staff give a group of customers",
    }
)

FILE_FIELDS = [
    f"CustomerFile.{name}"
    for name in (
        "customer",
        "stage",
        "stage_since",
        "churn_days",
        "first_paid_at",
        "last_paid_at",
        "paid_orders",
        "paid_orders_in_window",
        "median_days_between_orders",
        "expected_next_order_at",
        "top_categories",
        "top_products",
        "category_slugs",
        "price_band",
        "language_code",
        "value_currency",
        "value_spent",
        "top_spender",
        "rfm_recency",
        "rfm_frequency",
        "rfm_monetary",
        "rfm_group",
        "scored_at",
        "updated_at",
    )
]
OTHER_FIELDS = [
    "CustomerSpend.customer",
    "CustomerSpend.currency",
    "CustomerSpend.paid_orders",
    "CustomerSpend.total_spent",
    "CustomerSpend.average_order",
    "CustomerSpend.first_paid_at",
    "CustomerSpend.last_paid_at",
    "PaidOrder.customer",
    "PaidOrder.order_id",
    "StageChange.customer",
    "StageChange.from_stage",
    "StageChange.to_stage",
    "StageChange.changed_at",
    "CustomerNote.customer",
    "CustomerNote.body",
    "CustomerTag.customer",
    "CustomerTag.tag",
    "ContactLogEntry.customer",
    "ContactLogEntry.channel",
    "ContactLogEntry.summary",
    "ContactLogEntry.response",
    "ContactLogEntry.contacted_at",
    "InsightEvent.customer",
    "InsightEvent.parameters",
]
INSIGHT_FIELDS = FILE_FIELDS + OTHER_FIELDS

_MODELS = (
    CustomerFile,
    CustomerSpend,
    PaidOrder,
    StageChange,
    CustomerNote,
    CustomerTag,
    ContactLogEntry,
    InsightEvent,
)


@eraser(fields=INSIGHT_FIELDS)
def erase_insight(customer_id: str) -> dict[str, Any]:
    if not str(customer_id).isdigit():
        return {}
    return {
        model._meta.model_name: model.objects.filter(customer_id=int(customer_id)).delete()[0]
        for model in _MODELS
    }


def _iso(value: Any) -> Any:
    return value.isoformat() if value is not None and hasattr(value, "isoformat") else value


@exporter("insight", fields=INSIGHT_FIELDS, staff_only=True)
def export_insight(customer_id: str) -> dict[str, Any]:
    if not str(customer_id).isdigit():
        return {}
    pk = int(customer_id)
    file = CustomerFile.objects.filter(customer_id=pk).first()
    return {
        "file": None
        if file is None
        else {
            field.name: _iso(getattr(file, field.attname))
            if not hasattr(getattr(file, field.attname), "quantize")
            else str(getattr(file, field.attname))
            for field in CustomerFile._meta.concrete_fields
            if field.name not in ("id",)
        },
        "spends": [
            {
                "currency": s.currency,
                "paid_orders": s.paid_orders,
                "total_spent": str(s.total_spent),
                "average_order": str(s.average_order),
                "first_paid_at": _iso(s.first_paid_at),
                "last_paid_at": _iso(s.last_paid_at),
            }
            for s in CustomerSpend.objects.filter(customer_id=pk).order_by("currency")
        ],
        "paid_orders": [
            {
                "order_id": p.order_id,
                "created": _iso(p.created),
                "currency": p.currency,
                "spent": str(p.spent),
                "cost": None if p.cost is None else str(p.cost),
            }
            for p in PaidOrder.objects.filter(customer_id=pk).order_by("created", "order_id")
        ],
        "stage_history": [
            {"from": c.from_stage, "to": c.to_stage, "changed_at": _iso(c.changed_at)}
            for c in StageChange.objects.filter(customer_id=pk)
        ],
        "notes": [
            {"body": n.body, "created_at": _iso(n.created_at)}
            for n in CustomerNote.objects.filter(customer_id=pk)
        ],
        "tags": sorted(CustomerTag.objects.filter(customer_id=pk).values_list("tag", flat=True)),
        "contacts": [
            {
                "channel": c.channel,
                "summary": c.summary,
                "response": c.response,
                "contacted_at": _iso(c.contacted_at),
            }
            for c in ContactLogEntry.objects.filter(customer_id=pk)
        ],
        "staff_actions": [
            {"type": e.type, "parameters": e.parameters, "created_at": _iso(e.created_at)}
            for e in InsightEvent.objects.filter(customer_id=pk)
        ],
    }
