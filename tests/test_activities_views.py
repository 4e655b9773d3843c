"""The activities pages: members' list, detail, sign-up and check-in by QR link or typed code,
the organizer's screen and its polling, the admin's attendance list and export, volunteer
service, daily sign-in, the lobby board and the embed widget; who may see each."""

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone, translation
from openpyxl import load_workbook

from dj_learning.activities import services
from dj_learning.activities.models import (
    Activity,
    Attendance,
    DailySignIn,
    LobbyScreen,
    Volunteering,
)
from dj_learning.credits.models import OfflineTraining
from dj_learning.orgs.models import StaffRole
from dj_learning.rewards import services as rewards
from dj_learning.rewards.models import Action
from dj_learning.test import factories

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def setup(tree):
    now = timezone.now()
    clerk = factories.staff(role=StaffRole.Role.CLERK, unit=tree["b1"], username="clerk1")
    activity = Activity.objects.create(
        unit=tree["b1"],
        title="主题党日",
        place="党员活动室",
        starts_at=now - timedelta(minutes=10),
        ends_at=now + timedelta(hours=1),
        credit_hours=Decimal(2),
        created_by=clerk,
    )
    member = factories.member(unit=tree["b1"], name="王芳", user=factories.user(username="wang"))
    factories.point_rule(unit=tree["r1"], action=Action.CHECK_IN, points=5)
    return {**tree, "clerk": clerk, "activity": activity, "member": member}


def login(client, user):
    client.force_login(user)
    return client


def admin_login(client, user):
    """Staff work in the Wagtail admin (the demo's "Learning staff" group lets them in)."""
    from django.contrib.auth.models import Permission

    user.user_permissions.add(Permission.objects.get(codename="access_admin"))
    return login(client, user)


def test_members_see_the_activities_of_their_units_only(client, setup):
    other = Activity.objects.create(
        unit=setup["b2"],
        title="二区讲座",
        place="礼堂",
        starts_at=timezone.now() + timedelta(days=1),
        ends_at=timezone.now() + timedelta(days=1, hours=1),
    )
    login(client, setup["member"].user)
    page = client.get("/learning/activities/", **EN).content.decode()
    assert "主题党日" in page and "党员活动室" in page and "二区讲座" not in page
    assert client.get(f"/learning/activities/{setup['activity'].pk}/").status_code == 200
    assert client.get(f"/learning/activities/{other.pk}/").status_code == 404


def test_the_qr_link_asks_to_sign_in_then_checks_in_with_one_button(client, setup):
    activity, member = setup["activity"], setup["member"]
    code = services.current_code(activity).code
    url = f"/learning/activities/{activity.pk}/checkin/?code={code}"
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/learning/login/?next=")
    assert f"code%3D{code}" in response["Location"]
    # A GET shows the code filled in and checks nobody in.
    login(client, member.user)
    page = client.get(url, **EN).content.decode()
    assert f'value="{code}"' in page and not Attendance.objects.exists()
    response = client.post(url.split("?")[0], {"code": code}, follow=True, **EN)
    assert "Checked in. You earned 5 points." in response.content.decode()
    assert "Checked in at" in response.content.decode()
    response = client.get("/learning/points/", **EN)
    assert "Checked in at 主题党日" in response.content.decode()


def test_a_wrong_code_keeps_what_was_typed_and_says_why(client, setup):
    activity = setup["activity"]
    login(client, setup["member"].user)
    right = services.current_code(activity).code
    wrong = f"{(int(right) + 7) % 1_000_000:06d}"
    response = client.post(f"/learning/activities/{activity.pk}/checkin/", {"code": wrong}, **EN)
    assert response.status_code == 400
    page = response.content.decode()
    assert "This code is wrong or has expired" in page and f'value="{wrong}"' in page
    response = client.post(f"/learning/activities/{activity.pk}/checkin/", {"code": "12"}, **EN)
    assert "The code has 6 digits." in response.content.decode()
    assert not Attendance.objects.exists()


def test_check_in_is_a_post(client, setup):
    login(client, setup["member"].user)
    code = services.current_code(setup["activity"]).code
    client.get(f"/learning/activities/{setup['activity'].pk}/checkin/?code={code}")
    assert not Attendance.objects.exists()


def test_sign_up_and_cancel_from_the_page(client, setup):
    activity = setup["activity"]
    activity.signup = True
    activity.capacity = 1
    activity.starts_at = timezone.now() + timedelta(days=1)
    activity.ends_at = activity.starts_at + timedelta(hours=1)
    activity.save()
    login(client, setup["member"].user)
    page = client.post(f"/learning/activities/{activity.pk}/signup/", follow=True, **EN)
    assert "You have signed up." in page.content.decode() and "1 / 1" in page.content.decode()
    assert client.get(f"/learning/activities/{activity.pk}/signup/").status_code == 405
    other = factories.member(unit=setup["b1"])
    login(client, other.user)
    page = client.post(f"/learning/activities/{activity.pk}/signup/", follow=True, **EN)
    assert "Sorry, this activity is full." in page.content.decode()
    login(client, setup["member"].user)
    page = client.post(f"/learning/activities/{activity.pk}/cancel/", follow=True, **EN)
    assert "Your sign-up is cancelled." in page.content.decode()
    assert not activity.signups.exists()


# -- The screen ---------------------------------------------------------------------------------


def test_the_screen_is_for_the_organizers_scope_only(client, setup, tree):
    activity = setup["activity"]
    url = f"/learning/activities/{activity.pk}/screen/"
    assert client.get(url).status_code == 302  # sign in first
    login(client, setup["member"].user)
    assert client.get(url).status_code == 404
    assert client.get(url.replace("screen/", "screen.json")).status_code == 404
    login(client, factories.staff(role=StaffRole.Role.CLERK, unit=tree["b2"]))
    assert client.get(url).status_code == 404
    login(client, factories.staff(role=StaffRole.Role.ADMIN, unit=tree["r1"]))
    assert client.get(url).status_code == 200
    login(client, setup["clerk"])
    page = client.get(url, **EN).content.decode()
    code = services.current_code(activity).code
    assert "主题党日" in page and code in page
    assert 'data-testid="screen-count"' in page and "data:image/svg+xml" in page
    assert '<meta http-equiv="refresh"' in page  # inside <noscript>: reloads without JS


def test_the_screen_state_updates_its_count_with_a_fixed_number_of_queries(
    client, setup, django_assert_max_num_queries
):
    activity, clerk = setup["activity"], setup["clerk"]
    login(client, clerk)
    url = f"/learning/activities/{activity.pk}/screen.json"
    state = client.get(url).json()
    assert state["count"] == 0 and state["code"] == services.current_code(activity).code
    assert state["url"].endswith(
        f"/learning/activities/{activity.pk}/checkin/?code={state['code']}"
    )
    assert 0 <= state["expires_in"] <= 30 and state["open"] is True
    member = setup["member"]
    services.check_in(member, activity, state["code"])
    for _ in range(30):
        services.mark_by_hand(clerk, activity, factories.member(unit=setup["b1"]), "纸质签到")
    with django_assert_max_num_queries(5):
        state = client.get(url, {"have": state["code"]}).json()
    assert state["count"] == 31


def test_the_code_rotates_on_the_screen(client, setup, monkeypatch, learning_settings):
    learning_settings(CHECKIN_ROTATE_SECONDS=30)
    login(client, setup["clerk"])
    url = f"/learning/activities/{setup['activity'].pk}/screen.json"
    start = timezone.now().replace(second=0, microsecond=0)
    monkeypatch.setattr(timezone, "now", lambda: start + timedelta(seconds=5))
    first = client.get(url).json()
    assert first["expires_in"] == 25 and first["qr"].startswith("data:image/svg+xml")
    # The screen has this code's QR code already: it is not sent again...
    monkeypatch.setattr(timezone, "now", lambda: start + timedelta(seconds=20))
    same = client.get(url, {"have": first["code"]}).json()
    assert same["code"] == first["code"] and "qr" not in same
    # ...until the code changes.
    monkeypatch.setattr(timezone, "now", lambda: start + timedelta(seconds=31))
    second = client.get(url, {"have": first["code"]}).json()
    assert second["code"] != first["code"] and second["qr"] != first["qr"]


# -- Attendance in the admin ---------------------------------------------------------------------


def test_attendance_list_marking_by_hand_and_export(
    client, setup, tree, django_capture_on_commit_callbacks
):
    activity, clerk, member = setup["activity"], setup["clerk"], setup["member"]
    base = f"/admin/learning/activities/{activity.pk}/attendance"
    admin_login(client, factories.staff(role=StaffRole.Role.CLERK, unit=tree["b2"]))
    assert client.get(f"{base}/").status_code == 404
    assert (
        client.post(f"{base}/mark/", {"member": member.member_number, "reason": "x"}).status_code
        == 404
    )
    admin_login(client, clerk)
    response = client.post(f"{base}/mark/", {"member": member.member_number, "reason": ""}, **EN)
    assert response.status_code == 400 and "This field is required." in response.content.decode()
    outsider = factories.member(unit=tree["b2"])
    response = client.post(
        f"{base}/mark/", {"member": outsider.member_number, "reason": "没有手机"}, **EN
    )
    assert f"No member with the number {outsider.member_number} in your units." in (
        response.content.decode()
    )
    assert f'value="{outsider.member_number}"' in response.content.decode()
    response = client.post(
        f"{base}/mark/", {"member": member.member_number, "reason": "没有手机"}, follow=True, **EN
    )
    page = response.content.decode()
    assert "王芳 is marked present." in page and "Marked by hand" in page and "没有手机" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{base}/credit/", follow=True, **EN)
    assert "credits and points are being recorded" in response.content.decode()
    training = OfflineTraining.objects.get(member=member)
    assert (training.status, training.hours, training.title) == ("pending", 2, "主题党日")
    page = client.get(f"{base}/", **EN).content.decode()
    assert "Waiting for review" in page
    # Pressed again (or the job retried): nothing twice.
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"{base}/credit/")
    assert OfflineTraining.objects.filter(member=member).count() == 1
    response = client.get(f"/admin/learning/activities/{activity.pk}/attendance.xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("Member number", "Name", "Unit", "Attendance")
    assert rows[1][:4] == (member.member_number, "王芳", tree["b1"].name, "Marked by hand")


def test_the_admin_lists_activities_of_the_staff_subtree(client, setup, tree):
    Activity.objects.create(
        unit=tree["b2"],
        title="二区讲座",
        place="礼堂",
        starts_at=timezone.now(),
        ends_at=timezone.now() + timedelta(hours=1),
    )
    admin_login(client, setup["clerk"])
    page = client.get("/admin/learning/activities/", **EN).content.decode()
    assert "主题党日" in page and "二区讲座" not in page


def test_creating_an_activity_in_the_admin_checks_its_times(client, setup, tree):
    admin_login(client, setup["clerk"])
    form = {
        "unit": tree["b1"].pk,
        "title": "支部学习",
        "kind": "lecture",
        "description": "",
        "place": "会议室",
        "starts_at": "2026-07-01 09:00",
        "ends_at": "2026-07-01 08:00",
        "credit_hours": "1",
        "credit_kind": "elective",
        "points": "check_in",
    }
    response = client.post("/admin/learning/activities/new/", form, **EN)
    assert response.status_code == 200
    assert "The activity must end after it starts." in response.content.decode()
    assert 'value="支部学习"' in response.content.decode()
    form["ends_at"] = "2026-07-01 11:00"
    form["unit"] = tree["b2"].pk
    response = client.post("/admin/learning/activities/new/", form, **EN)
    assert "Select a valid choice" in response.content.decode()
    form["unit"] = tree["b1"].pk
    response = client.post("/admin/learning/activities/new/", form)
    assert response.status_code == 302
    assert Activity.objects.get(title="支部学习").created_by == setup["clerk"]


# -- Volunteer service ---------------------------------------------------------------------------


PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00"
    b"\x90wS\xde\x00\x00\x00\x0cIDATx\x9cc\xf8\xcf\xc0\x00\x00\x03\x01\x01\x00\xc9\xfe\x92\xef"
    b"\x00\x00\x00\x00IEND\xaeB`\x82"
)


def test_volunteer_service_from_log_to_approval(client, setup, tree, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.DJ_LEARNING = {**settings.DJ_LEARNING, "PRIVATE_MEDIA_ROOT": str(tmp_path)}
    factories.point_rule(unit=tree["r1"], action=Action.VOLUNTEER_HOUR, points=3)
    member = setup["member"]
    login(client, member.user)
    today = timezone.localdate()
    bad = {"date": f"{today}", "hours": "2", "description": "社区清扫"}
    bad["proof"] = SimpleUploadedFile("x.png", b"not an image", content_type="image/png")
    response = client.post("/learning/volunteer/", bad, **EN)
    assert response.status_code == 400 and 'value="社区清扫"' in response.content.decode()
    assert not Volunteering.objects.exists()
    good = {**bad, "proof": SimpleUploadedFile("x.png", PNG, content_type="image/png")}
    response = client.post("/learning/volunteer/", good, follow=True, **EN)
    assert "Your service was sent to your branch for approval." in response.content.decode()
    entry = Volunteering.objects.get()
    assert entry.proof.name.rsplit("/", 1)[-1] != "x.png"  # stored under a random name
    assert client.get(f"/learning/volunteer/{entry.pk}/proof/").status_code == 200
    login(client, factories.member(unit=tree["b1"]).user)
    assert client.get(f"/learning/volunteer/{entry.pk}/proof/").status_code == 404
    reviewer = factories.staff(role=StaffRole.Role.REVIEWER, unit=tree["b1"])
    admin_login(client, reviewer)
    page = client.get("/admin/learning/volunteering/", **EN).content.decode()
    assert "社区清扫" in page and "Waiting for your decision" in page
    client.post(
        f"/admin/learning/volunteering/{entry.pk}/decide/", {"decision": "approve", "comment": ""}
    )
    assert rewards.balance_of(member)[0] == 6
    login(client, member.user)
    page = client.get("/learning/activities/", **EN).content.decode()
    assert 'data-testid="volunteer-hours">2<' in page


def test_another_branchs_reviewer_cannot_decide(client, setup, tree):
    entry = services.log_volunteering(
        setup["member"], date=timezone.localdate(), hours=Decimal(1), description="清扫"
    )
    admin_login(client, factories.staff(role=StaffRole.Role.REVIEWER, unit=tree["b2"]))
    response = client.post(
        f"/admin/learning/volunteering/{entry.pk}/decide/", {"decision": "approve"}
    )
    assert response.status_code == 404
    entry.refresh_from_db()
    assert entry.status == Volunteering.Status.PENDING


# -- Daily sign-in ---------------------------------------------------------------------------------


def test_daily_sign_in_from_the_page_once_a_day(client, setup, tree):
    factories.point_rule(unit=tree["r1"], action=Action.DAILY_SIGN_IN, points=1, daily_cap=1)
    login(client, setup["member"].user)
    page = client.post("/learning/activities/signin/", follow=True, **EN).content.decode()
    assert "Signed in: 1 days in a row, 1 points." in page
    assert "1 day in a row" in page and 'data-testid="signed-in-today"' in page
    page = client.post("/learning/activities/signin/", follow=True, **EN).content.decode()
    assert "You have signed in today already." in page
    assert rewards.balance_of(setup["member"])[0] == 1
    page = client.get("/learning/points/", **EN).content.decode()
    assert 'data-testid="points-figure-streak">1 day<' in page


def test_the_daily_sign_in_widget_signs_in_and_comes_back(client, setup, tree):
    factories.point_rule(unit=tree["r1"], action=Action.DAILY_SIGN_IN, points=1)
    login(client, setup["member"].user)
    page = client.get("/embed/daily-sign-in/", **EN).content.decode()
    assert "0 days in a row" in page and 'data-testid="daily-sign-in"' in page
    response = client.post("/learning/activities/signin/", {"next": "/embed/daily-sign-in/"})
    assert response["Location"] == "/embed/daily-sign-in/"
    page = client.get("/embed/daily-sign-in/", **EN).content.decode()
    assert "1 day in a row" in page and "Signed in today." in page
    # Only back to this site.
    DailySignIn.objects.all().delete()
    response = client.post("/learning/activities/signin/", {"next": "https://evil.example/"})
    assert response["Location"] == "/learning/activities/"


# -- The lobby board and the widget -------------------------------------------------------------------


def test_the_lobby_board_by_its_secret_link_until_revoked(client, setup, tree):
    member, hidden = setup["member"], factories.member(unit=tree["b1"], name="隐身者")
    rewards.award(member, Action.CHECK_IN, title="主题党日")
    rewards.award(hidden, Action.CHECK_IN, title="主题党日")
    rewards.set_hidden(hidden, True)
    screen = LobbyScreen.objects.create(unit=tree["b1"], name="大厅")
    page = client.get(f"/learning/board/{screen.token}/", **EN).content.decode()
    assert "王芳" in page and "隐身者" not in page and "主题党日" in page
    assert member.member_number not in page
    screen.revoked = True
    screen.save()
    assert client.get(f"/learning/board/{screen.token}/").status_code == 404
    assert client.get("/learning/board/guessed/").status_code == 404


def test_the_upcoming_activities_widget(client, setup):
    response = client.get("/embed/upcoming-activities/", **EN)
    assert "Sign in to see your activities." in response.content.decode()
    login(client, setup["member"].user)
    page = client.get("/embed/upcoming-activities/", **EN).content.decode()
    assert "主题党日" in page and 'data-testid="upcoming-activities"' in page
