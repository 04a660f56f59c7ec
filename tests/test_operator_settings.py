"""Operator settings (RETENTION_* in Django's settings): defaults in one module, a system check
that names a bad one, and the plugin using the value given."""

import io
from pathlib import Path

import pytest
from django.core import signing
from django.core.checks import run_checks
from PIL import Image

from saleor_retention import operator_settings
from saleor_retention.cards import printing
from saleor_retention.errors import RetentionError, RetentionErrorCode
from saleor_retention.reviews import photos, services

pytestmark = pytest.mark.django_db

DOCS = Path(__file__).resolve().parents[1] / "docs" / "settings.md"


SETTING_CHECKS = ("saleor_retention.E2", "saleor_retention.W3")  # the test run's key is E001's


def setting_errors():
    return [e for e in run_checks() if e.id.startswith(SETTING_CHECKS)]


def retention_check_ids():
    return [e.id for e in setting_errors()]


def test_the_defaults_pass_the_checks():
    assert retention_check_ids() == []


@pytest.mark.parametrize(
    ("name", "value", "check_id"),
    [
        ("RETENTION_REVIEW_PHOTO_MAX_BYTES", "5MB", "saleor_retention.E202"),
        ("RETENTION_CARD_CODE_ATTEMPTS", 2.5, "saleor_retention.E202"),
        ("RETENTION_EVENT_STALE_MINUTES", True, "saleor_retention.E202"),
        ("RETENTION_REVIEW_PHOTO_JPEG_QUALITY", 0, "saleor_retention.E203"),
        ("RETENTION_REVIEW_PHOTO_JPEG_QUALITY", 100, "saleor_retention.E203"),
        ("RETENTION_DISPATCH_MAX_RETRIES", -1, "saleor_retention.E203"),
        ("RETENTION_CARD_DOWNLOAD_MAX_AGE_SECONDS", 10**9, "saleor_retention.E203"),
    ],
)
def test_a_bad_value_fails_the_check_naming_the_setting(settings, name, value, check_id):
    # when
    setattr(settings, name, value)

    # then exactly one error, with the id for its kind of fault and the setting's name
    [error] = setting_errors()
    assert error.id == check_id
    assert name in error.msg and str(operator_settings.BY_NAME[name].default) in error.hint


def test_a_thumbnail_larger_than_any_photo_fails_the_check(settings):
    settings.RETENTION_REVIEW_PHOTO_MAX_SIDE = 300
    settings.RETENTION_REVIEW_PHOTO_THUMBNAIL_SIDE = 400
    assert retention_check_ids() == ["saleor_retention.E204"]


def test_an_unknown_retention_setting_is_a_warning(settings):
    settings.RETENTION_REVEIW_PHOTO_MAX_BYTES = 1  # the typo the warning is for
    assert retention_check_ids() == ["saleor_retention.W301"]


def test_every_setting_is_documented_with_its_default():
    text = DOCS.read_text()
    for setting in operator_settings.SETTINGS:
        rows = [line for line in text.splitlines() if line.startswith(f"| `{setting.name}` |")]
        assert len(rows) == 1, setting.name
        default = rows[0].split("|")[2]
        assert f"{setting.default:,}" in default or str(setting.default) in default, setting.name


def _jpeg(size):
    output = io.BytesIO()
    Image.new("RGB", size, "white").save(output, format="JPEG")
    return output.getvalue()


def test_the_photo_limits_follow_the_settings(settings):
    # given a photo within the default limits
    data = _jpeg((300, 200))
    assert photos.clean_photo(data).width == 300

    # when the operator allows at most 250 pixels a side, with 50-pixel thumbnails
    settings.RETENTION_REVIEW_PHOTO_MAX_SIDE = 250
    settings.RETENTION_REVIEW_PHOTO_THUMBNAIL_SIDE = 50

    # then the same photo is refused, and a smaller one gets the smaller thumbnail
    with pytest.raises(RetentionError):
        photos.clean_photo(data)
    assert photos.clean_photo(_jpeg((200, 100))).thumbnail_width == 50


@pytest.fixture
def signed_max_ages(monkeypatch):
    """The ``max_age`` every signed link is checked with."""
    real_loads = signing.loads
    ages = []

    def loads(*args, **kwargs):
        ages.append(kwargs["max_age"])
        return real_loads(*args, **kwargs)

    monkeypatch.setattr(signing, "loads", loads)
    return ages


def test_card_download_links_expire_after_the_setting(settings, signed_max_ages):
    token = printing.download_token([1], staff_user_id="1")
    settings.RETENTION_CARD_DOWNLOAD_MAX_AGE_SECONDS = 10
    with pytest.raises(printing.DownloadNotAllowed):
        printing.cards_for_token(token)  # no such staff member: refused after the signature
    assert signed_max_ages == [10]


def test_review_links_expire_after_the_setting(settings, signed_max_ages):
    token = services.review_token("42")
    settings.RETENTION_REVIEW_LINK_MAX_AGE_DAYS = 2
    assert services.order_line_from_token(token) == "42"
    assert [age.days for age in signed_max_ages] == [2]


def test_the_campaign_list_limit_is_the_operators(settings):
    from saleor_retention.bonuses.services import Audience

    settings.RETENTION_CAMPAIGN_MAX_CUSTOMER_IDS = 2
    assert Audience.choose(customer_ids=["1", "2"]).customer_ids == ("1", "2")
    with pytest.raises(RetentionError) as refused:
        Audience.choose(customer_ids=["1", "2", "3"])
    assert (refused.value.code, refused.value.field) == (RetentionErrorCode.INVALID, "customerIds")
