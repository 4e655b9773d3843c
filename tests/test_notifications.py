"""The inbox: the registry of kinds, notify once per key, after commit, the bell, the page,
the API, mark read, and e-mail by preference through django-q2."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.cache import cache

from dj_learning.notifications import services, tasks
from dj_learning.notifications.models import EmailPreference, Notification
from dj_learning.test import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(client):
    from django.utils import translation

    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def kind():
    with services.kinds.registered("tests.event", services.Kind("测试事件", email=False)):
        yield "tests.event"


def test_an_unregistered_kind_is_a_programming_error(db):
    with pytest.raises(ValueError, match="register it"):
        services.notify(factories.user(), "nobody.registered.this", "x")


def test_voice_registers_its_kinds():
    assert {"voice.suggestion_replied", "voice.suggestion_adopted", "voice.poll_opened"} <= set(
        services.kinds.names()
    )


def test_a_notification_is_written_after_commit_and_once_per_key(
    kind, django_capture_on_commit_callbacks
):
    user = factories.user()
    with django_capture_on_commit_callbacks(execute=False) as hooks:
        services.notify(user, kind, "第一条", key="k1")
    assert not Notification.objects.exists()  # nothing before the commit
    for hook in hooks:
        hook()
    with django_capture_on_commit_callbacks(execute=True):
        services.notify(user, kind, "第一条", key="k1")
        services.notify(user, kind, "第二条")
    assert sorted(Notification.objects.values_list("title", flat=True)) == ["第一条", "第二条"]


def test_email_follows_the_members_choice_and_is_sent_once(
    kind, django_capture_on_commit_callbacks
):
    wants = factories.user(email="wants@example.org")
    quiet = factories.user(email="quiet@example.org")
    EmailPreference.objects.create(user=wants, kind=kind, email=True)
    with django_capture_on_commit_callbacks(execute=True):
        services.notify(wants, kind, "<b>回复</b>", body="正文 <script>", url="/learning/x/")
        services.notify(quiet, kind, "回复")
    assert [m.to for m in mail.outbox] == [["wants@example.org"]]
    assert mail.outbox[0].subject == "<b>回复</b>" and "正文 <script>" in mail.outbox[0].body
    assert mail.outbox[0].alternatives == []  # plain text: nothing typed becomes markup
    # The job run again (a retry) sends nothing more.
    assert tasks.send_email(Notification.objects.get(user=wants).pk) is False
    assert len(mail.outbox) == 1


def test_a_kind_may_default_to_email_until_the_member_chooses(
    client, django_capture_on_commit_callbacks
):
    user = factories.user(email="m@example.org")
    with services.kinds.registered("tests.loud", services.Kind("重要", email=True)):
        client.force_login(user)
        page = client.get("/learning/notifications/").content.decode()
        assert re.search(r'value="tests.loud" checked', page)
        client.post("/learning/notifications/preferences/", {"email": []})
        with django_capture_on_commit_callbacks(execute=True):
            services.notify(user, "tests.loud", "不要发邮件")
    assert mail.outbox == [] and Notification.objects.count() == 1


def test_the_bell_the_page_and_marking_read(client, kind, django_capture_on_commit_callbacks):
    member = factories.member()
    other = factories.member()
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(3):
            services.notify(member.user, kind, f"通知{n}", url="/learning/suggestions/")
        services.notify(other.user, kind, "别人的通知")
    client.force_login(member.user)
    page = client.get("/learning/notifications/").content.decode()
    assert re.search(r'data-testid="bell-count">3<', page)
    assert "通知2" in page and "别人的通知" not in page
    first = Notification.objects.filter(user=member.user).last()
    response = client.post(f"/learning/notifications/{first.pk}/read/", {"next": first.url})
    assert response.status_code == 302 and response.url == "/learning/suggestions/"
    evil = client.post(
        f"/learning/notifications/{first.pk}/read/", {"next": "https://evil.example/"}
    )
    assert evil.url == "/learning/notifications/"
    theirs = Notification.objects.get(user=other.user)
    client.post(f"/learning/notifications/{theirs.pk}/read/")
    theirs.refresh_from_db()
    assert theirs.read_at is None  # another's notification stays as it was
    assert client.get("/learning/notifications/read-all/").status_code == 405  # a change is a POST
    client.post("/learning/notifications/read-all/")
    page = client.get("/learning/notifications/").content.decode()
    assert 'data-testid="bell-count"' not in page


def test_the_api_lists_with_the_unread_count_and_marks_read(
    client, kind, django_capture_on_commit_callbacks
):
    member = factories.member()
    other = factories.member()
    with django_capture_on_commit_callbacks(execute=True):
        services.notify(member.user, kind, "一")
        services.notify(member.user, kind, "二")
        services.notify(other.user, kind, "别人的")
    client.force_login(member.user)
    inbox = client.get("/api/v1/me/notifications").json()
    assert inbox["unread"] == 2 and [n["title"] for n in inbox["notifications"]] == ["二", "一"]
    one = inbox["notifications"][0]["id"]
    assert client.post(f"/api/v1/me/notifications/{one}/read").status_code == 204
    assert client.get("/api/v1/me/notifications").json()["unread"] == 1
    theirs = Notification.objects.get(user=other.user).pk
    assert client.post(f"/api/v1/me/notifications/{theirs}/read").status_code == 404
    assert client.post("/api/v1/me/notifications/read").status_code == 204
    assert client.get("/api/v1/me/notifications?unread_only=true").json()["notifications"] == []
    client.logout()
    assert client.get("/api/v1/me/notifications").status_code == 401


def test_the_inbox_costs_the_same_with_more_notifications(
    client, kind, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    member = factories.member()
    client.force_login(member.user)
    with django_capture_on_commit_callbacks(execute=True):
        services.notify(member.user, kind, "一")
    client.get("/learning/notifications/")
    cache.clear()  # the header's count is read from the database in both requests
    with django_assert_max_num_queries(30) as few:
        client.get("/learning/notifications/")
    with django_capture_on_commit_callbacks(execute=True):
        services.notify_many([member.user.pk], kind, "批量", key="bulk")
        for n in range(40):
            services.notify(member.user, kind, f"通知{n}")
    cache.clear()
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get("/learning/notifications/").content.decode()
    assert page.count('data-testid="notification"') == 30


def test_the_demo_member_has_unread_notifications_and_suggestions_in_every_status(
    demo_courses, client
):
    from dj_learning.voice.models import Poll, Suggestion

    client.force_login(get_user_model().objects.get(username="member"))
    inbox = client.get("/api/v1/me/notifications").json()
    assert inbox["unread"] >= 3
    mine = Suggestion.objects.filter(member__user__username="member")
    assert set(mine.values_list("status", flat=True)) == {
        "received", "in_progress", "replied", "adopted", "closed"}  # fmt: skip
    assert mine.filter(published_at__isnull=False, status="replied").count() == 1
    assert Poll.objects.filter(unit__code="region-1", anonymous=True).exists()
    assert Poll.objects.filter(unit__code="region-2").exists()
    client.force_login(get_user_model().objects.get(username="reviewer"))
    # reviewer is staff of member's branch: the suggestion with its sender, whatever its name choice.
    seen = client.get(f"/api/v1/suggestions/{mine.first().pk}").json()
    assert seen["sender"] == "张伟"
