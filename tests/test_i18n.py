"""Every shopper- and staff-facing text is translatable; English and Simplified Chinese ship.

The committed catalogue is ``saleor_retention/locale/zh_Hans/LC_MESSAGES/django.po`` (Django's
locale name for Saleor's language code ``zh-hans``). Its ``.mo`` is a build artefact that
``scripts/bootstrap.sh`` (``make install``) compiles; ``make messages`` regenerates the ``.po``.
"""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from django.conf import settings
from django.core.management import call_command
from django.test.utils import override_settings
from django.utils import translation

PACKAGE = Path(__file__).resolve().parents[1] / "saleor_retention"
CATALOGUE = PACKAGE / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
CHINESE = "zh-hans"  # Saleor 2.10's LANGUAGES code for Simplified Chinese

REGENERATE = "run `make messages`, translate every empty msgstr and drop the fuzzy flags"


def _read(path: Path):
    # A fresh makemessages file has an empty "Language:" header, which Babel refuses to parse.
    text = path.read_bytes().replace(b'"Language: \\n"', b'"Language: zh_Hans\\n"')
    return read_po(io.BytesIO(text))


def _messages(catalog):
    """Non-header entries, as Babel reads them (plural entries have a tuple id)."""
    return [message for message in catalog if message.id]


def _ids(catalog) -> set[str]:
    return {
        message.id if isinstance(message.id, str) else message.id[0]
        for message in catalog
        if message.id
    }


# --- (a) the committed catalogue is complete -------------------------------------------------


def test_chinese_catalogue_is_complete_and_not_fuzzy():
    catalog = _read(CATALOGUE)

    assert not catalog.fuzzy, "the catalogue header is marked fuzzy: pybabel would skip the file"
    assert str(catalog.locale) == "zh_Hans"
    assert _messages(catalog), "the catalogue has no entries"
    untranslated = [m.id for m in _messages(catalog) if not m.string or not all(m.string)]
    fuzzy = [m.id for m in _messages(catalog) if m.fuzzy]
    assert not untranslated, f"untranslated: {untranslated}; {REGENERATE}"
    assert not fuzzy, f"fuzzy (a guess by msgmerge, not used at runtime): {fuzzy}; {REGENERATE}"


def test_chinese_translations_keep_their_placeholders():
    # Babel's checks: the %(name)s placeholders of each msgstr match its msgid's.
    problems = [
        (message.id, [str(error) for error in errors])
        for message, errors in _read(CATALOGUE).check()
    ]
    assert not problems


# --- (b) nothing in the source is missing from the catalogue ---------------------------------


def test_every_translatable_string_in_the_source_is_in_the_catalogue(tmp_path, monkeypatch):
    """Django's makemessages over a copy of the app must extract no msgid the catalogue lacks."""
    if shutil.which("xgettext") is None or shutil.which("msgmerge") is None:
        pytest.fail("makemessages needs GNU gettext (xgettext, msgmerge): install gettext")
    app = tmp_path / "saleor_retention"
    shutil.copytree(
        PACKAGE, app, ignore=shutil.ignore_patterns("locale", "__pycache__", "*.pyc", "*.mo")
    )
    (app / "locale").mkdir()
    # makemessages scans the working directory and writes to its ./locale; Saleor's LOCALE_PATHS
    # (a directory in site-packages) would otherwise be created and used as the default.
    monkeypatch.chdir(app)
    with override_settings(LOCALE_PATHS=[]):
        call_command("makemessages", locale=["zh_Hans"], verbosity=0)
    extracted = _ids(_read(app / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"))

    assert "Enter a whole number." in extracted  # the extraction itself worked
    missing = sorted(extracted - _ids(_read(CATALOGUE)))
    assert not missing, f"new strings not in the committed catalogue: {missing}; {REGENERATE}"


# --- the running app serves the catalogue ----------------------------------------------------


def test_django_serves_every_chinese_translation_for_saleors_language_code():
    """Saleor's ``zh-hans`` finds our catalogue, its compiled ``.mo`` is current, and no other
    app's catalogue overrides one of our strings."""
    assert CHINESE in dict(settings.LANGUAGES)
    assert translation.to_locale(CHINESE) == CATALOGUE.parents[1].name  # zh_Hans
    messages = [m for m in _messages(_read(CATALOGUE)) if isinstance(m.id, str)]
    with translation.override(CHINESE):
        served = {m.id: translation.gettext(m.id) for m in messages}
    wrong = [m.id for m in messages if served[m.id] != m.string]
    assert not wrong, (
        f"{len(wrong)} served differently from the .po, e.g. {wrong[0]!r} -> {served[wrong[0]]!r}; "
        "a stale or missing .mo? scripts/bootstrap.sh (make install) compiles the catalogues"
    )


@pytest.fixture(autouse=True)
def _keep_the_test_language():
    """LocaleMiddleware activates each request's language for the thread and leaves it active
    (the next request activates its own); the tests after these must not run in Chinese."""
    with translation.override(translation.get_language()):
        yield


def _graphql(driver, query, variables=None, *, language=None):
    headers = {"HTTP_AUTHORIZATION": f"JWT {driver.staff_token()}"}
    if language is not None:
        headers["HTTP_ACCEPT_LANGUAGE"] = language
    body = json.dumps({"query": query, "variables": variables or {}})
    response = driver.client.post("/graphql/", body, content_type="application/json", **headers)
    assert response.status_code == 200, response.content[:500]
    body = response.json()
    assert not body.get("errors"), body["errors"]
    return body["data"]


PLUGIN_UPDATE = """mutation($input: PluginUpdateInput!) {
    pluginUpdate(id: "saleor.retention", input: $input) {
        plugin { id }
        pluginsErrors { field message code }
    }
}"""


def _refused_signup_bonus(driver, *, language):
    variables = {"input": {"configuration": [{"name": "signup_bonus", "value": "-5"}]}}
    payload = _graphql(driver, PLUGIN_UPDATE, variables, language=language)["pluginUpdate"]
    assert payload["plugin"] is None
    [error] = payload["pluginsErrors"]
    assert (error["field"], error["code"]) == ("signupBonus", "INVALID")
    return error["message"]


@pytest.mark.parametrize("language", [CHINESE, "zh-CN,zh;q=0.9,en;q=0.8"])
def test_a_refused_setting_is_explained_in_chinese_to_a_chinese_request(driver, language):
    assert _refused_signup_bonus(driver, language=language) == "请输入 0 到 1000000000 之间的整数。"


@pytest.mark.parametrize("language", [None, "en", "en-US,en;q=0.9", "xx"])
def test_a_refused_setting_is_explained_in_english_otherwise(driver, language):
    message = _refused_signup_bonus(driver, language=language)
    assert message == "Enter a whole number from 0 to 1000000000."


def test_one_request_in_chinese_does_not_leak_into_the_next(driver):
    assert _refused_signup_bonus(driver, language=CHINESE) == "请输入 0 到 1000000000 之间的整数。"
    assert (
        _refused_signup_bonus(driver, language=None) == "Enter a whole number from 0 to 1000000000."
    )


PLUGIN = """{
    plugin(id: "saleor.retention") { description configuration { name label helpText } }
}"""


def test_the_dashboard_shows_the_plugin_settings_in_the_staff_members_language(driver):
    chinese = _graphql(driver, PLUGIN, language=CHINESE)["plugin"]
    english = _graphql(driver, PLUGIN, language="en")["plugin"]

    assert english["description"].startswith("Points, loyalty cards")
    assert chinese["description"].startswith("通过积分")
    english_items = {item["name"]: item for item in english["configuration"]}
    chinese_items = {item["name"]: item for item in chinese["configuration"]}
    assert english_items["signup_bonus"]["label"] == "Sign-up bonus"
    assert chinese_items["signup_bonus"]["label"] == "注册奖励积分"
    still_english = [
        (name, key)
        for name, item in chinese_items.items()
        for key in ("label", "helpText")
        if item[key] == english_items[name][key]
    ]
    assert not still_english
