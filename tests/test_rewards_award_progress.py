"""An award's page updates itself (a small JSON endpoint, a progress bar, a reload link
without JavaScript), and the award form shows only the chosen criterion's fields."""

import re

import pytest

from dj_learning.rewards.models import TranscriptAward
from dj_learning.test import factories
from tests import test_rewards_awards as base

YEAR, into_admin = base.YEAR, base.into_admin
# The awards tests' fixtures: an English admin, and region 1 with its members and admin.
_english, school, admin_client = base._english, base.school, base.admin_client

pytestmark = pytest.mark.django_db


def _award(tree, admin, **fields):
    fields = {"status": "running", "total": 10, "done": 4, **fields}
    return TranscriptAward.objects.create(
        unit=tree["r1"], year=YEAR, criterion="met", points=5, reason="标兵",
        requested_by=admin, **fields,
    )  # fmt: skip


def test_the_progress_endpoint_reports_the_job(admin_client, school):
    tree, people, admin = school
    award = _award(tree, admin)
    body = admin_client.get(f"/admin/learning/points/awards/{award.pk}/progress/").json()
    assert body == {
        "done": 4,
        "total": 10,
        "percent": 40,
        "status": "running",
        "status_label": "Running",
        "error": "",
        "finished": False,
    }
    page = admin_client.get(f"/admin/learning/points/awards/{award.pk}/").content.decode()
    assert re.search(r'<progress max="100" value="40"', page)
    assert 'data-testid="award-reload"' in page  # without JavaScript, a reload link
    award.status, award.done = "done", 10
    award.save()
    assert admin_client.get(f"/admin/learning/points/awards/{award.pk}/progress/").json()[
        "finished"
    ]
    page = admin_client.get(f"/admin/learning/points/awards/{award.pk}/").content.decode()
    assert "data-djl-progress" not in page and 'data-testid="award-reload"' not in page


def test_another_regions_award_progress_is_refused(client, school):
    tree, people, admin = school
    award = _award(tree, admin)
    other = factories.staff(role="admin", unit=tree["r2"])
    into_admin(client, other)
    assert client.get(f"/admin/learning/points/awards/{award.pk}/progress/").status_code == 404


def test_the_award_form_names_its_fields_and_marks_each_criterions_own(admin_client, school):
    tree, people, admin = school
    factories.catalog_item(unit=tree["r1"], title="笔记本")
    page = admin_client.get("/admin/learning/points/awards/new/").content.decode()
    assert re.search(r'<li data-criterion="top" data-testid="field-top_n">', page)
    assert re.search(r'<li data-criterion="min_credits" data-testid="field-min_credits">', page)
    assert "How many members (N)" in page and "Credits at least (X)" in page
    assert "with the most credits in the study year" in page
    assert 'type="radio" name="criterion" value="met"' in page
    assert "笔记本 · 一区" in page  # catalog items named with their region
