"""The audit trail: each staff action of issue 21 leaves a Wagtail log entry naming the
person, the object, the change, and the unit the entry belongs to (see ``orgs.audit``).

Every action goes through the screen or API a person uses; the entry is then read back
from ``ModelLogEntry`` and, for some, from the "Audit log" report as a clerk sees it.
"""

import json
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone, translation
from wagtail.models import ModelLogEntry

from dj_learning.certificates.models import Certificate, CertificateTemplate
from dj_learning.courses.services import study_year
from dj_learning.credits.models import CreditEntry
from dj_learning.members import records
from dj_learning.members.models import RecordChange
from dj_learning.orgs.audit import UNIT_KEY
from dj_learning.rewards import services as points
from dj_learning.rewards.models import CatalogItem, PointRule, Redemption, TranscriptAward
from dj_learning.test import factories
from dj_learning.themes.models import UnitTheme

pytestmark = pytest.mark.django_db

PASSWORD = factories.PASSWORD
YEAR = study_year()


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def into_admin(client, user):
    """Sign ``user`` in to the Wagtail admin, in English."""
    from wagtail.users.models import UserProfile

    user.user_permissions.add(Permission.objects.get(codename="access_admin"))
    profile = UserProfile.get_for_user(user)
    profile.preferred_language = "en"
    profile.save()
    client.force_login(user)
    return client


def entry(action, obj=None):
    """The one entry of ``action`` (about ``obj`` if given)."""
    entries = ModelLogEntry.objects.filter(action=action)
    if obj is not None:
        entries = entries.filter(
            content_type=ContentType.objects.get_for_model(obj), object_id=str(obj.pk)
        )
    assert entries.count() == 1, list(entries.values("action", "object_id", "data"))
    return entries.get()


@pytest.fixture
def people(tree):
    """A member of branch 1 (region 1), its clerk, reviewer and region admin, a superuser."""
    member = factories.member(
        unit=tree["b1"], name="王芳", user=factories.user(username="wangfang")
    )
    return {
        "member": member,
        "clerk": factories.staff(
            role="clerk", unit=tree["b1"], username="clerk1", first_name="丽", last_name="李"
        ),
        "reviewer": factories.staff(role="reviewer", unit=tree["b1"], username="reviewer1"),
        "admin": factories.staff(role="admin", unit=tree["r1"], username="radmin"),
        "root": factories.user(username="root", is_superuser=True, is_staff=True),
    }


# -- Sign-ins ------------------------------------------------------------------------------


def test_a_sign_in_is_logged_against_the_account_with_its_unit_and_address(client, people, tree):
    member = people["member"]
    client.post(
        "/learning/login/",
        {"username": "wangfang", "password": PASSWORD},
        REMOTE_ADDR="10.0.0.7",
    )
    logged = entry("learning_members.sign_in", member.user)
    assert logged.user == member.user
    assert logged.data == {UNIT_KEY: tree["b1"].pk, "ip_address": "10.0.0.7"}


def test_a_token_from_the_api_is_a_sign_in_too(client, people, get_token, tree):
    get_token("wangfang", PASSWORD)
    logged = entry("learning_members.sign_in", people["member"].user)
    assert logged.data["via"] == "api" and logged.data[UNIT_KEY] == tree["b1"].pk


def test_a_failed_sign_in_names_the_account_or_the_name_tried(client, people, tree):
    client.post("/learning/login/", {"username": "wangfang", "password": "wrong"})
    logged = entry("learning_members.sign_in_failed", people["member"].user)
    assert logged.user is None
    assert logged.data["username"] == "wangfang" and logged.data[UNIT_KEY] == tree["b1"].pk
    client.post("/learning/login/", {"username": "nobody-here", "password": "wrong"})
    unknown = ModelLogEntry.objects.get(action="learning_members.sign_in_failed", object_id="-")
    assert unknown.label == "nobody-here" and unknown.data[UNIT_KEY] is None
    # A blank name (the API takes one) is logged too, not a server error.
    response = client.post(
        "/api/v1/auth/token", {"username": "", "password": "x"}, content_type="application/json"
    )
    assert response.status_code == 401
    assert ModelLogEntry.objects.filter(
        action="learning_members.sign_in_failed", label="-"
    ).exists()


# -- Permissions, groups and staff roles ---------------------------------------------------


def test_group_and_permission_changes_in_the_wagtail_admin_are_logged(client, people):
    root, clerk = people["root"], people["clerk"]
    into_admin(client, root)
    editors = Group.objects.create(name="Learning staff")
    # Wagtail's own group screen: a new permission for the group.
    response = client.post(
        f"/admin/groups/edit/{editors.pk}/",
        {
            "name": "Learning staff",
            "permissions": [Permission.objects.get(codename="access_admin").pk],
            **_empty_permission_formsets(client, editors),
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    edited = entry("wagtail.edit", editors)
    assert edited.user == root
    permissions = entry("learning_orgs.permissions", editors)
    assert permissions.user == root
    assert permissions.data["added"] == ["wagtailadmin.access_admin"]
    # Wagtail's user screen: the clerk joins the group.
    response = client.post(
        f"/admin/users/edit/{clerk.pk}/",
        {
            "username": clerk.username,
            "email": "clerk1@example.org",
            "first_name": clerk.first_name,
            "last_name": clerk.last_name,
            "is_active": "on",
            "is_superuser": "on",
            "groups": [editors.pk],
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert entry("wagtail.edit", clerk).user == root
    groups = entry("learning_orgs.groups", clerk)
    assert (groups.user, groups.data["added"]) == (root, ["Learning staff"])
    flags = entry("learning_orgs.user_flags", clerk)
    assert (flags.user, flags.data["changed"]) == (root, {"is_superuser": "True"})


def _empty_permission_formsets(client, group):
    """The management forms of the group screen's formsets, as the page renders them."""
    import re

    page = client.get(f"/admin/groups/edit/{group.pk}/").content.decode()
    fields = {}
    for name, value in re.findall(
        r'name="([^"]+-(?:TOTAL|INITIAL|MIN_NUM|MAX_NUM)_FORMS)"[^>]*value="(\d+)"', page
    ):
        fields[name] = value
    return fields


def test_granting_and_removing_a_staff_role_in_the_django_admin_is_logged(client, people, tree):
    root, member = people["root"], people["member"]
    client.force_login(root)
    response = client.post(
        "/django-admin/learning_orgs/staffrole/add/",
        {"user": member.user.pk, "unit": tree["b1"].pk, "role": "clerk"},
    )
    assert response.status_code == 302
    granted = entry("learning_orgs.grant_role")
    assert granted.user == root and granted.data["role"] == "clerk"
    assert granted.data[UNIT_KEY] == tree["b1"].pk and granted.data["user"] == "wangfang"
    role = member.user.learning_roles.get()
    client.post(f"/django-admin/learning_orgs/staffrole/{role.pk}/delete/", {"post": "yes"})
    removed = entry("learning_orgs.remove_role")
    assert removed.user == root and removed.object_id == str(role.pk)


def test_moving_a_staff_role_in_the_django_admin_logs_what_it_was_and_is(client, people, tree):
    root, clerk = people["root"], people["clerk"]
    role = clerk.learning_roles.get()
    client.force_login(root)
    response = client.post(
        f"/django-admin/learning_orgs/staffrole/{role.pk}/change/",
        {"user": clerk.pk, "unit": tree["r1"].pk, "role": "reviewer"},
    )
    assert response.status_code == 302
    moved = entry("learning_orgs.change_role", role)
    assert moved.user == root
    assert (moved.data["role"], moved.data["unit"]) == ("reviewer", str(tree["r1"]))
    assert (moved.data["before"]["role"], moved.data["before"]["unit"]) == (
        "clerk",
        str(tree["b1"]),
    )
    assert not ModelLogEntry.objects.filter(action="learning_orgs.grant_role").exists()
    assert not ModelLogEntry.objects.filter(action="learning_orgs.django_admin").exists()


def test_a_group_and_a_superuser_flag_set_in_the_django_admin_are_logged(client, people):
    root, clerk = people["root"], people["clerk"]
    client.force_login(root)
    response = client.post("/django-admin/auth/group/add/", {"name": "Exporters"})
    assert response.status_code == 302
    group = Group.objects.get(name="Exporters")
    added = entry("learning_orgs.django_admin", group)
    assert (added.user, added.data["action"]) == (root, "added")
    joined = timezone.localtime(clerk.date_joined)
    response = client.post(
        f"/django-admin/auth/user/{clerk.pk}/change/",
        {
            "username": clerk.username,
            "first_name": clerk.first_name,
            "last_name": clerk.last_name,
            "email": "",
            "is_active": "on",
            "is_superuser": "on",
            "groups": [group.pk],
            "date_joined_0": joined.strftime("%Y-%m-%d"),
            "date_joined_1": joined.strftime("%H:%M:%S"),
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    changed = entry("learning_orgs.django_admin", clerk)
    assert (changed.user, changed.data["action"]) == (root, "changed")
    fields = json.loads(changed.data["change"])[0]["changed"]["fields"]
    assert {"Superuser status", "Groups"} <= set(fields)
    # The report reads it as a person would.
    report = into_admin(client, root).get("/admin/learning/audit/").content.decode()
    assert "Changed in the Django admin" in report
    assert "Changed Superuser status, Groups" in report


# -- Member records ------------------------------------------------------------------------


def test_approving_and_rejecting_a_record_change_are_logged(client, people, tree):
    member, clerk, reviewer = people["member"], people["clerk"], people["reviewer"]
    first = records.propose_change(clerk, member, {"phone": "13800001111"}, "换号")
    second = records.propose_change(clerk, member, {"phone": "13800002222"}, "又换号")
    into_admin(client, reviewer)
    client.post(f"/admin/learning/records/changes/{first.pk}/decide/", {"decision": "approve"})
    client.post(
        f"/admin/learning/records/changes/{second.pk}/decide/",
        {"decision": "reject", "comment": "号码不对"},
    )
    approved = entry("learning_members.approve_change", first)
    assert approved.user == reviewer and approved.data["fields"] == ["phone"]
    assert approved.data["level"] == 1 and approved.data[UNIT_KEY] == tree["b1"].pk
    rejected = entry("learning_members.reject_change", second)
    assert rejected.user == reviewer and rejected.data["comment"] == "号码不对"
    assert RecordChange.objects.get(pk=second.pk).status == "rejected"


def test_a_decision_through_the_api_is_logged_too(client, people, get_token):
    member, clerk = people["member"], people["clerk"]
    change = records.propose_change(clerk, member, {"phone": "13800001111"}, "换号")
    token = get_token("reviewer1", PASSWORD)
    response = client.post(
        f"/api/v1/record-changes/{change.pk}/reject",
        json.dumps({"comment": "请核实"}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 200, response.content
    rejected = entry("learning_members.reject_change", change)
    assert rejected.user == people["reviewer"] and rejected.data["comment"] == "请核实"


# -- Points ----------------------------------------------------------------------------------


def test_an_award_from_transcripts_is_logged_with_what_it_gives(client, people, tree):
    factories.plan(unit=tree["r1"], year=YEAR, required_credits="3")
    CreditEntry.objects.create(
        member=people["member"],
        year=YEAR,
        kind="required",
        amount=Decimal(5),
        source="adjustment",
        title="学习",
        reason="测试",
        earned_on=f"{YEAR}-03-01",
    )
    into_admin(client, people["admin"])
    response = client.post(
        "/admin/learning/points/awards/new/",
        {
            "unit": tree["r1"].pk,
            "year": YEAR,
            "criterion": "met",
            "points": 15,
            "reason": "年度学习标兵",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    award = TranscriptAward.objects.get()
    logged = entry("wagtail.create", award)
    assert logged.user == people["admin"] and logged.data[UNIT_KEY] == tree["r1"].pk
    assert logged.data["points"] == "15" and logged.data["reason"] == "年度学习标兵"


def test_a_points_adjustment_is_logged_with_the_amount_and_reason(people, tree):
    factories.points(people["member"], 20)
    entry_row = points.adjust(people["member"], -5, reason="重复计分", by=people["admin"])
    logged = entry("learning_rewards.adjust", entry_row)
    assert logged.user == people["admin"]
    assert logged.data["amount"] == -5 and logged.data["reason"] == "重复计分"
    assert logged.data[UNIT_KEY] == tree["b1"].pk


def test_redemptions_fulfilled_and_cancelled_are_logged_from_the_screen_and_the_api(
    client, people, tree, get_token
):
    member = people["member"]
    item = factories.catalog_item(unit=tree["r1"], title="党徽", cost=10, stock=5)
    factories.points(member, 50)
    a, b, c = (points.redeem(member, item.pk) for _ in range(3))
    into_admin(client, people["clerk"])
    url = "/admin/learning/points/redemptions/{}/decide/"
    client.post(url.format(a.pk), {"decision": "fulfil"})
    client.post(url.format(b.pk), {"decision": "cancel", "reason": "缺货"})
    assert entry("learning_rewards.fulfil", a).user == people["clerk"]
    cancelled = entry("learning_rewards.cancel", b)
    assert cancelled.data["reason"] == "缺货" and cancelled.data[UNIT_KEY] == tree["b1"].pk
    token = get_token("radmin", PASSWORD)
    response = client.post(
        f"/api/v1/redemptions/{c.pk}/cancel",
        json.dumps({"reason": "会员不要了"}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 200, response.content
    by_api = entry("learning_rewards.cancel", c)
    assert by_api.user == people["admin"] and by_api.data["reason"] == "会员不要了"
    assert Redemption.objects.get(pk=c.pk).status == "cancelled"


def test_catalog_items_and_point_rules_are_logged_with_the_changed_fields(client, people, tree):
    into_admin(client, people["admin"])
    response = client.post(
        "/admin/learning/points/catalog/new/",
        {"unit": tree["r1"].pk, "title": "笔记本", "cost": 20, "stock": 5, "active": "on"},
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    item = CatalogItem.objects.get(title="笔记本")
    created = entry("wagtail.create", item)
    assert created.user == people["admin"] and created.data[UNIT_KEY] == tree["r1"].pk
    assert created.data["changed"]["title"] == "笔记本"
    response = client.post(
        f"/admin/learning/points/catalog/edit/{item.pk}/",
        {"unit": tree["r1"].pk, "title": "笔记本", "cost": 25, "stock": 5, "active": "on"},
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    edited = entry("wagtail.edit", item)
    assert edited.data["changed"] == {"cost": "25"}
    rule = factories.point_rule(unit=tree["r1"], action="check_in", points=5)
    response = client.post(
        f"/admin/learning/points/rules/edit/{rule.pk}/",
        {
            "unit": tree["r1"].pk,
            "action": "check_in",
            "points": 8,
            "daily_cap": "",
            "min_study_seconds": 0,
            "active": "on",
            "windows-TOTAL_FORMS": 0,
            "windows-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    assert entry("wagtail.edit", rule).data["changed"] == {"points": "8"}
    assert PointRule.objects.get(pk=rule.pk).points == 8


# -- Themes and certificates ---------------------------------------------------------------


def test_a_branch_theme_saved_in_the_admin_is_logged_against_its_unit(client, people, tree):
    into_admin(client, people["root"])
    response = client.post(
        "/admin/snippets/learning_themes/unittheme/add/",
        {"unit": tree["b1"].pk, "name": "一支部", "primary_colour": "#aa0000"},
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    theme = UnitTheme.objects.get()
    logged = entry("wagtail.create", theme)
    assert logged.user == people["root"] and logged.data[UNIT_KEY] == tree["b1"].pk


@pytest.fixture
def template(tree):
    return CertificateTemplate.objects.create(
        unit=tree["r1"],
        name="荣誉证书",
        title="荣誉证书",
        body="{name}同志特发此证。",
        issuer="一区",
        number_prefix="YQ",
    )


def test_a_certificate_issued_by_a_rule_is_logged_as_the_systems(people, tree, template):
    from dj_learning.certificates import services

    certificate, created = services.issue(people["member"], template, key="test:rule")
    issued = entry("learning_certificates.issue", certificate)
    assert created and issued.user is None and issued.data["number"] == certificate.number
    assert issued.data[UNIT_KEY] == tree["b1"].pk
    services.issue(people["member"], template, key="test:rule")  # again: nothing new
    assert ModelLogEntry.objects.filter(action="learning_certificates.issue").count() == 1


def test_certificates_issued_and_revoked_by_hand_are_logged(client, people, tree, template):
    member = people["member"]
    into_admin(client, people["admin"])
    response = client.post(
        "/admin/learning/certificates/issued/issue/",
        {"member_number": member.member_number, "template": template.pk, "course": "党史"},
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    certificate = Certificate.objects.get()
    issued = entry("wagtail.create", certificate)
    assert issued.user == people["admin"] and issued.data[UNIT_KEY] == tree["b1"].pk
    assert issued.data["number"] == certificate.number
    client.post(
        f"/admin/learning/certificates/issued/{certificate.pk}/",
        {"action": "revoke", "reason": "错发"},
    )
    revoked = entry("learning_certificates.revoke", certificate)
    assert revoked.user == people["admin"] and revoked.data["reason"] == "错发"


# -- Exports of personal data ----------------------------------------------------------------


def test_exports_of_records_transcripts_and_lists_name_who_and_which_unit(client, people, tree):
    admin, member = people["admin"], people["member"]
    into_admin(client, admin)
    assert client.get("/admin/learning/records/export/").status_code == 200
    records_export = entry("learning_orgs.export", tree["r1"])
    assert records_export.user == admin and records_export.data["export"] == "member records"
    ModelLogEntry.objects.all().delete()
    response = client.get(f"/learning/members/{member.pk}/transcript/pdf/")
    assert response.status_code == 200
    transcript = entry("learning_orgs.export", member)
    assert transcript.data["export"] == "transcript" and transcript.data[UNIT_KEY] == tree["b1"].pk
    ModelLogEntry.objects.all().delete()
    response = client.get(f"/admin/learning/report/export.xlsx?unit={tree['b1'].pk}")
    assert response.status_code == 200
    report = entry("learning_orgs.export", tree["b1"])
    assert report.data["export"] == "study report" and report.data["year"] == YEAR
    ModelLogEntry.objects.all().delete()
    # A list of members' rows downloaded from a Wagtail list screen.
    response = client.get("/admin/learning/points/redemptions/?export=xlsx")
    assert response.status_code == 200
    listed = entry("learning_orgs.export", tree["r1"])
    assert listed.data["format"] == "xlsx"
    assert listed.data["export"] == "learning_rewards.redemption list"
    # Rows that name their member by their own unit (offline training) are personal data too.
    response = client.get("/admin/learning/training/?export=csv")
    assert response.status_code == 200
    exports = ModelLogEntry.objects.filter(action="learning_orgs.export")
    assert "learning_credits.offlinetraining list" in {e.data["export"] for e in exports}


def test_the_member_reading_their_own_transcript_is_not_an_export(client, people):
    member = people["member"]
    client.force_login(member.user)
    assert client.get("/learning/transcript/pdf/").status_code == 200
    assert not ModelLogEntry.objects.filter(action="learning_orgs.export").exists()


# -- Activities ------------------------------------------------------------------------------


def test_attendance_marked_by_hand_and_its_export_are_logged(client, people, tree):
    from datetime import timedelta

    from django.utils import timezone

    from dj_learning.activities.models import Activity

    activity = Activity.objects.create(
        unit=tree["b1"],
        title="主题党日",
        place="会议室",
        starts_at=timezone.now() - timedelta(hours=1),
        ends_at=timezone.now() + timedelta(hours=1),
    )
    into_admin(client, people["clerk"])
    base = f"/admin/learning/activities/{activity.pk}/attendance"
    client.post(f"{base}/mark/", {"member": people["member"].member_number, "reason": "没有手机"})
    marked = entry("learning_activities.mark", activity)
    assert marked.user == people["clerk"] and marked.data["reason"] == "没有手机"
    assert marked.data[UNIT_KEY] == tree["b1"].pk
    assert (
        client.get(f"/admin/learning/activities/{activity.pk}/attendance.xlsx").status_code == 200
    )
    exported = entry("learning_orgs.export", activity)
    assert exported.user == people["clerk"] and exported.data["export"] == "attendance"


def rows_text(page):
    """The text of the report's table rows (tags stripped)."""
    import re

    listing = page[page.find('id="listing-results"') :]
    body = listing[listing.find("<tbody") : listing.find("</tbody>")]
    return " ".join(re.sub(r"<[^>]+>", " ", body).split())


# -- The report ------------------------------------------------------------------------------


def test_the_report_names_person_action_object_and_change(client, people, tree):
    item = factories.catalog_item(unit=tree["r1"], title="党徽")
    into_admin(client, people["admin"])
    client.post(
        f"/admin/learning/points/catalog/edit/{item.pk}/",
        {"unit": tree["r1"].pk, "title": "党徽", "cost": 30, "stock": 10, "active": "on"},
    )
    page = client.get("/admin/learning/audit/").content.decode()
    assert "radmin" in page and "Edited" in page and "党徽" in page
    rows = rows_text(page)
    assert "Edited catalog item: 党徽 Points cost: 30 一区" in rows, rows
    clerk_page = into_admin(client, people["clerk"]).get("/admin/learning/audit/")
    # The item belongs to the region: the branch clerk does not see its entry.
    assert "党徽" not in clerk_page.content.decode()


def test_downloading_an_archive_of_transcripts_or_certificates_is_logged(
    client, people, tree, settings, tmp_path
):
    from django.core.files.base import ContentFile

    from dj_learning.certificates.models import CertificateBatch
    from dj_learning.credits.models import TranscriptBatch

    settings.DJ_LEARNING = {**settings.DJ_LEARNING, "PRIVATE_MEDIA_ROOT": str(tmp_path / "p")}
    admin = people["admin"]
    transcripts = TranscriptBatch(unit=tree["b1"], year=YEAR, requested_by=admin, status="done")
    transcripts.archive.save("b1.zip", ContentFile(b"PK\x05\x06" + b"\0" * 18))
    certificates = CertificateBatch(unit=tree["b1"], requested_by=admin, status="done")
    certificates.archive.save("b1.zip", ContentFile(b"PK\x05\x06" + b"\0" * 18))
    into_admin(client, admin)
    assert client.get(f"/admin/learning/report/batches/{transcripts.pk}/").status_code == 200
    logged = entry("learning_orgs.export", transcripts)
    assert logged.user == admin and logged.data["export"] == "transcripts archive"
    assert logged.data[UNIT_KEY] == tree["b1"].pk and logged.data["year"] == YEAR
    response = client.get(f"/admin/learning/certificates/issued/zip/{certificates.pk}/")
    assert response.status_code == 200
    logged = entry("learning_orgs.export", certificates)
    assert logged.data["export"] == "certificates archive"
    assert logged.data[UNIT_KEY] == tree["b1"].pk
