"""Shopper-written text is stored as inert plain text (reviews, replies, forum posts)."""

import pytest

from saleor_retention.errors import RetentionError, RetentionErrorCode
from saleor_retention.textclean import clean_text, plain_text
from tests.xss_payloads import XSS_PAYLOADS, looks_inert


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_every_payload_comes_out_inert(payload):
    # when
    text = plain_text(f"Great shoes {payload} would buy again")
    # then
    assert looks_inert(text), text
    assert text.startswith("Great shoes")
    assert plain_text(text) == text  # a fixpoint: cleaning again changes nothing


@pytest.mark.parametrize(
    "text",
    ["3 < 5 and 6 > 2", "Tom & Jerry", "很好，会再买 👍", "line one\nline two", "a <= b"],
)
def test_ordinary_text_survives(text):
    assert plain_text(text) == text


def test_control_characters_and_extra_blank_lines_go():
    assert plain_text("a\x00b\r\n\r\n\r\n\r\nc\u202e") == "ab\n\nc"


def test_length_is_counted_after_cleaning():
    # given a body that is long only because of markup
    raw = "<b>" * 500 + "ok"
    # then
    assert clean_text(raw, field="body", max_length=10) == "ok"
    with pytest.raises(RetentionError) as error:
        clean_text("x" * 11, field="body", max_length=10)
    assert (error.value.code, error.value.field) == (RetentionErrorCode.TOO_LONG, "body")
    with pytest.raises(RetentionError) as error:
        clean_text("<script>x</script>", field="title", max_length=10, required=True)
    assert error.value.code == RetentionErrorCode.REQUIRED
    with pytest.raises(RetentionError) as error:
        clean_text("abc", field="body", max_length=10, min_length=5)
    assert error.value.code == RetentionErrorCode.TOO_SHORT
