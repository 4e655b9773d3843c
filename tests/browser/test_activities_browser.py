"""The check-in screen in a real browser: the organizer's screen shows the code, a member in
another browser types it, and the screen's count goes up without a reload; the code rotates."""

import pytest
from playwright.sync_api import expect

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def region1_here(demo, live_server):
    """Serve region 1 (the member's) on the live server's address."""
    from wagtail.models import Site

    port = int(live_server.url.rsplit(":", 1)[1])
    Site.objects.filter(is_default_site=False).update(hostname="region2.invalid")
    Site.objects.filter(is_default_site=True).update(hostname="localhost", port=port)


def sign_in(page, base, username):
    page.goto(f"{base}/learning/login/")
    page.get_by_label("用户名或党员编号").fill(username)
    page.get_by_label("密码").fill("Demo!pass2026")
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(lambda url: "/login/" not in url)


def open_screen(page, base, activity):
    sign_in(page, base, "clerk")
    page.goto(f"{base}/learning/activities/{activity.pk}/screen/")
    # A mark that a reload would wipe: the count must change with it still there.
    page.evaluate("window.notReloaded = true")
    return page.get_by_test_id("screen-code").inner_text()


def test_a_member_types_the_code_from_the_screen_and_the_count_goes_up(
    region1_here, live_server, browser, page, learning_settings
):
    from dj_learning.activities.models import Activity

    learning_settings(CHECKIN_SCREEN_POLL_SECONDS=1)
    activity = Activity.objects.get(title="“不忘初心”主题党日")
    base = live_server.url
    code = open_screen(page, base, activity)
    expect(page.get_by_test_id("screen-count")).to_have_text("0")
    expect(page.get_by_role("heading", level=1)).to_have_text("“不忘初心”主题党日")

    phone = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
    member = phone.new_page()
    member.set_default_timeout(15_000)
    sign_in(member, base, "member")
    member.get_by_test_id("menu-button").click()  # a phone: the navigation is behind it
    member.get_by_test_id("activities-link").click()
    member.get_by_role("link", name="“不忘初心”主题党日").click()
    from dj_learning.rewards.models import Balance

    before = Balance.objects.get(member__user__username="member").balance
    member.get_by_label("签到码").fill(code)
    member.get_by_test_id("checkin").click()
    expect(member.get_by_test_id("checked-in")).to_be_visible()
    expect(member.locator(".djl-messages")).to_contain_text("5")

    expect(page.get_by_test_id("screen-count")).to_have_text("1")
    assert page.evaluate("window.notReloaded") is True

    member.get_by_test_id("menu-button").click()
    member.get_by_test_id("my-points-link").click()
    expect(member.get_by_test_id("points-history")).to_contain_text("“不忘初心”主题党日")
    expect(member.get_by_test_id("points-balance")).to_have_text(str(before + 5))
    phone.close()


def test_the_code_and_qr_rotate_without_a_reload(
    region1_here, live_server, page, learning_settings
):
    from dj_learning.activities.models import Activity

    learning_settings(CHECKIN_ROTATE_SECONDS=2, CHECKIN_SCREEN_POLL_SECONDS=1)
    activity = Activity.objects.get(title="“不忘初心”主题党日")
    first = open_screen(page, live_server.url, activity)
    qr = page.get_by_test_id("screen-qr").get_attribute("src")
    expect(page.get_by_test_id("screen-code")).not_to_have_text(first, timeout=8_000)
    assert page.get_by_test_id("screen-qr").get_attribute("src") != qr
    assert page.evaluate("window.notReloaded") is True
