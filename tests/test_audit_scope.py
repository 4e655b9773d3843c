"""The "Audit log" report: each staff member reads the entries of their subtree, filters them,
an administrator downloads them as Excel; nobody edits or deletes them from the admin."""

import csv
import io
import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone, translation
from openpyxl import load_workbook
from wagtail.log_actions import log
from wagtail.models import ModelLogEntry

from dj_learning.orgs.audit import UNIT_KEY, entries_for
from dj_learning.test import factories

pytestmark = pytest.mark.django_db

URL = "/admin/learning/audit/"


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def logged(tree):
    """One entry about something of each unit, and one about a Wagtail group (no unit)."""
    actor = factories.staff(
        role="admin", unit=tree["national"], username="boss", first_name="强", last_name="张"
    )
    near = factories.member(unit=tree["b1"], name="一支部党员")
    below = factories.member(unit=tree["b1a"], name="小组党员")
    far = factories.member(unit=tree["b2"], name="二区党员")
    region_item = factories.catalog_item(unit=tree["r1"], title="一区奖品")
    for obj in (near, below, far, region_item, Group.objects.create(name="编辑")):
        log(obj, "wagtail.edit", user=actor, data={"changed": {"name": str(obj)}})
    ModelLogEntry.objects.exclude(action="wagtail.edit").delete()  # the staff's sign-ins
    return {"near": near, "below": below, "far": far, "item": region_item, "actor": actor}


def labels(user):
    """The names of the objects of the entries ``user`` may read (member numbers left out)."""
    return sorted(
        label.split(" (")[0] for label in entries_for(user).values_list("label", flat=True)
    )


def test_each_entry_carries_the_unit_of_its_object(logged, tree):
    units = {e.label.split(" (")[0]: e.data[UNIT_KEY] for e in ModelLogEntry.objects.all()}
    assert units == {
        "一支部党员": tree["b1"].pk,
        "小组党员": tree["b1a"].pk,
        "二区党员": tree["b2"].pk,
        "一区奖品": tree["r1"].pk,
        "编辑": None,
    }


def test_staff_read_their_subtree_and_the_superuser_reads_everything(logged, tree):
    clerk_b1 = factories.staff(role="clerk", unit=tree["b1"])
    clerk_b2 = factories.staff(role="clerk", unit=tree["b2"])
    region_admin = factories.staff(role="admin", unit=tree["r1"])
    root = factories.user(is_superuser=True)
    assert labels(clerk_b1) == ["一支部党员", "小组党员"]
    assert labels(clerk_b2) == ["二区党员"]
    assert labels(region_admin) == ["一区奖品", "一支部党员", "小组党员"]
    assert labels(root) == ["一区奖品", "一支部党员", "二区党员", "小组党员", "编辑"]
    assert labels(logged["near"].user) == []  # a member, no staff role


def into_admin(client, user):
    """Sign ``user`` in to the Wagtail admin, in English; their sign-in entry is left out."""
    from django.contrib.auth.models import Permission
    from wagtail.users.models import UserProfile

    user.user_permissions.add(Permission.objects.get(codename="access_admin"))
    profile = UserProfile.get_for_user(user)
    profile.preferred_language = "en"
    profile.save()
    client.force_login(user)
    ModelLogEntry.objects.filter(action="learning_members.sign_in").delete()
    return client


def refused(response):
    """Wagtail answers a refused admin page with a redirect to the dashboard and a message."""
    return response.status_code == 403 or (
        response.status_code == 302 and response.url == "/admin/"
    )


def rows_of(page):
    listing = page[page.find('id="listing-results"') :]
    body = listing[listing.find("<tbody") : listing.find("</tbody>")]
    return [" ".join(re.sub(r"<[^>]+>", " ", row).split()) for row in body.split("<tr")[1:]]


def test_the_report_shows_a_clerk_their_branch_entries_only(client, logged, tree):
    clerk = factories.staff(role="clerk", unit=tree["b1"])
    page = into_admin(client, clerk).get(URL).content.decode()
    rows = rows_of(page)
    assert len(rows) == 2, rows
    assert "张 强 (boss)" in rows[0] or "强 张 (boss)" in rows[0]
    assert any("Edited member: 一支部党员" in row and tree["b1"].name in row for row in rows)
    assert "二区党员" not in page and "一区奖品" not in page
    # A clerk reads; only administrators download.
    assert "Download XLSX" not in page
    assert refused(client.get(URL + "?export=xlsx"))


def test_the_report_filters_by_action_person_and_date(client, logged, tree):
    root = factories.user(username="root", is_superuser=True)
    into_admin(client, root)
    someone = factories.user(username="wangli", first_name="丽", last_name="王")
    log(logged["far"], "learning_rewards.adjust", user=someone, data={"amount": 5})
    old = ModelLogEntry.objects.get(label="一区奖品")
    old.timestamp = timezone.now() - timedelta(days=40)
    old.save()
    by_action = rows_of(client.get(URL, {"action": "learning_rewards.adjust"}).content.decode())
    assert len(by_action) == 1 and "wangli" in by_action[0]
    by_person = rows_of(client.get(URL, {"person": "王"}).content.decode())
    assert len(by_person) == 1 and "Points adjusted by hand" in by_person[0]
    since = (timezone.localdate() - timedelta(days=7)).isoformat()
    recent = client.get(URL, {"timestamp_from": since}).content.decode()
    assert "一区奖品" not in recent and "一支部党员" in recent
    # The filtered results that the page swaps in.
    results = client.get(URL + "results/", {"person": "wangli"}).content.decode()
    assert "wangli" in results and "boss" not in results


def test_an_administrator_downloads_the_subtree_as_excel_and_that_is_logged(client, logged, tree):
    region_admin = factories.staff(role="admin", unit=tree["r1"], username="radmin")
    into_admin(client, region_admin)
    page = client.get(URL).content.decode()
    assert "Download XLSX" in page
    response = client.get(URL, {"export": "xlsx"})
    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    sheet = load_workbook(io.BytesIO(content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("Time", "Person", "Username", "Action", "Object", "Change", "Unit")
    body = {row[4].split(" (")[0]: row for row in rows[1:]}
    assert set(body) == {"member: 一支部党员", "member: 小组党员", "catalog item: 一区奖品"}
    near = body["member: 一支部党员"]
    assert near[1:4] == ("强 张 (boss)", "boss", "Edited") or near[1:4] == (
        "张 强 (boss)",
        "boss",
        "Edited",
    )
    assert near[5].startswith("Full name: 一支部党员") and near[6] == tree["b1"].name
    assert abs(near[0] - timezone.localtime().replace(tzinfo=None)) < timedelta(minutes=5)
    exported = ModelLogEntry.objects.get(action="learning_orgs.export")
    assert exported.user == region_admin and exported.data["export"] == "audit log"
    assert exported.data[UNIT_KEY] == tree["r1"].pk and exported.data["rows"] == 3


def test_a_name_typed_at_sign_in_is_never_a_formula_in_the_download(client, db):
    typed = '=HYPERLINK("http://evil.example","open")'
    client.post("/learning/login/", {"username": typed, "password": "wrong"})
    root = factories.user(username="root", is_superuser=True, is_staff=True)
    into_admin(client, root)
    for fmt in ("csv", "xlsx"):
        content = b"".join(client.get(URL, {"export": fmt}).streaming_content)
        if fmt == "csv":
            rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
        else:
            rows = [
                [str(c or "") for c in r]
                for r in load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True)
            ]
        cells = [cell for row in rows[1:] for cell in row]
        assert "'" + typed in cells, (fmt, rows)
        assert not [cell for cell in cells if cell.startswith("=")], fmt
        # The change says what its words are, in the reader's language.
        assert "address: 127.0.0.1" in cells, cells


def test_members_and_anonymous_visitors_are_refused(client, logged, tree):
    assert client.get(URL).status_code == 302  # to the sign-in page
    member = logged["near"].user
    into_admin(client, member)  # even with access to the admin, a member has no role
    assert refused(client.get(URL))
    assert refused(client.get(URL + "results/"))


def test_entries_cannot_be_changed_from_the_report(client, logged):
    into_admin(client, factories.user(is_superuser=True))
    count = ModelLogEntry.objects.count()
    assert client.post(URL, {"action": "wagtail.edit"}).status_code == 405
    assert client.delete(URL).status_code == 405
    assert ModelLogEntry.objects.count() == count


def test_the_report_reads_a_page_in_a_bounded_number_of_queries(
    client, logged, tree, django_assert_max_num_queries
):
    clerk = factories.staff(role="clerk", unit=tree["b1"])
    people = [factories.member(unit=tree["b1a"]) for _ in range(30)]
    for member in people:
        log(member, "wagtail.edit", user=factories.user(), data={"changed": {"phone": "1"}})
    into_admin(client, clerk)
    client.get(URL)
    with django_assert_max_num_queries(15):  # 13 measured, for 5 rows or 60
        page = client.get(URL).content.decode()
    assert len(rows_of(page)) == 32
