import pytest
from playwright.sync_api import expect

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_after_sign_in_the_home_shows_the_members_parts(demo_courses, live_server, page):
    from wagtail.models import Site

    port = int(live_server.url.rsplit(":", 1)[1])
    Site.objects.filter(is_default_site=False).update(hostname="region2.invalid")
    Site.objects.filter(is_default_site=True).update(hostname="localhost", port=port)
    base = live_server.url
    page.goto(f"{base}/learning/login/?next=/")
    page.get_by_label("用户名或党员编号").fill("member")
    page.get_by_label("密码").fill("Demo!pass2026")
    page.get_by_role("button", name="登录").click()
    home = page.get_by_test_id("member-home")
    expect(home).to_be_visible()
    parts = home.locator("[data-part]")
    expect(parts).to_have_count(5)
    assert [p.get_attribute("data-part") for p in parts.all()] == [
        "my-study", "quizzes-due", "points", "upcoming-activities", "notices",
    ]  # fmt: skip
    expect(page.get_by_test_id("home-part-my-study")).to_contain_text("我的学习")
    expect(page.get_by_test_id("required-credits")).to_have_text("2 / 6.50")
    quizzes = page.get_by_test_id("home-part-quizzes-due")
    quizzes.get_by_role("link", name="新发展理念 · 随堂测验").click()
    expect(page.get_by_test_id("quiz-start")).to_be_visible()
