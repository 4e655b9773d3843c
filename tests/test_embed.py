"""Embeddable widgets: framing rules per region, the member's own data, snippet colours."""

import pytest
from django.apps import apps
from wagtail.models import Site

from dj_learning import embed
from dj_learning.themes.models import RegionTheme

pytestmark = pytest.mark.django_db
PORTAL = "http://127.0.0.1:8001"  # region 1 of the demo lists it (demo port 8000 + 1)


def test_widgets_may_be_framed_only_by_the_regions_origins(demo, client):
    response = client.get("/embed/notices/", HTTP_HOST="127.0.0.1")
    assert response.status_code == 200
    assert (
        "frame-ancestors 'self' http://127.0.0.1:8001 http://localhost:8001"
        in (response["Content-Security-Policy"])
    )
    assert "script-src 'self' 'nonce-" in response["Content-Security-Policy"]
    assert "X-Frame-Options" not in response
    # Region 2 lists nobody: only the site itself may frame its widgets.
    response = client.get("/embed/notices/", HTTP_HOST="localhost")
    assert "frame-ancestors 'self';" in response["Content-Security-Policy"] + ";"
    # Every other page refuses to be framed at all.
    assert client.get("/", HTTP_HOST="127.0.0.1")["X-Frame-Options"] == "DENY"
    assert client.get("/learning/login/")["X-Frame-Options"] == "DENY"


def test_the_frame_reports_its_height_only_to_a_listed_parent(demo, client):
    listed = client.get("/embed/notices/", {"parent": PORTAL, "frame": "f1"}, HTTP_HOST="127.0.0.1")
    assert f'data-parent-origin="{PORTAL}"' in listed.content.decode()
    other = client.get(
        "/embed/notices/", {"parent": "https://evil.example", "frame": "f1"}, HTTP_HOST="127.0.0.1"
    )
    assert 'data-parent-origin=""' in other.content.decode()


def test_notices_widget_lists_the_sites_latest_notices(demo, client):
    html = client.get("/embed/notices/", HTTP_HOST="127.0.0.1").content.decode()
    assert html.index("学分档案可在线下载") < html.index("关于开展春季集中学习的通知")
    assert "西山区读书月活动安排" not in html
    assert '<base target="_blank">' in html


def test_catalog_widget_costs_a_fixed_number_of_queries(
    demo_courses, client, django_assert_max_num_queries
):
    client.get("/embed/catalog/", HTTP_HOST="127.0.0.1")  # renditions made once
    with django_assert_max_num_queries(12):
        html = client.get("/embed/catalog/", {"limit": 20}, HTTP_HOST="127.0.0.1").content.decode()
    assert html.count('class="djl-course-card"') == 4
    assert "中国共产党的创立" in html or "djl-course-card__title" in html


def test_my_study_widget_shows_the_members_own_progress_or_a_sign_in_link(demo_courses, client):
    html = client.get("/embed/my-study/", HTTP_HOST="127.0.0.1").content.decode()
    assert 'data-testid="embed-signed-out"' in html
    assert "/learning/login/?next=/learning/my/" in html
    client.login(username="member", password="Demo!pass2026")
    response = client.get("/embed/my-study/", HTTP_HOST="127.0.0.1")
    html = response.content.decode()
    assert "张伟" in html and 'data-testid="plan-summary"' in html
    assert "private" in response["Cache-Control"]
    assert "Cookie" in response["Vary"]


def test_snippet_colours_are_used_only_when_valid_and_readable(demo, client):
    def primary(value):
        html = client.get(
            "/embed/notices/", {"primary": value}, HTTP_HOST="127.0.0.1"
        ).content.decode()
        return html.split("--djl-primary: ", 1)[1].split(";", 1)[0]

    assert primary("#00695C") == "#00695c"
    assert primary("#ffff00") == "#a4161a"  # unreadable: the region's
    assert primary("red;}</style>") == "#a4161a"


def test_unknown_widgets_are_not_found_and_the_leaderboard_comes_with_rewards(demo, client):
    assert client.get("/embed/nothing/").status_code == 404
    assert set(embed.widgets.names()) == {
        "catalog",
        "my-study",
        "notices",
        "leaderboard",
        "quizzes-due",
        "points",
        "upcoming-activities",
        "daily-sign-in",
    }

    leaderboard = embed.widgets["leaderboard"]
    embed.widgets.unregister("leaderboard")
    try:
        # Without the rewards app there is no leaderboard widget.
        assert embed.widgets.get("leaderboard") is None
        assert client.get("/embed/leaderboard/").status_code == 404
        # The rewards app registers it from its own ready(), idempotently.
        apps.get_app_config("learning_rewards").ready()
        apps.get_app_config("learning_rewards").ready()
        assert embed.widgets.names().count("leaderboard") == 1
        assert client.get("/embed/leaderboard/").status_code == 200
    finally:
        embed.widgets.register("leaderboard", leaderboard)


def test_the_leaderboard_widget_shows_the_region_to_members_only(demo, client):
    from dj_learning.members.models import Member
    from dj_learning.rewards import services

    member = Member.objects.get(user__username="member")
    services.adjust(member, 30, reason="测试", by=None)

    signed_out = client.get("/embed/leaderboard/", HTTP_HOST="127.0.0.1").content.decode()
    assert 'data-testid="embed-sign-in"' in signed_out
    assert 'data-testid="leaderboard"' not in signed_out

    client.login(username="member", password="Demo!pass2026")
    html = client.get("/embed/leaderboard/?period=year", HTTP_HOST="127.0.0.1").content.decode()
    board = html.split('data-testid="leaderboard"', 1)[1]
    assert "东湖区" in board  # the region of the site
    assert "张伟" in board  # the member's own row (the demo gave them points)


def test_the_registry_takes_a_host_sites_widget(demo, client):
    embed.register(
        "hello",
        lambda request: {"notices": []},
        title="Hello",
        template="dj_learning/themes/embed/notices.html",
    )
    try:
        assert client.get("/embed/hello/").status_code == 200
    finally:
        embed.widgets.unregister("hello")


def test_the_embedding_script_is_served_from_the_site(client):
    response = client.get("/embed/embed.js")
    assert response["Content-Type"].startswith("text/javascript")
    assert b"djl-embed:height" in response.content


def test_preview_renders_unsaved_values_and_saves_nothing(demo, client):
    site1 = Site.objects.get(hostname="127.0.0.1")
    client.login(username="admin", password="Demo!pass2026")
    form = {
        "name": "预览名称",
        "primary_colour": "#004d40",
        "accent_colour": "",
        "font_stack": "",
        "home_layout": "",
        "custom_css": "",
        "embed_origins": "",
    }
    url = f"/admin/learning/theme-preview/?model=region&site={site1.pk}"
    response = client.post(url, form)
    html = response.content.decode()
    assert response.status_code == 200
    assert "--djl-primary: #004d40;" in html and "预览名称" in html
    assert RegionTheme.objects.get(site=site1).primary_colour == "#a4161a"
    refused = client.post(url, {**form, "primary_colour": "#ffeb3b"})
    assert refused.status_code == 400
    assert "#ffeb3b" in refused.content.decode()


def test_preview_is_for_theme_editors_only(demo, client):
    site1 = Site.objects.get(hostname="127.0.0.1")
    client.login(username="member", password="Demo!pass2026")
    response = client.post(f"/admin/learning/theme-preview/?model=region&site={site1.pk}", {})
    assert response.status_code in (302, 403)
    client.login(username="clerk", password="Demo!pass2026")  # in the admin, but no theme rights
    response = client.post(f"/admin/learning/theme-preview/?model=region&site={site1.pk}", {})
    assert response.status_code in (302, 403)


def test_a_branch_theme_previews_over_what_it_inherits(demo, client):
    from dj_learning.orgs.models import Unit

    client.login(username="admin", password="Demo!pass2026")
    add_page = client.get("/admin/snippets/learning_themes/unittheme/add/").content.decode()
    assert "预览主题" in add_page and "model=unit" in add_page
    branch = Unit.objects.get(code="r1-branch-2")
    response = client.post(
        "/admin/learning/theme-preview/?model=unit",
        {"unit": branch.pk, "name": "第二支部", "primary_colour": "", "accent_colour": "#8ecae6"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "第二支部" in html and "--djl-accent: #8ecae6;" in html
    assert "--djl-primary: #a4161a;" in html  # inherited from 东湖区
