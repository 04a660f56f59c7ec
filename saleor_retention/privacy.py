"""A customer's data across domains: erasure when Saleor deletes the customer, and export.

Saleor 2.10.1 has no customer-deleted hook, so ``apps.ready`` connects ``pre_delete`` on the user
model to ``erase_customer``: it runs inside the deleting transaction (Django sends ``pre_delete``
in the collector's transaction), before the database nulls or cascades the links, so a domain can
still find the customer's rows by id. Saleor 3.x's ``customer_deleted`` hook or webhook calls the
same function. Erasure does not depend on the plugin being active: privacy is not a feature flag.

If an eraser fails, the deletion fails with it and nothing is deleted: a customer who asked to be
forgotten must not be half-forgotten. Files (card PDFs, review photos) are removed only once the
deletion commits.

**Privacy by construction.** Every domain's ``privacy`` module (imported by ``domains``) declares
which model fields its eraser and its exporter cover::

    @eraser(fields=["LoyaltyCard.customer_id", "LoyaltyCard.pdf_path"])
    def erase_cards(customer_id): ...

    @exporter("cards", fields=["LoyaltyCard.customer_id", "LoyaltyCard.pdf_path"])
    def export_cards(customer_id): ...

and ``not_personal({"CardProgram.name": "why"})`` names the fields that look like a customer
reference but are not one. ``coverage_gaps`` introspects every model of the app
(``customer_reference_fields``: a relation to the user model or to ``LoyaltyAccount``, a name
saying customer, user, e-mail, name, address, phone, IP, birthday, author, staff, token or file
path, every JSON field, and every field a domain declared) and names each field that is not both
erased and exported, or declared not personal; ``tests/test_privacy_coverage.py`` fails on any.
A field "covered" by an eraser is one the eraser has decided for: deleted with its row, cleared,
or left on a row whose link to the customer is cut (a ledger entry of an unlinked account).

What the ledger keeps: ``LoyaltyAccount.customer`` is set null (amounts stay for the books), as
Saleor keeps an erased customer's orders with their link set null.

**One privacy module per domain, erased in one order** (``ERASURE_ORDER``). Each domain erases
and exports only its own rows. The points family comes first and the ledger last of it:
``bonuses`` (her birthday, her id in campaign lists), ``referrals`` (her code, the checkout token
she gave a code at) and ``tiers`` (her tier rows, kept) find their rows through her loyalty
account, so they run before ``ledger`` rewrites the keys naming her and unlinks the account.
The other domains link to the user directly and do not depend on one another. A domain whose
eraser is not in the order is refused when it registers, so a new domain has to be placed.

A sibling adds keys to another domain's export section with ``@export_part``: the tiers and the
campaigns a customer is listed in are part of the ``loyalty`` section, shown only when the
ledger's exporter found her account.
"""

from __future__ import annotations

import dataclasses
import logging
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

logger = logging.getLogger(__name__)

Eraser = Callable[[str], dict[str, Any]]
Exporter = Callable[[str], Any]

# The order in which the domains' erasers run (see the module docstring): the ledger's siblings
# find their rows through her loyalty account, so they run before the ledger unlinks it.
ERASURE_ORDER = (
    "bonuses",
    "referrals",
    "tiers",
    "ledger",
    "cards",
    "reviews",
    "forum",
    "insight",
    "inbox",
    "audit",
)

_ERASERS: dict[str, Eraser] = {}  # domain -> its eraser
_EXPORTERS: dict[str, Exporter] = {}
_EXPORT_PARTS: dict[str, list[Exporter]] = {}  # section -> siblings' additions
_STAFF_ONLY_SECTIONS: set[str] = set()
# "Model.field" -> who covers it (the eraser's module, the export section), or why it is not personal
_ERASED: dict[str, str] = {}
_EXPORTED: dict[str, str] = {}
_NOT_PERSONAL: dict[str, str] = {}


def eraser(*, fields: Iterable[str]) -> Callable[[Eraser], Eraser]:
    """Register a domain's eraser and the ``Model.field`` names it takes care of."""

    def register(func: Eraser) -> Eraser:
        domain = domain_of(func)
        if domain not in ERASURE_ORDER:
            raise ValueError(f"{func.__module__}: place the {domain!r} eraser in ERASURE_ORDER")
        _ERASERS[domain] = func
        for field in fields:
            _ERASED[field] = func.__module__
        return func

    return register


def domain_of(func: Callable[..., Any]) -> str:
    """``saleor_retention.bonuses.privacy`` -> ``bonuses``."""
    parts = func.__module__.split(".")
    return parts[1] if len(parts) > 2 else parts[-1]


def exporter(
    section: str, *, fields: Iterable[str], staff_only: bool = False
) -> Callable[[Exporter], Exporter]:
    """Register a domain's export section and the ``Model.field`` names it shows. A
    ``staff_only`` section (staff's notes and scores about a customer) is left out of the
    shopper's own export and given to staff who answer her data request."""

    def register(func: Exporter) -> Exporter:
        _EXPORTERS[section] = func
        if staff_only:
            _STAFF_ONLY_SECTIONS.add(section)
        for field in fields:
            _EXPORTED[field] = section
        return func

    return register


def export_part(section: str, *, fields: Iterable[str]) -> Callable[[Exporter], Exporter]:
    """Register a sibling domain's keys of another domain's export ``section`` (a dict): they
    are merged into it when its own exporter found something (not for an empty section)."""

    def register(func: Exporter) -> Exporter:
        parts = _EXPORT_PARTS.setdefault(section, [])
        if func not in parts:
            parts.append(func)
        for field in fields:
            _EXPORTED[field] = section
        return func

    return register


def not_personal(fields: Mapping[str, str]) -> None:
    """Fields whose name looks like a customer reference but that are not one: field -> why."""
    _NOT_PERSONAL.update(fields)


def _load() -> None:
    from . import domains  # noqa: F401  (importing a domain's privacy module registers it)


def erase_customer(customer_id: str) -> dict[str, Any]:
    """Anonymise or delete what every domain holds about the customer; returns a summary."""
    _load()
    summary: dict[str, Any] = {}
    for domain in ERASURE_ORDER:
        func = _ERASERS.get(domain)
        if func is not None:
            summary[func.__module__] = func(str(customer_id))
    logger.info("retention: erased customer %s: %s", customer_id, summary)
    return summary


def export_customer(customer_id: str, *, for_staff: bool = True) -> dict[str, Any]:
    """Everything the plugin holds about one customer, by section, JSON-safe; without
    ``for_staff`` the staff-only sections are left out."""
    _load()
    return {
        section: _export_section(section, func, str(customer_id))
        for section, func in sorted(_EXPORTERS.items())
        if for_staff or section not in _STAFF_ONLY_SECTIONS
    }


def _export_section(section: str, func: Exporter, customer_id: str) -> Any:
    data = func(customer_id)
    if data and isinstance(data, dict):
        for part in _EXPORT_PARTS.get(section, []):
            data.update(part(customer_id))
    return data


def on_user_pre_delete(sender: Any, instance: Any, **kwargs: Any) -> None:
    if instance.pk is not None:
        erase_customer(str(instance.pk))


# --- coverage --------------------------------------------------------------------------------

# Words in a field's name that say it may point at, or describe, a person.
PERSONAL_WORDS = re.compile(
    r"(^|_)(customer|user|email|name|address|phone|ip|birthday|author|reporter|referrer|referee"
    r"|staff|by|token|path)(_|$)"
)


def field_label(field: Any) -> str:
    return f"{field.model.__name__}.{field.name}"


def customer_reference_fields(models: Iterable[Any]) -> set[str]:
    """``Model.field`` of every field of these models that may refer to a customer (see the
    module docstring), declared ones included."""
    from django.contrib.auth import get_user_model
    from django.db import models as db

    from .ledger.models import LoyaltyAccount

    _load()
    people = {get_user_model(), LoyaltyAccount}
    found: set[str] = set()
    for model in models:
        for field in model._meta.get_fields(include_hidden=False):
            if not field.concrete or field.auto_created:
                continue
            related = field.related_model if field.is_relation else None
            if (
                related in people
                or isinstance(field, db.JSONField)
                or (not isinstance(field, db.BooleanField) and PERSONAL_WORDS.search(field.name))
            ):
                found.add(field_label(field))
    declared = set(_ERASED) | set(_EXPORTED)
    labels = {f"{m.__name__}.{f.name}" for m in models for f in m._meta.concrete_fields}
    return found | (declared & labels)


@dataclasses.dataclass(frozen=True)
class Gap:
    field: str
    problem: str

    def __str__(self) -> str:
        return f"{self.field}: {self.problem}"


def coverage_gaps(models: Iterable[Any]) -> list[Gap]:
    """Every customer-referring field that no eraser or no exporter covers, and every
    declaration naming a field that does not exist (a renamed field must be declared again)."""
    models = list(models)
    _load()
    gaps: list[Gap] = []
    for label in sorted(customer_reference_fields(models)):
        if label in _NOT_PERSONAL:
            continue
        if label not in _ERASED:
            gaps.append(Gap(label, "no eraser covers it (declare it in an @eraser(fields=...))"))
        if label not in _EXPORTED:
            gaps.append(
                Gap(label, "no exporter covers it (declare it in an @exporter(fields=...))")
            )
    existing = {f"{m.__name__}.{f.name}" for m in models for f in m._meta.concrete_fields}
    for label in sorted((set(_ERASED) | set(_EXPORTED) | set(_NOT_PERSONAL)) - existing):
        gaps.append(Gap(label, "declared in a privacy module but no such model field"))
    return gaps
