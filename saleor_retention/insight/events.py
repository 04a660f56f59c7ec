"""One writer per audit event of a staff action, called inside the service's transaction
(Saleor's ``giftcard/events.py``). Parameters hold ids and names, never the note's text."""

from __future__ import annotations

from .models import ContactLogEntry, CustomerNote, CustomerTag, InsightEvent, Segment

Type = InsightEvent.Type


def note_added_event(*, note: CustomerNote, staff_user_id: str) -> InsightEvent:
    return InsightEvent.objects.create(
        type=Type.NOTE_ADDED,
        customer_id=note.customer_id,
        staff_user_id=staff_user_id,
        parameters={"note_id": note.pk},
    )


def note_deleted_event(*, note: CustomerNote, staff_user_id: str) -> InsightEvent:
    return InsightEvent.objects.create(
        type=Type.NOTE_DELETED,
        customer_id=note.customer_id,
        staff_user_id=staff_user_id,
        parameters={"note_id": note.pk},
    )


def tag_added_event(*, tag: CustomerTag, staff_user_id: str) -> InsightEvent:
    return InsightEvent.objects.create(
        type=Type.TAG_ADDED,
        customer_id=tag.customer_id,
        staff_user_id=staff_user_id,
        parameters={"tag": tag.tag},
    )


def tag_removed_event(*, tag: CustomerTag, staff_user_id: str) -> InsightEvent:
    return InsightEvent.objects.create(
        type=Type.TAG_REMOVED,
        customer_id=tag.customer_id,
        staff_user_id=staff_user_id,
        parameters={"tag": tag.tag},
    )


def contact_logged_event(*, entry: ContactLogEntry, staff_user_id: str) -> InsightEvent:
    return InsightEvent.objects.create(
        type=Type.CONTACT_LOGGED,
        customer_id=entry.customer_id,
        staff_user_id=staff_user_id,
        parameters={"contact_id": entry.pk, "channel": entry.channel},
    )


def segment_saved_event(*, segment: Segment, staff_user_id: str, created: bool) -> InsightEvent:
    return InsightEvent.objects.create(
        type=Type.SEGMENT_CREATED if created else Type.SEGMENT_UPDATED,
        staff_user_id=staff_user_id,
        parameters={"segment_id": segment.pk, "name": segment.name, "rules": segment.rules},
    )


def segment_deleted_event(*, segment: Segment, staff_user_id: str) -> InsightEvent:
    return InsightEvent.objects.create(
        type=Type.SEGMENT_DELETED,
        staff_user_id=staff_user_id,
        parameters={"segment_id": segment.pk, "name": segment.name},
    )
