"""A member of a host site on a phone: the learning pages in the host's own look."""

from pathlib import Path

import pytest

from dj_learning import context_processors
from dj_learning.test import factories
from tests.browser.conftest import ARTIFACTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HOST_TEMPLATES = Path(__file__).resolve().parents[1] / "host_templates"
PHONE = {"width": 375, "height": 740}
PACKAGE_BACKGROUND = "rgb(247, 245, 242)"  # --djl-bg of the package's own frame


def _default_site():
    """The default site a migrated database has (a flushing test before this one may
    have emptied its tables)."""
    from django.contrib.contenttypes.models import ContentType
    from wagtail.models import Locale, Page, Site

    if Site.objects.filter(is_default_site=True).exists():
        return
    ContentType.objects.clear_cache()  # the flush gave the content types new ids
    Locale.objects.get_or_create(language_code="zh-hans")
    root = Page.get_first_root_node() or Page.add_root(instance=Page(title="Root", slug="root"))
    home = root.add_child(instance=Page(title="Home", slug="home"))
    Site.objects.create(hostname="localhost", root_page=home, is_default_site=True)


@pytest.fixture
def host_site(settings):
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [HOST_TEMPLATES, *settings.TEMPLATES[0]["DIRS"]]}
    ]
    settings.DJ_LEARNING = {**settings.DJ_LEARNING, "BASE_TEMPLATE": "base.html"}
    settings.LOGIN_REDIRECT_URL = "dj_learning:my_study"
    context_processors.adapter.cache_clear()
    yield
    context_processors.adapter.cache_clear()


def test_a_member_signs_in_and_studies_in_the_hosts_look_on_a_phone(
    host_site, live_server, browser
):
    _default_site()
    branch = factories.unit(kind="branch", name="宿主支部")
    member = factories.member(unit=branch, name="宿主党员")
    course = factories.course(title="宿主课程")
    module = factories.module(course=course, kind="required", title="宿主模块")
    factories.plan(unit=branch, modules=[module])

    context = browser.new_context(locale="zh-CN", viewport=PHONE)
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        page.goto(f"{live_server.url}/learning/login/")
        header = page.get_by_test_id("host-header")
        assert header.is_visible()
        assert header.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(18, 52, 86)"
        page.get_by_label("用户名或党员编号").fill(member.member_number)
        page.get_by_label("密码").fill(factories.PASSWORD)
        page.get_by_role("button", name="登录").click()

        page.wait_for_url(f"{live_server.url}/learning/my/")
        assert page.get_by_test_id("host-header").is_visible()
        assert page.get_by_test_id("host-footer").is_visible()
        assert page.locator(".djl-header").count() == 0  # not the package's own header
        # The host's page, not restyled by the package's stylesheet.
        body = page.evaluate("getComputedStyle(document.body).backgroundColor")
        assert body != PACKAGE_BACKGROUND
        # Nothing wider than the phone.
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        # The plan's course, marked, and the learning menu in the host's navigation.
        row = page.locator("li.djl-module-row", has=page.get_by_role("link", name="宿主课程"))
        assert "在你的学习计划中" in row.inner_text()
        menu = page.get_by_test_id("learning-menu")
        assert menu.get_by_role("link", name="我的学习").is_visible()

        page.get_by_role("link", name="宿主课程").click()
        assert page.get_by_test_id("in-plan").inner_text() == "在你的学习计划中"
        assert page.get_by_test_id("host-header").is_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    finally:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "host_look_phone.png"), full_page=True)
        context.close()
