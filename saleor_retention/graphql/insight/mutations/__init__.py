"""Staff mutations on customer files and segments (MANAGE_USERS), one module per resource (as
Saleor's ``graphql/giftcard/mutations/``); domain refusals come back as the typed ``errors`` list
and change nothing."""

from .contact_log import CustomerContactLog
from .notes import CustomerNoteAdd, CustomerNoteDelete
from .segments import CustomerSegmentDelete, CustomerSegmentSave
from .tags import CustomerTagAdd, CustomerTagRemove

__all__ = [
    "CustomerContactLog",
    "CustomerNoteAdd",
    "CustomerNoteDelete",
    "CustomerSegmentDelete",
    "CustomerSegmentSave",
    "CustomerTagAdd",
    "CustomerTagRemove",
]
