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

_ERASERS: list[Eraser] = []
_EXPORTERS: dict[str, Exporter] = {}
# "Model.field" -> who covers it (the eraser's module, the export section), or why it is not personal
_ERASED: dict[str, str] = {}
_EXPORTED: dict[str, str] = {}
_NOT_PERSONAL: dict[str, str] = {}


def eraser(*, fields: Iterable[str]) -> Callable[[Eraser], Eraser]:
    """Register a domain's eraser and the ``Model.field`` names it takes care of."""

    def register(func: Eraser) -> Eraser:
        if func not in _ERASERS:
            _ERASERS.append(func)
        for field in fields:
            _ERASED[field] = func.__module__
        return func

    return register


def exporter(section: str, *, fields: Iterable[str]) -> Callable[[Exporter], Exporter]:
    """Register a domain's export section and the ``Model.field`` names it shows."""

    def register(func: Exporter) -> Exporter:
        _EXPORTERS[section] = func
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
    for func in _ERASERS:
        summary[func.__module__] = func(str(customer_id))
    logger.info("retention: erased customer %s: %s", customer_id, summary)
    return summary


def export_customer(customer_id: str) -> dict[str, Any]:
    """Everything the plugin holds about one customer, by section, JSON-safe."""
    _load()
    return {section: func(str(customer_id)) for section, func in sorted(_EXPORTERS.items())}


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
