import pytest
from playwright.sync_api import expect

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PASSWORD = "Demo!pass2026"


def test_member_sends_a_suggestion_reviewer_replies_member_sees_it_and_the_bell(
    demo, live_server, page, browser
):
    from dj_learning.voice.models import Suggestion

    base = live_server.url
    page.goto(f"{base}/learning/login/")
    page.get_by_label("用户名或党员编号").fill("member")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.get_by_test_id("suggestions-link").click()
    page.locator("#id_title").fill("食堂晚餐时间太早")
    page.locator("#id_text").fill("建议晚餐延后到 18:30，<b>方便</b>加班的党员。")
    page.get_by_test_id("send-suggestion").click()
    number = Suggestion.objects.get(title="食堂晚餐时间太早").number
    expect(page.get_by_test_id("suggestion-number")).to_have_text(number)
    expect(page.get_by_test_id("suggestion-text")).to_contain_text("<b>方便</b>")
    expect(page.get_by_test_id("no-reply")).to_be_visible()
    unread_before = page.get_by_test_id("bell-count").all_inner_texts()

    staff = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 800})
    admin = staff.new_page()
    admin.set_default_timeout(15_000)
    admin.goto(f"{base}/admin/login/")
    admin.locator("#id_username").fill("reviewer")
    admin.locator("#id_password").fill(PASSWORD)
    admin.locator("form button[type=submit], form input[type=submit]").first.click()
    admin.wait_for_url(f"{base}/admin/")
    admin.goto(f"{base}/admin/learning/voice/suggestions/")
    row = admin.locator("#listing-results tbody tr", has_text=number)
    expect(row).to_contain_text("食堂晚餐时间太早")
    row.get_by_role("link", name="食堂晚餐时间太早").click()
    expect(admin.get_by_test_id("sender")).to_contain_text("张伟")
    admin.locator("#id_text").fill("已与食堂协商，下月起晚餐延后到 18:30。")
    admin.get_by_test_id("send-reply").click()
    expect(admin.get_by_test_id("reply")).to_contain_text("下月起晚餐延后")
    staff.close()

    page.reload()
    expect(page.get_by_test_id("reply")).to_contain_text("已与食堂协商，下月起晚餐延后到 18:30。")
    before = int(unread_before[0]) if unread_before else 0
    expect(page.get_by_test_id("bell-count")).to_have_text(str(before + 1))
    page.get_by_test_id("bell").click()
    expect(page.get_by_test_id("notification").first).to_contain_text(number)
