"""Suggestions and complaints: numbers, the staff queue and its waits, replies and notes,
adoption points, publishing, scope, escaping, attachments, rate limits, the summary."""

import io
import re
from datetime import timedelta

import pytest
from django.utils import timezone
from openpyxl import load_workbook
from PIL import Image

from dj_learning.notifications.models import Notification
from dj_learning.rewards.models import Action, PointEntry
from dj_learning.test import factories
from dj_learning.voice import services
from dj_learning.voice.models import Suggestion, SuggestionCategory

pytestmark = pytest.mark.django_db

YEAR = timezone.localdate().year


@pytest.fixture(autouse=True)
def english(client):
    """Pages, the API and services answer in English here (the Chinese is checked elsewhere)."""
    from django.utils import translation

    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    with translation.override("en"):
        yield


def into_admin(client, user):
    """Sign ``user`` in to the Wagtail admin, in English."""
    from django.contrib.auth.models import Permission
    from wagtail.users.models import UserProfile

    user.user_permissions.add(Permission.objects.get(codename="access_admin"))
    profile = UserProfile.get_for_user(user)
    profile.preferred_language = "en"
    profile.save()
    client.force_login(user)


@pytest.fixture
def people(tree):
    SuggestionCategory.objects.create(unit=tree["r1"], name="学习教育", order=0)
    SuggestionCategory.objects.create(unit=tree["r1"], name="其他", order=1)
    return {
        "member": factories.member(unit=tree["b1"], name="张伟"),
        "neighbour": factories.member(unit=tree["b1a"], name="李四"),
        "other": factories.member(unit=tree["b2"], name="王五"),
        "staff": factories.staff(role="reviewer", unit=tree["b1"], username="branchstaff"),
        "outsider": factories.staff(role="admin", unit=tree["r2"], username="r2admin"),
    }


def test_numbers_count_per_region_and_year(tree, people):
    first = factories.suggestion(people["member"])
    second = factories.suggestion(people["neighbour"])
    elsewhere = factories.suggestion(people["other"])
    assert first.number == f"JY-{YEAR}-000001"
    assert second.number == f"JY-{YEAR}-000002"
    assert elsewhere.number == f"JY-{YEAR}-000001"  # region 2 has its own sequence
    assert first.category.name == "学习教育"  # the region's first category by default
    assert elsewhere.category is None  # region 2 offers none


def test_the_life_cycle_with_its_notifications_and_wait(
    client, tree, people, django_capture_on_commit_callbacks
):
    member, staff = people["member"], people["staff"]
    client.force_login(member.user)
    response = client.post(
        "/learning/suggestions/",
        {"kind": "suggestion", "title": "活动室开放时间", "text": "建议延长到晚上八点。",
         "show_name": "on"},
        follow=True,
    )  # fmt: skip
    suggestion = Suggestion.objects.get()
    assert f"JY-{YEAR}-000001" in response.content.decode()
    assert suggestion.status == "received"
    # It has waited three hours when staff open the queue.
    Suggestion.objects.filter(pk=suggestion.pk).update(
        created_at=timezone.now() - timedelta(hours=3, minutes=5)
    )
    client.logout()
    into_admin(client, staff)
    queue = client.get("/admin/learning/voice/suggestions/").content.decode()
    assert "活动室开放时间" in queue and "3 h 5 min, waiting" in queue
    assert 'href="/admin/learning/voice/suggestions/summary/"' in queue
    page = client.get(f"/admin/learning/voice/suggestions/{suggestion.pk}/").content.decode()
    assert "张伟" in page and "3 h 5 min" in page
    act = f"/admin/learning/voice/suggestions/{suggestion.pk}/act/"
    client.post(act, {"action": "assign", "assignee": staff.pk})
    suggestion.refresh_from_db()
    assert suggestion.status == "in_progress" and suggestion.assigned_to == staff
    client.post(act, {"action": "reply", "text": "支委会内部讨论中", "internal": "on"})
    assert not Notification.objects.exists()  # a note tells the member nothing
    with django_capture_on_commit_callbacks(execute=True):
        client.post(act, {"action": "reply", "text": "自下周起开放到晚上八点。"})
    suggestion.refresh_from_db()
    assert suggestion.status == "replied" and suggestion.first_reply_at is not None
    waited = suggestion.waited()
    assert timedelta(hours=3) < waited < timedelta(hours=4)
    assert suggestion.waited(now=timezone.now() + timedelta(days=9)) == waited  # the wait stopped
    notification = Notification.objects.get(user=member.user)
    assert notification.kind == services.REPLIED and f"JY-{YEAR}-000001" in notification.title
    from wagtail.models import ModelLogEntry

    assert set(ModelLogEntry.objects.values_list("action", flat=True)) >= {
        "learning_voice.assign", "learning_voice.note", "learning_voice.reply"}  # fmt: skip
    # The member reads the reply, never the note, and sees the bell's count.
    client.logout()
    client.force_login(member.user)
    page = client.get(f"/learning/suggestions/{suggestion.pk}/").content.decode()
    assert "自下周起开放到晚上八点。" in page and "支委会内部讨论中" not in page
    assert re.search(r'data-testid="bell-count">1<', page)
    detail = client.get(f"/api/v1/suggestions/{suggestion.pk}").json()
    assert [r["text"] for r in detail["replies"]] == ["自下周起开放到晚上八点。"]


def test_adoption_awards_points_once(tree, people, django_capture_on_commit_callbacks):
    factories.point_rule(unit=tree["r1"], action=Action.SUGGESTION_ADOPTED, points=10)
    suggestion = factories.suggestion(people["member"])
    with django_capture_on_commit_callbacks(execute=True):
        services.set_status(suggestion, "adopted", by=people["staff"])
    with django_capture_on_commit_callbacks(execute=True):
        services.set_status(suggestion, "closed", by=people["staff"])
        services.set_status(suggestion, "adopted", by=people["staff"])
    entries = PointEntry.objects.filter(member=people["member"])
    assert [(e.amount, e.action) for e in entries] == [(10, Action.SUGGESTION_ADOPTED)]
    assert (
        Notification.objects.filter(user=people["member"].user, kind=services.ADOPTED).count() == 1
    )


def test_publishing_shows_it_to_the_region_with_the_name_as_chosen(client, tree, people):
    member, staff = people["member"], people["staff"]
    hidden = factories.suggestion(member, title="匿名建议", show_name=False)
    with pytest.raises(services.VoiceError, match="once it has a reply"):
        services.publish(hidden, member)
    services.reply(hidden, staff, "收到")
    hidden.refresh_from_db()
    client.force_login(member.user)
    client.post(f"/learning/suggestions/{hidden.pk}/publish/", {"published": "1"})
    hidden.refresh_from_db()
    assert hidden.published
    client.force_login(people["neighbour"].user)
    listing = client.get("/learning/suggestions/published/").content.decode()
    assert "匿名建议" in listing and "张伟" not in listing and "Anonymous member" in listing
    page = client.get(f"/learning/suggestions/{hidden.pk}/").content.decode()
    assert "收到" in page and "张伟" not in page
    # Another region's member sees nothing of it.
    client.force_login(people["other"].user)
    assert client.get(f"/learning/suggestions/{hidden.pk}/").status_code == 404
    assert "匿名建议" not in client.get("/learning/suggestions/published/").content.decode()


def test_another_members_suggestion_is_404_unless_published(client, tree, people):
    private = factories.suggestion(people["member"], title="私下的建议")
    client.force_login(people["neighbour"].user)
    assert client.get(f"/learning/suggestions/{private.pk}/").status_code == 404
    assert client.get(f"/api/v1/suggestions/{private.pk}").status_code == 404
    assert client.post(f"/learning/suggestions/{private.pk}/publish/").status_code == 404


def test_staff_outside_the_subtree_see_nothing(client, tree, people):
    suggestion = factories.suggestion(people["member"], title="一区的建议")
    outsider = people["outsider"]
    into_admin(client, outsider)
    assert "一区的建议" not in client.get("/admin/learning/voice/suggestions/").content.decode()
    assert client.get(f"/admin/learning/voice/suggestions/{suggestion.pk}/").status_code == 404
    response = client.post(
        f"/admin/learning/voice/suggestions/{suggestion.pk}/act/",
        {"action": "status", "status": "adopted"},
    )
    assert response.status_code == 404
    assert client.get(f"/learning/suggestions/{suggestion.pk}/attachment/").status_code == 404
    api = client.post(
        f"/api/v1/suggestions/{suggestion.pk}/reply", {"text": "x"}, content_type="application/json"
    )
    assert api.status_code == 404
    suggestion.refresh_from_db()
    assert suggestion.status == "received" and not suggestion.messages.exists()


def test_text_is_escaped_on_pages_and_protected_in_the_export(client, tree, people):
    suggestion = factories.suggestion(
        people["member"], title="<script>alert(1)</script>", text='=HYPERLINK("http://x")'
    )
    client.force_login(people["member"].user)
    page = client.get(f"/learning/suggestions/{suggestion.pk}/").content.decode()
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
    into_admin(client, people["staff"])
    admin_page = client.get(f"/admin/learning/voice/suggestions/{suggestion.pk}/").content.decode()
    assert "<script>alert(1)</script>" not in admin_page
    export = client.get("/admin/learning/voice/suggestions/?export=xlsx")
    sheet = load_workbook(io.BytesIO(b"".join(export.streaming_content))).active
    cells = [c.value for row in sheet.iter_rows() for c in row]
    assert '\'=HYPERLINK("http://x")' in cells
    assert not any(isinstance(c, str) and c.startswith("=") for c in cells)


def _png():
    out = io.BytesIO()
    Image.new("RGB", (20, 20), (200, 0, 0)).save(out, "PNG")
    out.seek(0)
    out.name = "photo.png"
    return out


def test_an_attachment_is_checked_kept_private_and_served_to_sender_and_staff(
    client, tree, people, settings, tmp_path
):
    settings.DJ_LEARNING = {"PRIVATE_MEDIA_ROOT": str(tmp_path)}
    client.force_login(people["member"].user)
    fake = io.BytesIO(b"MZ not an image at all")
    fake.name = "photo.png"
    refused = client.post(
        "/learning/suggestions/",
        {"kind": "suggestion", "title": "带附件", "text": "见附件", "attachment": fake},
    )
    body = refused.content.decode()
    assert refused.status_code == 200 and "content does not match" in body
    assert 'value="带附件"' in body and "见附件" in body  # what was typed is kept
    assert not Suggestion.objects.exists()
    client.post(
        "/learning/suggestions/",
        {"kind": "suggestion", "title": "带附件", "text": "见附件", "attachment": _png()},
    )
    suggestion = Suggestion.objects.get()
    assert suggestion.attachment.name.endswith(".png") and "photo" not in suggestion.attachment.name
    assert (tmp_path / suggestion.attachment.name).exists()
    served = client.get(f"/learning/suggestions/{suggestion.pk}/attachment/")
    assert served.status_code == 200 and b"".join(served.streaming_content)[:4] == b"\x89PNG"
    client.force_login(people["neighbour"].user)
    assert client.get(f"/learning/suggestions/{suggestion.pk}/attachment/").status_code == 404
    client.force_login(people["staff"])
    assert client.get(f"/learning/suggestions/{suggestion.pk}/attachment/").status_code == 200


def test_too_many_suggestions_in_an_hour_are_refused(client, tree, people, settings):
    settings.DJ_LEARNING = {"SUGGESTION_RATE_PER_HOUR": 2}
    client.force_login(people["member"].user)
    for n in range(2):
        ok = client.post(
            "/api/v1/suggestions", {"title": f"第{n}条", "text": "内容"},
            content_type="application/json",
        )  # fmt: skip
        assert ok.status_code == 201
    refused = client.post(
        "/api/v1/suggestions", {"title": "第三条", "text": "内容"}, content_type="application/json"
    )
    assert refused.status_code == 429 and "last hour" in refused.json()["detail"]
    page = client.post(
        "/learning/suggestions/", {"kind": "suggestion", "title": "第三条", "text": "内容"}
    )
    assert "last hour" in page.content.decode() and Suggestion.objects.count() == 2


def test_the_api_sends_lists_reads_and_staff_reply(client, tree, people):
    client.force_login(people["member"].user)
    created = client.post(
        "/api/v1/suggestions", {"title": "接口建议", "text": "内容", "show_name": False},
        content_type="application/json",
    ).json()  # fmt: skip
    assert created["number"] == f"JY-{YEAR}-000001" and created["category"] == "学习教育"
    empty = client.post(
        "/api/v1/suggestions", {"title": " ", "text": "内容"}, content_type="application/json"
    )
    assert empty.status_code == 409 and "cannot be empty" in empty.json()["detail"]
    wrong = client.post(
        "/api/v1/suggestions", {"title": "t", "text": "x", "category": 99999},
        content_type="application/json",
    )  # fmt: skip
    assert wrong.status_code == 404
    assert [s["id"] for s in client.get("/api/v1/suggestions").json()] == [created["id"]]
    client.force_login(people["staff"])
    reply = client.post(
        f"/api/v1/suggestions/{created['id']}/reply", {"text": "已收到"},
        content_type="application/json",
    )  # fmt: skip
    assert reply.status_code == 201
    staff_view = client.get(f"/api/v1/suggestions/{created['id']}").json()
    assert staff_view["sender"] == "张伟" and staff_view["status"] == "replied"
    client.force_login(people["member"].user)
    assert (
        client.get(f"/api/v1/suggestions/{created['id']}").json()["replies"][0]["text"] == "已收到"
    )


def test_the_queue_costs_the_same_with_more_suggestions(
    client, tree, people, django_assert_max_num_queries
):
    into_admin(client, people["staff"])
    for _ in range(5):
        services.assign(factories.suggestion(people["member"], now=_hour_ago()), people["staff"])
    client.get("/admin/learning/voice/suggestions/")
    with django_assert_max_num_queries(40) as few:
        client.get("/admin/learning/voice/suggestions/")
    for _ in range(40):
        services.assign(factories.suggestion(people["neighbour"], now=_hour_ago()), people["staff"])
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get("/admin/learning/voice/suggestions/")
    page = response.content.decode()
    assert all(f"JY-{YEAR}-{n:06d}" in page for n in range(1, 46))


_hours = iter(range(2, 10_000))


def _hour_ago():
    return timezone.now() - timedelta(hours=next(_hours))


def test_the_monthly_summary_per_unit_and_its_excel(client, tree, people):
    start = timezone.now().replace(day=1, hour=9, minute=0, second=0, microsecond=0)
    a = factories.suggestion(people["member"], now=start)
    b = factories.suggestion(people["member"], now=start + timedelta(hours=1))
    factories.suggestion(people["neighbour"], now=start + timedelta(hours=2))
    services.reply(a, people["staff"], "好", now=start + timedelta(hours=2))
    services.reply(b, people["staff"], "好", now=start + timedelta(hours=7))
    services.set_status(b, "adopted")
    month = start.strftime("%Y-%m")
    rows = {
        r["unit"]: r for r in services.monthly_summary(people["staff"], start.year, start.month)
    }
    assert rows["一区一支部"] == {
        "unit": "一区一支部", "path": tree["b1"].path, "received": 2, "replied": 2, "adopted": 1,
        "median_hours": 4.0}  # fmt: skip
    assert rows["一区一支部一组"]["replied"] == 0 and rows["一区一支部一组"]["median_hours"] is None
    into_admin(client, people["staff"])
    page = client.get(f"/admin/learning/voice/suggestions/summary/?month={month}").content.decode()
    assert "一区一支部" in page
    export = client.get(f"/admin/learning/voice/suggestions/summary/?month={month}&format=xlsx")
    sheet = load_workbook(io.BytesIO(export.content)).active
    assert [c.value for c in sheet[2]] == ["一区一支部", 2, 2, 4, 1]
    # The outsider's summary has none of region 1's units.
    assert services.monthly_summary(people["outsider"], start.year, start.month) == []


def test_the_queue_filters_by_status_waiting_category_and_assignee(client, tree, people):
    other_category = SuggestionCategory.objects.get(name="其他")
    waiting = factories.suggestion(people["member"], title="还在等")
    answered = factories.suggestion(people["member"], title="已答复", category=other_category)
    services.reply(answered, people["staff"], "好")
    mine = factories.suggestion(people["neighbour"], title="分给我的")
    services.assign(mine, people["staff"])
    into_admin(client, people["staff"])

    def titles(query):
        page = client.get(f"/admin/learning/voice/suggestions/?{query}").content.decode()
        return {t for t in ("还在等", "已答复", "分给我的") if t in page}

    assert titles("status=received") == {"还在等"}
    assert titles("waiting=true") == {"还在等", "分给我的"}
    assert titles(f"category={other_category.pk}") == {"已答复"}
    assert titles("mine=true") == {"分给我的"}
    assert titles(f"unit={tree['b1a'].pk}") == {"分给我的"}
    assert waiting.status == "received"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_members_sending_at_once_get_distinct_numbers_in_sequence(tree):
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.fail("run with DATABASE_URL set to PostgreSQL")
    members = [factories.member(unit=tree["b1"]) for _ in range(8)]

    def send(member):
        try:
            return factories.suggestion(member).number
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=8) as pool:
        numbers = sorted(pool.map(send, members))
    assert numbers == [f"JY-{YEAR}-{n:06d}" for n in range(1, 9)]
