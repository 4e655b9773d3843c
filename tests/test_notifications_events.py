"""The other apps' events in the member's inbox: record changes approved or returned,
redemptions ready, picked up or cancelled, certificates issued, plan reminders and
attendance credited. Each kind reaches the member's inbox page once however often the
event is repeated, in the members' language whatever language the person or job that
caused it spoke, with e-mail by the member's choice (Django's locmem outbox)."""

import io
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import translation
from PIL import Image

from dj_learning.activities import services as activities
from dj_learning.activities.models import Activity
from dj_learning.certificates import services as certificates
from dj_learning.certificates.models import CertificateTemplate
from dj_learning.credits import services as credits
from dj_learning.credits.reminders import remind_behind
from dj_learning.members import records
from dj_learning.members.models import Member
from dj_learning.notifications import services
from dj_learning.notifications.models import Notification
from dj_learning.orgs.models import StaffRole
from dj_learning.review import services as review
from dj_learning.rewards import services as rewards
from dj_learning.test import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english_staff():
    """Whoever causes the events speaks English; the members read Chinese (the site's
    ``LANGUAGE_CODE``) unless a test sets ``MEMBER_LANGUAGE``."""
    with translation.override("en"):
        yield


@pytest.fixture
def member(tree):
    return factories.member(
        unit=tree["b1"], name="张伟", user=factories.user(email="zhang@example.org")
    )


def inbox(client, member):
    """The member's inbox page as they see it (in Chinese: the site's language)."""
    client.force_login(member.user)
    response = client.get("/learning/notifications/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200
    return response.content.decode()


def notices(member, kind):
    return list(Notification.objects.filter(user=member.user, kind=kind))


def test_every_kind_is_registered_with_a_label_for_the_preferences():
    names = set(services.kinds.names())
    assert {
        "members.record_approved",
        "members.record_returned",
        "rewards.redemption_ready",
        "rewards.redemption_fulfilled",
        "rewards.redemption_cancelled",
        "certificates.issued",
        "credits.plan_reminder",
        "activities.attendance_credited",
        "activities.reminder",
    } <= names


# -- Record changes ---------------------------------------------------------------------------


def values(member, **changes):
    data = {name: getattr(member, name) for name in Member.record_fields}
    data.update(changes)
    return data


@pytest.fixture
def reviewers(tree):
    return (
        factories.staff(role=StaffRole.Role.REVIEWER, unit=tree["b1"]),
        factories.staff(role=StaffRole.Role.REVIEWER, unit=tree["r1"]),
    )


def test_an_approved_record_change_tells_the_member_once(
    client, member, reviewers, django_capture_on_commit_callbacks
):
    branch, region = reviewers
    change = records.request_correction(member, values(member, phone="13911112222"), "换号了")
    with django_capture_on_commit_callbacks(execute=True):
        review.approve(change, branch)
    assert not Notification.objects.exists()  # one level to go
    with django_capture_on_commit_callbacks(execute=True):
        review.approve(change, region)
        with pytest.raises(review.ReviewError):  # a second click: decided already
            review.approve(change, region)
    (notice,) = notices(member, "members.record_approved")
    page = inbox(client, member)
    assert "您的党员档案已更新" in page and "党员申请更正" in page
    assert notice.url == "/learning/me/"
    (email,) = mail.outbox
    assert email.to == ["zhang@example.org"] and email.subject == "您的党员档案已更新"


def test_a_returned_request_tells_whoever_made_it_with_the_reason(
    client, tree, member, reviewers, django_capture_on_commit_callbacks
):
    branch, _region = reviewers
    own = records.request_correction(member, values(member, phone="13911112222"), "换号了")
    clerk = factories.staff(role=StaffRole.Role.CLERK, unit=tree["b1"])
    by_clerk = records.propose_change(clerk, member, values(member, phone="13800000001"), "")
    with django_capture_on_commit_callbacks(execute=True):
        review.reject(own, branch, "号码位数不对")
        review.reject(by_clerk, branch, "没有依据")
        with pytest.raises(review.ReviewError):
            review.reject(own, branch, "号码位数不对")
    (notice,) = notices(member, "members.record_returned")
    assert "您的更正申请已退回" in inbox(client, member) and "号码位数不对" in notice.body
    (clerk_notice,) = Notification.objects.filter(user=clerk)
    assert "张伟" in clerk_notice.title and "没有依据" in clerk_notice.body
    assert clerk_notice.url == f"/admin/learning/records/changes/{by_clerk.pk}/"
    # E-mail to the member; the clerk's account has no address.
    (email,) = mail.outbox
    assert email.to == ["zhang@example.org"] and email.subject == "您的更正申请已退回"


def test_a_request_returned_again_after_resubmission_is_a_second_notice(
    member, reviewers, django_capture_on_commit_callbacks
):
    branch, _region = reviewers
    change = records.request_correction(member, values(member, phone="13911112222"), "换号了")
    with django_capture_on_commit_callbacks(execute=True):
        review.reject(change, branch, "第一次")
        review.resubmit(change, member.user)
        review.reject(change, branch, "第二次")
    bodies = sorted(n.body for n in notices(member, "members.record_returned"))
    assert len(bodies) == 2 and "第一次" in bodies[0] + bodies[1]


# -- Redemptions ------------------------------------------------------------------------------


def test_a_redemption_ready_then_fulfilled_tells_the_member_each_step_once(
    client, tree, member, django_capture_on_commit_callbacks
):
    item = factories.catalog_item(unit=tree["r1"], title="党徽", cost=30, stock=5)
    factories.points(member, 60)
    clerk = factories.staff(role="clerk", unit=tree["b1"])
    with django_capture_on_commit_callbacks(execute=True):
        redemption = rewards.redeem(member, item.pk)
    with django_capture_on_commit_callbacks(execute=True):
        rewards.fulfil(redemption, clerk)
        with pytest.raises(rewards.PointsError):
            rewards.fulfil(redemption, clerk)
    (ready,) = notices(member, "rewards.redemption_ready")
    (fulfilled,) = notices(member, "rewards.redemption_fulfilled")
    page = inbox(client, member)
    assert "“党徽”可以领取了" in page and "您已领取“党徽”" in page
    assert redemption.code in ready.body and ready.url == "/learning/rewards/mine/"
    # E-mail for "ready" by default; a pick-up the member made needs none.
    (email,) = mail.outbox
    assert email.subject == "“党徽”可以领取了" and redemption.code in email.body


def test_a_cancelled_redemption_says_the_points_came_back_and_why(
    client, tree, member, django_capture_on_commit_callbacks
):
    item = factories.catalog_item(unit=tree["r1"], title="书签", cost=30, stock=5)
    factories.points(member, 60)
    redemption = rewards.redeem(member, item.pk)
    with django_capture_on_commit_callbacks(execute=True):
        rewards.cancel(redemption, None, reason="缺货")
        with pytest.raises(rewards.PointsError):
            rewards.cancel(redemption, None, reason="缺货")
    (notice,) = notices(member, "rewards.redemption_cancelled")
    assert "您兑换的“书签”已取消" in inbox(client, member)
    assert "30" in notice.body and "缺货" in notice.body
    (email,) = mail.outbox  # redeem() ran outside the capture: its notice never committed
    assert email.subject == "您兑换的“书签”已取消" and "缺货" in email.body


# -- Certificates -----------------------------------------------------------------------------


def _png():
    out = io.BytesIO()
    Image.new("RGB", (60, 60), (200, 16, 46)).save(out, "PNG")
    return out


@pytest.fixture
def template(tree, settings, tmp_path):
    from dj_learning.uploads import private

    settings.DJ_LEARNING = {**settings.DJ_LEARNING, "PRIVATE_MEDIA_ROOT": str(tmp_path / "p")}
    template = CertificateTemplate.objects.create(
        unit=tree["r1"],
        name="荣誉证书",
        title="荣誉证书",
        body="{name}同志在{plan_year}年度学习中成绩优秀，特发此证。",
        issuer="中共一区委员会组织部",
        number_prefix="YQ",
    )
    template.seal.name = private.save("certificates/templates/seal.png", _png())
    template.save()
    return template


def test_an_issued_certificate_is_in_the_inbox_with_its_download_link_once(
    client, tree, member, template, django_capture_on_commit_callbacks
):
    admin = factories.staff(role="admin", unit=tree["r1"])
    with django_capture_on_commit_callbacks(execute=True):
        certificate = certificates.issue_by_hand(admin, member, template)
    with django_capture_on_commit_callbacks(execute=True):
        certificates.rerender(admin, certificate)  # a second rendering tells nobody
    (notice,) = notices(member, "certificates.issued")
    page = inbox(client, member)
    assert f"您获得了“荣誉证书”（{certificate.number}）" in page
    assert notice.url == f"/learning/certificates/{certificate.pk}/pdf/"
    download = client.get(notice.url)
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    (email,) = mail.outbox
    assert certificate.number in email.subject
    assert f"http://testserver/learning/certificates/{certificate.pk}/pdf/" in email.body


# -- Plan reminders ---------------------------------------------------------------------------


@pytest.fixture
def behind(tree, member):
    factories.plan(unit=tree["r1"], year=2026, required_credits="2")
    return member


def test_a_plan_reminder_is_in_the_inbox_and_e_mailed_once_a_run(
    client, behind, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        assert remind_behind(date(2026, 12, 1)) == 1
        assert remind_behind(date(2026, 12, 1)) == 0  # the job retried
    (notice,) = notices(behind, "credits.plan_reminder")
    assert "您的 2026 年度学习计划尚未完成" in inbox(client, behind)
    assert notice.url == "/learning/my/" and "张伟" in notice.body
    (email,) = mail.outbox
    assert email.subject == "您的 2026 年度学习计划尚未完成"
    assert behind.reminders.get().emailed


def test_a_member_who_turns_reminder_e_mail_off_still_finds_it_in_the_inbox(
    client, behind, django_capture_on_commit_callbacks
):
    client.force_login(behind.user)
    wanted = [name for name, _label, on in services.email_choices(behind.user) if on]
    wanted.remove("credits.plan_reminder")
    response = client.post("/learning/notifications/preferences/", {"email": wanted})
    assert response.status_code == 302
    with django_capture_on_commit_callbacks(execute=True):
        assert remind_behind(date(2026, 12, 1)) == 1
    assert len(notices(behind, "credits.plan_reminder")) == 1
    assert mail.outbox == [] and not behind.reminders.get().emailed


def test_notices_follow_the_member_language_setting(
    client, behind, learning_settings, django_capture_on_commit_callbacks
):
    learning_settings(MEMBER_LANGUAGE="en")
    with translation.override("zh-hans"), django_capture_on_commit_callbacks(execute=True):
        remind_behind(date(2026, 12, 1))
    (notice,) = notices(behind, "credits.plan_reminder")
    assert notice.title == "Your 2026 study plan is not complete yet"
    assert "Your 2026 study plan is not complete yet" in inbox(client, behind)


# -- Activities -------------------------------------------------------------------------------

T = datetime(2026, 7, 1, 2, 0, 0, tzinfo=UTC)


@pytest.fixture
def activity(tree):
    clerk = factories.staff(role=StaffRole.Role.CLERK, unit=tree["b1"])
    return Activity.objects.create(
        unit=tree["b1"],
        title="主题党日",
        place="党员活动室",
        starts_at=T,
        ends_at=T + timedelta(hours=2),
        credit_hours=Decimal("2"),
        created_by=clerk,
    )


def test_attendance_credited_at_once_tells_the_member_once(
    client, tree, member, activity, django_capture_on_commit_callbacks
):
    organizer = factories.staff(role=StaffRole.Role.REVIEWER, unit=tree["b1"])
    now = T + timedelta(minutes=5)
    activities.mark_by_hand(organizer, activity, member, "纸质签到", now)
    with django_capture_on_commit_callbacks(execute=True):
        activities.credit_attendance(organizer, activity, now)
        activities.credit_attendance(organizer, activity, now)  # a second click
    (notice,) = notices(member, "activities.attendance_credited")
    page = inbox(client, member)
    assert "您参加“主题党日”的学时已计入" in page and "2 学时" in notice.body
    assert notice.url == f"/learning/activities/{activity.pk}/"
    assert mail.outbox == []  # in the inbox only, unless the member asks for e-mail


def test_attendance_credited_after_review_tells_the_member_when_approved(
    tree, member, activity, django_capture_on_commit_callbacks
):
    now = T + timedelta(minutes=5)
    activities.mark_by_hand(activity.created_by, activity, member, "纸质签到", now)
    activities.credit_attendance(activity.created_by, activity, now)  # a clerk: to review
    assert not Notification.objects.exists()
    reviewer = factories.staff(role=StaffRole.Role.REVIEWER, unit=tree["b1"])
    training = member.offline_trainings.get()
    with django_capture_on_commit_callbacks(execute=True):
        review.approve(training, reviewer)
    assert len(notices(member, "activities.attendance_credited")) == 1
    assert sum(credits.earned_credits(member, 2026)) == Decimal("2")


def test_members_signed_up_are_reminded_the_day_before_once(
    client, tree, member, activity, django_capture_on_commit_callbacks
):
    from dj_learning.activities.models import SignUp

    later = Activity.objects.create(
        unit=tree["b1"], title="讲座", place="礼堂", starts_at=T + timedelta(days=4),
        ends_at=T + timedelta(days=4, hours=1),
    )  # fmt: skip
    SignUp.objects.create(activity=activity, member=member)
    SignUp.objects.create(activity=later, member=member)
    evening_before = T - timedelta(hours=16)  # 18:00 in Beijing the day before
    with django_capture_on_commit_callbacks(execute=True):
        assert activities.remind_tomorrow(evening_before) == 1
        activities.remind_tomorrow(evening_before + timedelta(hours=1))  # run again
    (notice,) = notices(member, "activities.reminder")
    assert "明天：“主题党日”" in inbox(client, member)
    assert "10:00" in notice.body and "党员活动室" in notice.body
    (email,) = mail.outbox
    assert email.subject == "明天：“主题党日”" and email.to == ["zhang@example.org"]
