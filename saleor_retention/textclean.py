"""Shopper-written text (reviews, replies, forum posts) is stored as plain text with no markup.

``plain_text`` strips every tag with nh3 (the Rust ``ammonia`` sanitiser, with no tag allowed;
``script`` and ``style`` lose their content too) and decodes the entities nh3 writes, repeating
until nothing changes. The stored text is that fixpoint: it holds no tag, and decoding it once
more changes nothing, so it is inert whether a storefront escapes it (React, Vue) or puts it into
``innerHTML``. ``&lt;script&gt;`` typed as text would decode to a tag: the next round strips it.
Ordinary text survives: ``3 < 5``, ``Tom & Jerry``, Chinese, emoji, line breaks.
"""

from __future__ import annotations

import html
import re
import unicodedata

import nh3
from django.utils.translation import gettext as _

from .errors import RetentionError, RetentionErrorCode

MAX_ROUNDS = 8
# C0/C1 control characters except tab and newline, and bidi overrides (spoofed text direction).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_BLANK_LINES = re.compile(r"\n{3,}")


def plain_text(raw: str) -> str:
    text = unicodedata.normalize("NFC", str(raw)).replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL.sub("", text)
    for _round in range(MAX_ROUNDS):
        cleaned = html.unescape(nh3.clean(text, tags=set(), clean_content_tags={"script", "style"}))
        if cleaned == text:
            break
        text = cleaned
    else:  # still changing: an adversarial nesting; keep no angle brackets at all
        text = text.replace("<", "").replace(">", "")
    return _BLANK_LINES.sub("\n\n", text).strip()


def clean_text(
    raw: str | None, *, field: str, max_length: int, min_length: int = 0, required: bool = False
) -> str:
    """Plain text within the length limits (counted after cleaning), or a typed refusal."""
    text = plain_text(raw or "")
    if required and not text:
        raise RetentionError(
            _("This field is required."), code=RetentionErrorCode.REQUIRED, field=field
        )
    if text and len(text) < min_length:
        raise RetentionError(
            _("Write at least %(min)s characters.") % {"min": min_length},
            code=RetentionErrorCode.TOO_SHORT,
            field=field,
        )
    if len(text) > max_length:
        raise RetentionError(
            _("Write at most %(max)s characters.") % {"max": max_length},
            code=RetentionErrorCode.TOO_LONG,
            field=field,
        )
    return text
