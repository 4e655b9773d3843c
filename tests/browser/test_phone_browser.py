"""At 375 px: a menu button opens the navigation (no JavaScript needed), and the
transcript's table stays readable (no cell broken one character per line)."""

import pytest
from playwright.sync_api import expect

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def phone(browser):
    context = browser.new_context(
        locale="zh-CN", viewport={"width": 375, "height": 740}, java_script_enabled=False
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def _sign_in(page, base):
    page.goto(f"{base}/learning/login/")
    page.get_by_label("用户名或党员编号").fill("member")
    page.get_by_label("密码").fill("Demo!pass2026")
    page.get_by_role("button", name="登录").click()


def test_the_menu_button_opens_the_navigation_without_javascript(demo, live_server, phone):
    _sign_in(phone, live_server.url)
    phone.goto(f"{live_server.url}/learning/my/")
    button = phone.get_by_test_id("menu-button")
    expect(button).to_be_visible()
    expect(phone.get_by_test_id("my-points-link")).to_be_hidden()
    header = phone.get_by_test_id("site-header").bounding_box()
    assert header["height"] < 90  # one line: brand and the menu button
    button.click()
    expect(phone.get_by_test_id("my-points-link")).to_be_visible()
    expect(phone.get_by_role("button", name="退出登录")).to_be_visible()
    phone.get_by_test_id("my-points-link").click()
    expect(phone).to_have_url(f"{live_server.url}/learning/points/")


def test_the_transcript_table_is_readable_at_375_px(demo_courses, live_server, phone):
    _sign_in(phone, live_server.url)
    phone.goto(f"{live_server.url}/learning/transcript/")
    table = phone.get_by_test_id("transcript-entries")
    expect(table).to_be_visible()
    # The page itself does not scroll sideways; the table scrolls inside its box.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    line = phone.evaluate(
        "parseFloat(getComputedStyle(document.querySelector('.djl-table td')).lineHeight) || 20"
    )
    for cell in table.locator("tbody tr").first.locator("td").all():
        if "djl-wrap" in (cell.get_attribute("class") or ""):
            continue
        assert cell.bounding_box()["height"] < 2.5 * line + 16, cell.inner_text()
    first = table.locator("tbody tr td").first
    assert first.evaluate("el => getComputedStyle(el).position") == "sticky"
