"""The Chinese catalogue gives differing source words differing translations, unless they
mean the same; a word with two meanings ("Change": a record change, or switching the
language) is told apart by a message context (``pgettext``)."""

import collections
import gettext
import re
from pathlib import Path

import pytest
from django.utils import translation

import dj_learning

CATALOGUE = Path(dj_learning.__file__).parent / "locale/zh_Hans/LC_MESSAGES/django.mo"

# Differing words that mean the same here, so they may share a translation (reviewed).
SAME_MEANING = [
    {"answer", "answered"},
    {"available until", "deadline"},
    {"balance", "point balance"},
    {"close", "end at"},
    {"complete", "done"},
    {"date", "day"},
    {"in stock", "stock"},
    {"issued", "issued at"},
    {"line", "line or row"},
    {"full name", "name"},
    {"bank", "question bank"},
    {"redeem", "redemption"},
    {"review queue", "waiting for review"},
    {"open", "start at", "started"},
    {"state", "status"},  # an attempt's state, a record's status
    {"review step", "step"},
    {"completed at", "finished at"},
    {"digest", "summary"},
    {"level", "review level"},
    # Certificates, activities and members' voice (reviewed at their merge).
    {"address", "addresse"},
    {"at", "when"},
    {"average", "average rating"},
    {"a certificate", "certificate"},
    {"check in", "checkin"},
    {"close", "close at", "end at"},
    {"code", "verification code"},
    {"continue", "resume"},
    {"issued by", "issuing organization"},
    {"next activity", "upcoming activity"},
    {"capacity", "place"},
    {"poll", "poll and survey"},
    {"reason", "the reason"},
    {"send", "submit"},
    {"sent at", "submitted"},
    {"sign up", "signup"},
    {"open", "open at", "start at", "started"},
    {"body", "text"},
    {"content", "the text"},
    {"the title", "title"},
    {"place", "where"},
    {"enrolled at", "signed up at"},
]


def _word(text):
    """A source string as a domain word: lower case, no punctuation, singular."""
    words = re.sub(r"[^\w ]", "", text.lower()).split()
    singular = []
    for w in words:
        if w.endswith("ies") and len(w) > 4:
            w = w[:-3] + "y"
        elif w.endswith(("ches", "shes", "zzes")):
            w = w[:-2] if not w.endswith("zzes") else w[:-3]
        elif w.endswith("zes") or w.endswith("s") and not w.endswith(("ss", "us")) and len(w) > 3:
            w = w[:-1]
        singular.append(w)
    return " ".join(singular)


def test_differing_domain_words_have_differing_translations():
    with CATALOGUE.open("rb") as handle:
        catalogue = gettext.GNUTranslations(handle)._catalog
    by_translation = collections.defaultdict(set)
    for source, target in catalogue.items():
        # Domain words: short source strings (at most three words) without a context.
        if not isinstance(source, str) or not source or "\x04" in source:
            continue
        if len(source.split()) <= 3:
            by_translation[target].add(_word(source))
    shared = {
        target: words
        for target, words in by_translation.items()
        if len(words) > 1 and not any(words <= same for same in SAME_MEANING)
    }
    assert shared == {}


@pytest.mark.parametrize(
    ("context", "word", "chinese"),
    [
        ("record change", "Change", "修改"),
        ("switch language", "Change", "切换"),
        ("points", "Adjustment", "积分调整"),
        ("credits", "Adjustment", "学分调整"),
        ("points source", "Lesson studied", "学习课时"),
    ],
)
def test_words_with_two_meanings_are_told_apart_by_context(context, word, chinese):
    with translation.override("zh-hans"):
        assert translation.pgettext(context, word) == chinese
