"""The activities API: upcoming, sign-up, the organizer's code, check-in, daily sign-in,
volunteer service; refusals with their status and message."""

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from dj_learning.activities import services
from dj_learning.activities.models import Activity, Attendance, Volunteering
from dj_learning.orgs.models import StaffRole
from dj_learning.rewards.models import Action
from dj_learning.test import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(tree):
    now = timezone.now()
    activity = Activity.objects.create(
        unit=tree["b1"],
        title="主题党日",
        place="党员活动室",
        starts_at=now - timedelta(minutes=5),
        ends_at=now + timedelta(hours=1),
        signup=True,
        capacity=1,
        signup_deadline=now + timedelta(minutes=30),
    )
    factories.member(unit=tree["b1"], name="王芳", user=factories.user(username="wang"))
    factories.member(unit=tree["b1"], name="李强", user=factories.user(username="li"))
    factories.member(unit=tree["b2"], name="外人", user=factories.user(username="out"))
    factories.staff(role=StaffRole.Role.CLERK, unit=tree["b1"], username="clerk1")
    factories.staff(role=StaffRole.Role.CLERK, unit=tree["b2"], username="clerk2")
    factories.point_rule(unit=tree["r1"], action=Action.CHECK_IN, points=5)
    factories.point_rule(unit=tree["r1"], action=Action.DAILY_SIGN_IN, points=1, daily_cap=1)
    return activity


def api(client, get_token, username, method, url, **kwargs):
    return getattr(client, method)(
        f"/api/v1{url}",
        HTTP_AUTHORIZATION=f"Bearer {get_token(username, factories.PASSWORD)}",
        HTTP_ACCEPT_LANGUAGE="en",
        content_type="application/json",
        **kwargs,
    )


def test_my_upcoming_activities(client, setup, get_token):
    rows = api(client, get_token, "wang", "get", "/activities").json()
    assert [(r["title"], r["place"], r["checkin_open"], r["signed_up"]) for r in rows] == [
        ("主题党日", "党员活动室", True, False)
    ]
    assert api(client, get_token, "out", "get", "/activities").json() == []


def test_sign_up_full_twice_and_outside(client, setup, get_token):
    url = f"/activities/{setup.pk}/signup"
    assert api(client, get_token, "wang", "post", url).status_code == 201
    again = api(client, get_token, "wang", "post", url)
    assert (again.status_code, again.json()) == (409, {"detail": "You have signed up already."})
    full = api(client, get_token, "li", "post", url)
    assert (full.status_code, full.json()) == (409, {"detail": "Sorry, this activity is full."})
    outside = api(client, get_token, "out", "post", url)
    assert outside.status_code == 403
    assert api(client, get_token, "wang", "get", "/activities").json()[0]["signed_up"] is True


def test_the_code_is_for_the_organizers_scope_only(client, setup, get_token):
    url = f"/activities/{setup.pk}/code"
    response = api(client, get_token, "clerk1", "get", url)
    assert response.status_code == 200
    assert response.json()["code"] == services.current_code(setup).code
    assert response.json()["checked_in"] == 0
    assert api(client, get_token, "clerk2", "get", url).status_code == 404
    assert api(client, get_token, "wang", "get", url).status_code == 404


def test_a_wrong_code_is_400_a_second_check_in_409(client, setup, get_token):
    url = f"/activities/{setup.pk}/checkin"
    code = services.current_code(setup).code
    wrong = api(client, get_token, "wang", "post", url, data={"code": "000000"})
    if code == "000000":  # one chance in a million
        wrong = api(client, get_token, "wang", "post", url, data={"code": "000001"})
    assert wrong.status_code == 400
    assert wrong.json()["detail"].startswith("This code is wrong or has expired")
    done = api(client, get_token, "wang", "post", url, data={"code": code})
    assert done.status_code == 201 and done.json()["points"] == 5
    again = api(client, get_token, "wang", "post", url, data={"code": code})
    assert (again.status_code, again.json()) == (409, {"detail": "You have checked in already."})
    assert api(client, get_token, "out", "post", url, data={"code": code}).status_code == 404
    assert Attendance.objects.count() == 1


def test_daily_sign_in_twice(client, setup, get_token):
    first = api(client, get_token, "wang", "post", "/me/signin")
    assert first.status_code == 201
    assert first.json() == {"day": f"{timezone.localdate()}", "streak": 1, "points": 1}
    second = api(client, get_token, "wang", "post", "/me/signin")
    assert (second.status_code, second.json()) == (
        409,
        {"detail": "You have signed in today already."},
    )


def test_volunteer_log_and_list(client, setup, get_token):
    today = f"{timezone.localdate()}"
    bad = api(
        client,
        get_token,
        "wang",
        "post",
        "/me/volunteer",
        data={"date": today, "hours": "30", "description": "清扫"},
    )
    assert (bad.status_code, bad.json()) == (
        409,
        {"detail": "One entry can have at most 24 hours."},
    )
    fine = api(
        client,
        get_token,
        "wang",
        "post",
        "/me/volunteer",
        data={"date": today, "hours": "2.255", "description": "清扫"},
    )
    assert (fine.status_code, fine.json()) == (
        409,
        {"detail": "Give the hours with at most two decimals (2.25, not 2.255)."},
    )
    made = api(
        client,
        get_token,
        "wang",
        "post",
        "/me/volunteer",
        data={"date": today, "hours": "2.5", "description": "社区清扫"},
    )
    assert made.status_code == 201 and made.json()["status"] == "pending"
    rows = api(client, get_token, "wang", "get", "/me/volunteer").json()
    assert [(r["description"], Decimal(r["hours"]), r["status"]) for r in rows] == [
        ("社区清扫", Decimal("2.5"), "pending")
    ]
    assert api(client, get_token, "li", "get", "/me/volunteer").json() == []


def _photo():
    out = io.BytesIO()
    Image.new("RGB", (60, 40), (200, 16, 46)).save(out, "PNG")
    return SimpleUploadedFile("清扫.png", out.getvalue(), content_type="image/png")


def _attach(client, get_token, username, pk, upload):
    return client.post(
        f"/api/v1/me/volunteer/{pk}/proof",
        {"proof": upload},
        HTTP_AUTHORIZATION=f"Bearer {get_token(username, factories.PASSWORD)}",
        HTTP_ACCEPT_LANGUAGE="en",
    )


def test_volunteer_proof_is_checked_kept_private_and_only_for_the_own_pending_entry(
    client, setup, get_token
):
    made = api(
        client,
        get_token,
        "wang",
        "post",
        "/me/volunteer",
        data={"date": f"{timezone.localdate()}", "hours": "2", "description": "社区清扫"},
    ).json()
    assert made["has_proof"] is False

    fake = SimpleUploadedFile("proof.png", b"MZ\x90\x00 not an image", content_type="image/png")
    refused = _attach(client, get_token, "wang", made["id"], fake)
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["loc"] == ["body", "proof"]
    assert refused.json()["errors"][0]["msg"] == (
        "This file is not an image (JPEG, PNG, GIF, WebP) or a PDF; its content does not match."
    )
    assert not Volunteering.objects.get(pk=made["id"]).proof

    # Another member's entry is not found; the member's own gets the proof, renamed.
    assert _attach(client, get_token, "li", made["id"], _photo()).status_code == 404
    attached = _attach(client, get_token, "wang", made["id"], _photo())
    assert (attached.status_code, attached.json()["has_proof"]) == (200, True)
    entry = Volunteering.objects.get(pk=made["id"])
    assert "清扫" not in entry.proof.name and entry.proof.name.endswith(".png")
    with entry.proof.open("rb") as stored:
        assert Image.open(stored).size == (60, 40)

    # Once the branch has reviewed it, the proof stays as the reviewer saw it.
    Volunteering.objects.filter(pk=entry.pk).update(status=Volunteering.Status.APPLIED)
    late = _attach(client, get_token, "wang", made["id"], _photo())
    assert (late.status_code, late.json()) == (
        409,
        {"detail": "This entry has been reviewed: its proof can no longer change."},
    )
    assert Volunteering.objects.get(pk=entry.pk).proof.name == entry.proof.name
