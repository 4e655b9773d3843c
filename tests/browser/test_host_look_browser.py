"""A member of a host site: the learning pages in the host's own look, on a phone and
on a desktop, with the page's messages and a language switch inside the host's page.

Like every transactional test, these restore the migrated data (Wagtail's default
site among it) with ``serialized_rollback``; tests/conftest.py refuses one without.
"""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from dj_learning import context_processors
from dj_learning.test import factories
from tests.browser.conftest import ARTIFACTS

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

HOST_TEMPLATES = Path(__file__).resolve().parents[1] / "host_templates"
PHONE = {"width": 375, "height": 740}
PACKAGE_BACKGROUND = "rgb(247, 245, 242)"  # --djl-bg of the package's own frame
HOST_HEADER_BACKGROUND = "rgb(18, 52, 86)"  # .host-header in tests/host_templates/base.html


@pytest.fixture
def host_site(settings):
    """The ready site showing its learning pages in tests/host_templates/base.html, a
    `wagtail start` base template whose content block is called ``content``."""
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [HOST_TEMPLATES, *settings.TEMPLATES[0]["DIRS"]]}
    ]
    settings.DJ_LEARNING = {**settings.DJ_LEARNING, "BASE_TEMPLATE": "base.html"}
    settings.LOGIN_REDIRECT_URL = "dj_learning:my_study"
    context_processors.adapter.cache_clear()
    yield
    context_processors.adapter.cache_clear()


@pytest.fixture
def studies():
    """A member whose branch plans one course; another course has an elective module."""
    branch = factories.unit(kind="branch", name="宿主支部")
    member = factories.member(unit=branch, name="宿主党员")
    course = factories.course(title="宿主课程")
    module = factories.module(course=course, kind="required", title="宿主模块")
    factories.plan(unit=branch, modules=[module])
    member.elective = factories.course(title="宿主选修课")
    factories.module(course=member.elective, kind="elective", title="宿主选修模块")
    return member


def sign_in(page, url, member):
    page.goto(f"{url}/learning/login/")
    page.get_by_label("用户名或党员编号").fill(member.member_number)
    page.get_by_label("密码").fill(factories.PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{url}/learning/my/")


def in_host_look(page):
    """The host's header and footer around the page, not the package's frame."""
    expect(page.get_by_test_id("host-header")).to_be_visible()
    expect(page.get_by_test_id("host-footer")).to_be_visible()
    assert page.locator(".djl-header").count() == 0  # not the package's own header
    assert page.locator("body.djl-frame").count() == 0


def test_a_member_signs_in_and_studies_in_the_hosts_look_on_a_phone(
    host_site, studies, live_server, browser
):
    context = browser.new_context(locale="zh-CN", viewport=PHONE)
    page = context.new_page()
    page.set_default_timeout(15_000)
    violations = []
    page.on(
        "console",
        lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None,
    )
    try:
        page.goto(f"{live_server.url}/learning/login/")
        header = page.get_by_test_id("host-header")
        expect(header).to_be_visible()
        # The host's own stylesheet (an inline <style> with the request's nonce) applies.
        assert header.evaluate("e => getComputedStyle(e).backgroundColor") == (
            HOST_HEADER_BACKGROUND
        )
        sign_in(page, live_server.url, studies)

        in_host_look(page)
        # The host's page, not restyled by the package's stylesheet.
        body = page.evaluate("getComputedStyle(document.body).backgroundColor")
        assert body != PACKAGE_BACKGROUND
        # Nothing wider than the phone.
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        # The plan's course, marked, and the learning menu in the host's navigation.
        row = page.locator("li.djl-module-row", has=page.get_by_role("link", name="宿主课程"))
        assert "在你的学习计划中" in row.inner_text()
        menu = page.get_by_test_id("learning-menu")
        expect(menu.get_by_role("link", name="我的学习")).to_be_visible()

        page.get_by_role("link", name="宿主课程").click()
        expect(page.get_by_test_id("in-plan")).to_have_text("在你的学习计划中")
        in_host_look(page)
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    finally:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "host_look_phone.png"), full_page=True)
        context.close()
    assert violations == [], "Content-Security-Policy violations:\n" + "\n".join(violations)


def test_messages_and_the_language_switch_show_inside_the_hosts_content_block(
    host_site, studies, live_server, page
):
    sign_in(page, live_server.url, studies)
    page.goto(f"{live_server.url}{studies.elective.url}")
    page.get_by_role("button", name="报名本课程").click()

    # The message comes inside the learning content, between the host's header and footer.
    content = page.locator(".djl-host")
    expect(content.locator(".djl-messages")).to_have_text("您已报名“宿主选修课”。")
    in_host_look(page)
    order = page.evaluate(
        """() => [...document.querySelectorAll(
            '[data-testid=host-header], .djl-messages, [data-testid=host-footer]')]
            .map(e => e.className)"""
    )
    assert order == ["host-header", "djl-messages", "host-footer"]

    # One language switch, above the learning content: the member reads English.
    switch = page.get_by_test_id("language-switch")
    expect(switch).to_have_count(1)
    switch.get_by_label("语言").select_option("en")
    switch.get_by_role("button", name="切换").click()
    expect(page.get_by_role("heading", name="宿主选修课")).to_be_visible()
    expect(page.get_by_text("You are enrolled in this course.")).to_be_visible()
    expect(
        page.get_by_test_id("learning-menu").get_by_role("link", name="My study")
    ).to_be_visible()
    in_host_look(page)

    page.get_by_test_id("language-switch").get_by_label("Language").select_option("zh-hans")
    page.get_by_test_id("language-switch").get_by_role("button", name="Change").click()
    expect(
        page.get_by_test_id("learning-menu").get_by_role("link", name="我的学习")
    ).to_be_visible()
