"""Discussion under modules: comments and one level of replies, editing within the time,
reports, moderation with a reason the author sees, the per-module switch, safe links,
rate limits, scope of moderators, the API and the page's queries."""

from datetime import timedelta

import pytest
from django.utils import timezone

from dj_learning.notifications.models import Notification
from dj_learning.test import factories
from dj_learning.voice import discussion
from dj_learning.voice.models import Comment, CommentReport

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(client):
    from django.utils import translation

    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def setting(tree):
    return {
        "module": factories.module(revision=False),
        "a": factories.member(unit=tree["b1"], name="张伟"),
        "b": factories.member(unit=tree["b1a"], name="李娜"),
        "c": factories.member(unit=tree["b2"], name="王五"),
        "staff": factories.staff(role="clerk", unit=tree["b1"], username="b1clerk"),
        "r2staff": factories.staff(role="admin", unit=tree["r2"], username="r2admin"),
    }


def url(module):
    return f"/learning/modules/{module.pk}/discussion/"


def test_members_comment_and_reply_one_level_and_the_author_is_told(
    client, setting, django_capture_on_commit_callbacks
):
    module, a, b = setting["module"], setting["a"], setting["b"]
    top = discussion.post(a, module, "第一条评论")
    with django_capture_on_commit_callbacks(execute=True):
        reply = discussion.post(b, module, "回复", parent=top)
    deeper = discussion.post(a, module, "回复的回复", parent=reply)
    assert reply.parent == top and deeper.parent == top  # one level
    note = Notification.objects.get(user=a.user)
    assert note.kind == discussion.COMMENT_REPLY and "李娜" in note.title
    client.force_login(setting["c"].user)
    page = client.get(url(module)).content.decode()
    assert page.index("第一条评论") < page.index("回复的回复")
    response = client.post(url(module), {"text": "我也说一句"})
    assert response.status_code == 302
    assert Comment.objects.filter(member=setting["c"], text="我也说一句").exists()


def test_text_is_plain_with_safe_links(client, setting):
    discussion.post(
        setting["a"], setting["module"],
        '<script>alert(1)</script> 见 https://example.org/a?b=1 和 javascript:alert(1)',
    )  # fmt: skip
    client.force_login(setting["b"].user)
    page = client.get(url(setting["module"])).content.decode()
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
    assert '<a href="https://example.org/a?b=1" rel="nofollow noopener">' in page
    assert 'href="javascript' not in page


def test_the_author_edits_within_the_time_and_only_their_own(setting):
    comment = discussion.post(setting["a"], setting["module"], "原文")
    discussion.edit(setting["a"], comment, "改过", now=comment.created_at + timedelta(minutes=14))
    assert Comment.objects.get().text == "改过"
    with pytest.raises(discussion.VoiceError, match="15 minutes"):
        discussion.edit(
            setting["a"], comment, "太晚", now=comment.created_at + timedelta(minutes=16)
        )
    with pytest.raises(discussion.VoiceError, match="Only the author"):
        discussion.edit(setting["b"], comment, "别人的")
    assert Comment.objects.get().text == "改过"


def test_reports_count_once_and_moderators_hide_with_a_reason_the_author_sees(
    client, setting, django_capture_on_commit_callbacks
):
    module = setting["module"]
    comment = discussion.post(setting["a"], module, "不当言论")
    client.force_login(setting["b"].user)
    for _ in range(2):
        client.post(f"/learning/comments/{comment.pk}/", {"action": "report", "reason": "广告"})
    assert CommentReport.objects.filter(comment=comment).count() == 1
    # Staff of another region may not hide it; the author's branch clerk may.
    client.force_login(setting["r2staff"])
    refused = client.post(f"/learning/comments/{comment.pk}/", {"action": "hide", "reason": "x"})
    assert refused.status_code == 404
    client.force_login(setting["staff"])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/learning/comments/{comment.pk}/", {"action": "hide", "reason": "含广告"})
    comment.refresh_from_db()
    assert comment.hidden_at is not None and comment.hidden_reason == "含广告"
    from wagtail.models import ModelLogEntry

    assert ModelLogEntry.objects.filter(
        action="learning_voice.hide", user=setting["staff"]
    ).exists()

    client.force_login(setting["b"].user)
    page = client.get(url(module)).content.decode()
    assert "不当言论" not in page and "Hidden by a moderator" in page and "含广告" not in page
    client.force_login(setting["a"].user)
    page = client.get(url(module)).content.decode()
    assert "不当言论" in page and "Hidden by a moderator: 含广告" in page
    assert Notification.objects.filter(
        user=setting["a"].user, kind=discussion.COMMENT_HIDDEN
    ).exists()
    api = client.get(f"/api/v1/modules/{module.pk}/comments").json()
    assert api[0]["hidden"] and api[0]["hidden_reason"] == "含广告"
    client.force_login(setting["b"].user)
    api = client.get(f"/api/v1/modules/{module.pk}/comments").json()
    assert api[0]["text"] == "" and api[0]["hidden_reason"] == ""


def test_an_editor_closes_the_discussion(client, setting):
    module = setting["module"]
    editor = factories.user(username="editor1", is_superuser=True)
    client.force_login(setting["a"].user)
    assert (
        client.post(f"/learning/modules/{module.pk}/discussion/switch/", {"open": "0"}).status_code
        == 404
    )
    client.force_login(editor)
    client.post(f"/learning/modules/{module.pk}/discussion/switch/", {"open": "0"})
    assert not discussion.is_open(module)
    with pytest.raises(discussion.VoiceError, match="closed"):
        discussion.post(setting["a"], module, "还能说吗")
    client.force_login(setting["a"].user)
    page = client.get(url(module)).content.decode()
    assert 'data-testid="discussion-closed"' in page and 'data-testid="comment-form"' not in page
    api = client.post(
        f"/api/v1/modules/{module.pk}/comments", {"text": "x"}, content_type="application/json"
    )
    assert api.status_code == 409 and "closed" in api.json()["detail"]


def test_too_many_comments_and_reports_in_an_hour_are_refused(client, setting, settings):
    settings.DJ_LEARNING = {"COMMENT_RATE_PER_HOUR": 2, "REPORT_RATE_PER_HOUR": 1}
    module = setting["module"]
    client.force_login(setting["a"].user)
    for n in range(2):
        assert client.post(f"/api/v1/modules/{module.pk}/comments", {"text": f"第{n}条"},
                           content_type="application/json").status_code == 201  # fmt: skip
    refused = client.post(url(module), {"text": "第三条"})
    assert refused.status_code == 400 and "last hour" in refused.content.decode()
    assert "第三条</textarea>" in refused.content.decode()  # what was typed is kept
    first, second = Comment.objects.all()
    assert discussion.report(setting["b"], first) is True
    with pytest.raises(discussion.VoiceError, match="last hour"):
        discussion.report(setting["b"], second)


def test_the_page_costs_the_same_with_more_comments(client, setting, django_assert_max_num_queries):
    module = setting["module"]
    members = [factories.member(unit=u) for u in (setting["a"].unit, setting["c"].unit)]
    top = discussion.post(members[0], module, "开头")
    discussion.post(members[1], module, "回复", parent=top)
    client.force_login(setting["staff"])
    client.get(url(module))
    with django_assert_max_num_queries(40) as few:
        client.get(url(module))
    for n in range(15):
        parent = discussion.post(
            members[n % 2], module, f"评论{n}", now=timezone.now() - timedelta(hours=2 + n)
        )
        discussion.post(members[(n + 1) % 2], module, f"回复{n}", parent=parent,
                        now=timezone.now() - timedelta(hours=2 + n))  # fmt: skip
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(url(module)).content.decode()
    assert page.count('data-testid="comment"') == 32


def test_staff_list_the_reported_comments_of_their_subtree(client, setting):
    from tests.test_voice_suggestions import into_admin

    module = setting["module"]
    reported = discussion.post(setting["a"], module, "被举报的评论")
    discussion.post(setting["a"], module, "普通评论")
    discussion.post(setting["c"], module, "二区的评论被举报")
    discussion.report(setting["b"], reported)
    discussion.report(setting["b"], Comment.objects.get(text="二区的评论被举报"))
    into_admin(client, setting["staff"])
    page = client.get("/admin/learning/voice/comments/?reported=true").content.decode()
    assert "被举报的评论" in page and "普通评论" not in page and "二区的评论被举报" not in page
    assert f"/learning/modules/{module.pk}/discussion/#comment-{reported.pk}" in page
    into_admin(client, setting["r2staff"])
    page = client.get("/admin/learning/voice/comments/").content.decode()
    assert "二区的评论被举报" in page and "被举报的评论" not in page


# -- The audience: members who may study the module ------------------------------------------


@pytest.fixture
def region_module(tree):
    """A module of a course region 1 offers: its members' discussion, not region 2's."""
    return factories.module(course=factories.course(unit=tree["r1"]), revision=False)


def test_members_who_may_study_the_module_read_and_write_its_discussion(
    client, setting, region_module
):
    discussion.post(setting["b"], region_module, "一区的讨论")
    client.force_login(setting["a"].user)  # a member of a branch of region 1
    page = client.get(url(region_module))
    assert page.status_code == 200 and "一区的讨论" in page.content.decode()
    assert 'data-testid="comment-form"' in page.content.decode()
    assert client.post(url(region_module), {"text": "我来说两句"}).status_code == 302
    api = f"/api/v1/modules/{region_module.pk}/comments"
    assert [c["text"] for c in client.get(api).json()] == ["一区的讨论", "我来说两句"]
    created = client.post(api, {"text": "接口发言"}, content_type="application/json")
    assert created.status_code == 201


def test_members_of_other_units_are_told_the_discussion_does_not_exist(
    client, setting, region_module
):
    comment = discussion.post(setting["a"], region_module, "一区的讨论")
    outsider = setting["c"]  # a member of region 2
    with pytest.raises(discussion.VoiceError, match="Only members who may study"):
        discussion.post(outsider, region_module, "我是二区的")
    client.force_login(outsider.user)
    assert client.get(url(region_module)).status_code == 404
    assert client.post(url(region_module), {"text": "我是二区的"}).status_code == 404
    api = f"/api/v1/modules/{region_module.pk}/comments"
    assert client.get(api).status_code == 404
    refused = client.post(api, {"text": "我是二区的"}, content_type="application/json")
    assert refused.status_code == 404
    report = client.post(f"/learning/comments/{comment.pk}/", {"action": "report"})
    assert report.status_code == 404
    assert not CommentReport.objects.exists()
    assert list(Comment.objects.values_list("text", flat=True)) == ["一区的讨论"]
    # Staff of region 2 have no members in the audience either.
    client.force_login(setting["r2staff"])
    assert client.get(url(region_module)).status_code == 404


def test_the_module_in_a_members_plan_opens_its_discussion(client, setting, region_module, tree):
    factories.plan(unit=tree["r2"], modules=[region_module])
    client.force_login(setting["c"].user)
    assert client.get(url(region_module)).status_code == 200
    assert client.post(url(region_module), {"text": "计划里有"}).status_code == 302


def test_staff_of_the_audience_read_to_moderate_but_do_not_post(client, setting, region_module):
    discussion.post(setting["a"], region_module, "一区的讨论")
    client.force_login(setting["staff"])  # a clerk of a branch of region 1, no member record
    page = client.get(url(region_module))
    assert page.status_code == 200 and "一区的讨论" in page.content.decode()
    assert 'data-testid="comment-form"' not in page.content.decode()
    assert client.post(url(region_module), {"text": "工作人员"}).status_code == 403
