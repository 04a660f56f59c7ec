"""Insight's write paths: the files (rebuilt for everyone, refreshed for one), and the staff's
notes, tags, contact log and segments. Every staff action writes its audit event (``events``)
in the same transaction."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import operator_settings
from .. import saleor_adapter as saleor
from ..errors import RetentionError, RetentionErrorCode
from ..textclean import clean_text
from . import events, segments, sql
from .models import ContactChannel, ContactLogEntry, CustomerNote, CustomerTag, InsightRebuild
from .models import Segment as SegmentModel
from .segments import parse_rules

if TYPE_CHECKING:
    from ..conf import RetentionSettings

TAG_MAX = 50
TAGS_PER_CUSTOMER_MAX = 100  # keeps CustomerFile.tags a short plain list
SEGMENT_NAME_MAX = 100


def basis_currency(settings: RetentionSettings) -> str:
    """The currency that value and RFM are measured in: the first earning currency, else the
    store's default."""
    return settings.primary_currency or saleor.default_currency()


def _params(
    settings: RetentionSettings, now: datetime, customer_id: int | None, *, bands: bool = True
) -> sql.Params:
    # the one-customer statement reads the last run's price bands itself (``bands=False``)
    last = InsightRebuild.objects.first() if bands else None
    overrides = settings.insight_category_churn_days
    return sql.Params(
        now=now,
        default_days=settings.churn_days,
        override_slugs=tuple(overrides),
        override_days=tuple(overrides.values()),
        value_since=sql.value_since(now, settings.insight_value_window_months),
        basis_currency=basis_currency(settings),
        band_low_below=last.band_low_below if last else None,
        band_high_from=last.band_high_from if last else None,
        customer_id=customer_id,
    )


def _settings_key(params: sql.Params) -> str:
    """What the files were computed with: a run under other settings recomputes everyone."""
    basis = [
        # the shape of what a run writes: a new one (here, insight's own copy of the paid
        # orders, margins, the second order) makes the next run recompute everyone
        "paid-orders-1",
        params.default_days,
        sorted(zip(params.override_slugs, params.override_days, strict=True)),
        (params.now - params.value_since).days,
        params.basis_currency,
    ]
    return hashlib.sha256(json.dumps(basis).encode()).hexdigest()


@transaction.atomic
def files_rebuild(
    *, settings: RetentionSettings, now: datetime | None = None, full: bool = False
) -> InsightRebuild:
    """Every customer's file, stage, RFM score and top-20% flag, set-based (``insight.sql``).
    After a run under the same settings only the customers whose facts can have changed since
    are recomputed from the orders (``full`` recomputes everyone)."""
    started = timezone.now()
    now = now or started
    params = _params(settings, now, None)
    key = _settings_key(params)
    last = InsightRebuild.objects.first()
    previous_now = None
    if (
        not full
        and last is not None
        and last.as_of is not None
        and last.settings_key == key
        and last.as_of <= now
    ):
        previous_now = last.as_of
    outcome = sql.rebuild(params, previous_now=previous_now)
    segments_count(now=now)
    return InsightRebuild.objects.create(
        started_at=started,
        finished_at=timezone.now(),
        files=outcome.files,
        stage_changes=outcome.stage_changes,
        band_currency=params.basis_currency,
        band_low_below=outcome.band_low_below,
        band_high_from=outcome.band_high_from,
        as_of=now,
        full=previous_now is None,
        settings_key=key,
    )


def segments_count(*, now: datetime) -> int:
    """Every saved segment's size over the files as they stand now (the rebuild's last step):
    one count each, written to the segment. A segment whose saved rules no longer parse (a rule
    this version dropped) keeps no count rather than stopping the night's run. Returns how many
    were counted."""
    counted = 0
    for segment in SegmentModel.objects.order_by("pk").only("pk", "rules"):
        try:
            rules = parse_rules(segment.rules)
        except RetentionError:
            size = None
        else:
            size = segments.customer_files(rules).count()
            counted += 1
        SegmentModel.objects.filter(pk=segment.pk).update(counted=size, counted_at=now)
    return counted


def file_refresh(
    *, customer_id: str, settings: RetentionSettings, now: datetime | None = None
) -> dict[str, Any]:
    """One customer's file, inside an order event's processing. Scores stay as the last
    rebuild left them: they rank her against everyone, which one order cannot redo. One SQL
    statement, atomic by itself (no savepoint of its own: the event's processing has one)."""
    if not str(customer_id).isdigit():
        return {"skipped": "no customer"}
    if not saleor.insight_supported():
        # never fail the event: the ledger's handlers share its savepoint
        return {"skipped": "customer files need Saleor 2.10 for now"}
    outcome = sql.refresh_one(
        _params(settings, now or timezone.now(), int(customer_id), bands=False)
    )
    return {"files": outcome.files, "stage_changes": outcome.stage_changes}


# --- staff: notes, tags, contact log ----------------------------------------------------------


def _customer_exists(customer_id: str) -> None:
    if not saleor.existing_customer_ids([customer_id]):
        raise RetentionError(
            _("No such customer."), code=RetentionErrorCode.NOT_FOUND, field="customerId"
        )


def _text(raw: str | None, *, field: str, maximum: int, required: bool = True) -> str:
    return clean_text(raw, field=field, max_length=maximum, required=required)


@transaction.atomic
def note_add(*, customer_id: str, body: str, staff_user_id: str) -> CustomerNote:
    _customer_exists(customer_id)
    text = _text(
        body, field="body", maximum=operator_settings.value("RETENTION_INSIGHT_NOTE_MAX_LENGTH")
    )
    note = CustomerNote.objects.create(
        customer_id=int(customer_id), body=text, staff_user_id=staff_user_id
    )
    events.note_added_event(note=note, staff_user_id=staff_user_id)
    return note


@transaction.atomic
def note_delete(*, note_id: str, staff_user_id: str) -> None:
    note = CustomerNote.objects.select_for_update().filter(pk=note_id).first()
    if note is None:
        raise RetentionError(_("No such note."), code=RetentionErrorCode.NOT_FOUND, field="id")
    events.note_deleted_event(note=note, staff_user_id=staff_user_id)
    note.delete()


def _tag(raw: str) -> str:
    tag = " ".join(_text(raw, field="tag", maximum=TAG_MAX).split()).casefold()
    return tag


@transaction.atomic
def tag_add(*, customer_id: str, tag: str, staff_user_id: str) -> CustomerTag:
    _customer_exists(customer_id)
    name = _tag(tag)
    tags = CustomerTag.objects.filter(customer_id=int(customer_id))
    if not tags.filter(tag=name).exists() and tags.count() >= TAGS_PER_CUSTOMER_MAX:
        raise RetentionError(
            _("A customer has at most %(limit)s tags.") % {"limit": TAGS_PER_CUSTOMER_MAX},
            code=RetentionErrorCode.CAP_REACHED,
            field="tag",
        )
    try:
        with transaction.atomic():
            row = CustomerTag.objects.create(
                customer_id=int(customer_id), tag=name, staff_user_id=staff_user_id
            )
    except IntegrityError:
        # the unique key makes a second add of the same tag a no-op, not a second row
        return CustomerTag.objects.get(customer_id=int(customer_id), tag=name)
    events.tag_added_event(tag=row, staff_user_id=staff_user_id)
    return row


@transaction.atomic
def tag_remove(*, customer_id: str, tag: str, staff_user_id: str) -> int:
    _customer_exists(customer_id)
    rows = list(
        CustomerTag.objects.select_for_update().filter(customer_id=int(customer_id), tag=_tag(tag))
    )
    for row in rows:
        events.tag_removed_event(tag=row, staff_user_id=staff_user_id)
        row.delete()
    return len(rows)


@transaction.atomic
def contact_log(
    *,
    customer_id: str,
    channel: str,
    summary: str,
    response: str | None,
    contacted_at: datetime | None,
    staff_user_id: str,
) -> ContactLogEntry:
    _customer_exists(customer_id)
    if channel not in ContactChannel.values:
        raise RetentionError(
            _("Choose a known channel."), code=RetentionErrorCode.INVALID, field="channel"
        )
    when = contacted_at or timezone.now()
    if when > timezone.now():
        raise RetentionError(
            _("A contact cannot be in the future."),
            code=RetentionErrorCode.INVALID,
            field="contactedAt",
        )
    contact_max = operator_settings.value("RETENTION_INSIGHT_CONTACT_MAX_LENGTH")
    entry = ContactLogEntry.objects.create(
        customer_id=int(customer_id),
        channel=channel,
        summary=_text(summary, field="summary", maximum=contact_max),
        response=_text(response, field="response", maximum=contact_max, required=False),
        contacted_at=when,
        staff_user_id=staff_user_id,
    )
    events.contact_logged_event(entry=entry, staff_user_id=staff_user_id)
    return entry


# --- staff: segments ---------------------------------------------------------------------------


def _segment_name(raw: str) -> str:
    return _text(raw, field="name", maximum=SEGMENT_NAME_MAX)


@transaction.atomic
def segment_save(
    *, segment_id: str | None, name: str | None, rules: dict[str, Any] | None, staff_user_id: str
) -> SegmentModel:
    """Create a segment (no id) or change its name and/or rules; rules are checked in full
    (``segments.parse_rules``) before anything is written."""
    segment = None
    if segment_id is not None:
        segment = SegmentModel.objects.select_for_update().filter(pk=segment_id).first()
        if segment is None:
            raise RetentionError(
                _("No such segment."), code=RetentionErrorCode.NOT_FOUND, field="id"
            )
    values: dict[str, Any] = {}
    if name is not None or segment is None:
        values["name"] = _segment_name(name or "")
        clash = SegmentModel.objects.filter(name__iexact=values["name"])
        if segment is not None:
            clash = clash.exclude(pk=segment.pk)
        if clash.exists():
            raise RetentionError(
                _("A segment with this name exists."),
                code=RetentionErrorCode.ALREADY_DONE,
                field="name",
            )
    if rules is not None or segment is None:
        values["rules"] = parse_rules(rules or {}).as_json()
        # the night's count was of the old rules: none until the next run (``count`` is live)
        values["counted"] = values["counted_at"] = None
    if segment is None:
        segment = SegmentModel.objects.create(created_by_staff_id=staff_user_id, **values)
        events.segment_saved_event(segment=segment, staff_user_id=staff_user_id, created=True)
        return segment
    for field, value in values.items():
        setattr(segment, field, value)
    segment.updated_at = timezone.now()
    segment.save()
    events.segment_saved_event(segment=segment, staff_user_id=staff_user_id, created=False)
    return segment


@transaction.atomic
def segment_delete(*, segment_id: str, staff_user_id: str) -> None:
    segment = SegmentModel.objects.select_for_update().filter(pk=segment_id).first()
    if segment is None:
        raise RetentionError(_("No such segment."), code=RetentionErrorCode.NOT_FOUND, field="id")
    events.segment_deleted_event(segment=segment, staff_user_id=staff_user_id)
    segment.delete()
