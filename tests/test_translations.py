"""Both languages ship: every string has its Chinese, and the compiled catalogues are current."""

import subprocess
from pathlib import Path

import pytest
from django.utils import translation

ROOT = Path(__file__).resolve().parents[1]
CATALOGUES = sorted(ROOT.glob("*/locale/*/LC_MESSAGES/django.po"))


def test_both_languages_are_shipped_for_the_package_and_the_site():
    found = {(po.parts[-5], po.parts[-3]) for po in CATALOGUES}
    assert found == {
        ("dj_learning", "zh_Hans"),
        ("dj_learning", "en"),
        ("cms_site", "zh_Hans"),
        ("cms_site", "en"),
    }


@pytest.mark.parametrize("po", [p for p in CATALOGUES if "zh_Hans" in p.parts], ids=str)
def test_every_chinese_string_is_translated(po):
    untranslated = subprocess.run(
        ["msgattrib", "--untranslated", "--no-obsolete", str(po)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    fuzzy = subprocess.run(
        ["msgattrib", "--only-fuzzy", "--no-obsolete", str(po)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert untranslated == "", f"untranslated in {po}:\n{untranslated}"
    assert fuzzy == "", f"fuzzy in {po}:\n{fuzzy}"


@pytest.mark.parametrize("po", CATALOGUES, ids=str)
def test_compiled_catalogue_matches_its_source(po):
    # `make messages` compiles with msgfmt; a stale .mo would show old text.
    fresh = subprocess.run(
        ["msgfmt", "--check-format", "-o", "-", str(po)], capture_output=True, check=True
    ).stdout
    assert po.with_suffix(".mo").read_bytes() == fresh


def test_the_site_speaks_chinese_by_default_and_english_on_request():
    with translation.override("zh-hans"):
        assert translation.gettext("Username or member number") == "用户名或党员编号"
    with translation.override("en"):
        assert translation.gettext("Username or member number") == "Username or member number"
