"""The moderation lists of members' voice (comments, suggestions) name each row's region
and filter by region (a region's unit filters its whole subtree); staff above both
regions see and tell both apart."""

import re

import pytest

from dj_learning.test import factories
from dj_learning.voice import discussion
from tests.test_voice_suggestions import into_admin

pytestmark = pytest.mark.django_db


def row_of(html, text):
    """The table row holding ``text``."""
    start = html.index(text)
    return html[html.rindex("<tr", 0, start) : html.index("</tr>", start)]


@pytest.fixture
def national(client, tree):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    module = factories.module(revision=False)
    one = factories.member(unit=tree["b1"], name="张伟")
    two = factories.member(unit=tree["b2"], name="王五")
    discussion.report(two, discussion.post(one, module, "一区的评论"))
    discussion.report(one, discussion.post(two, module, "二区的评论"))
    factories.suggestion(one, title="一区的建议")
    factories.suggestion(two, title="二区的建议")
    into_admin(client, factories.staff(role="admin", unit=tree["national"]))
    return client


@pytest.mark.parametrize(
    "url, first, second",
    [
        ("/admin/learning/voice/comments/", "一区的评论", "二区的评论"),
        ("/admin/learning/voice/suggestions/", "一区的建议", "二区的建议"),
    ],
)
def test_the_moderation_lists_name_and_filter_the_region(national, tree, url, first, second):
    html = national.get(url).content.decode()
    assert re.search(r"<th[^>]*>.*?Region", html, re.S)
    assert re.search(r"<td[^>]*>\s*一区\s*</td>", row_of(html, first))
    assert re.search(r"<td[^>]*>\s*二区\s*</td>", row_of(html, second))
    html = national.get(url, {"unit": tree["r2"].pk}).content.decode()
    assert second in html and first not in html
