import pytest
from playwright.sync_api import expect

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def sign_in(page, base, username):
    page.context.clear_cookies()
    page.goto(f"{base}/admin/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill("Demo!pass2026")
    page.locator("form button[type=submit], form input[type=submit]").first.click()
    page.wait_for_url(f"{base}/admin/")


def test_clerk_proposes_two_reviewers_approve_and_the_record_changes(demo, live_server, page):
    base = live_server.url
    sign_in(page, base, "clerk")
    page.goto(f"{base}/admin/learning/records/")
    page.get_by_role("link", name="张伟").click()
    page.get_by_test_id("propose-change").click()
    page.get_by_label("手机号码").fill("13911112222")
    page.get_by_label("变更理由").fill("本人更换了手机号码")
    page.get_by_test_id("submit-change").click()
    # Only the phone changes: the other fields were sent back as they were.
    rows = page.get_by_test_id("change-rows").locator("tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("13911112222")

    sign_in(page, base, "reviewer")
    page.goto(f"{base}/admin/learning/records/review/")
    page.get_by_test_id("queue-item").get_by_role("link").first.click()
    page.get_by_test_id("approve").click()
    expect(page.locator(".messages")).to_contain_text("已批准")

    sign_in(page, base, "regionreviewer")
    page.goto(f"{base}/admin/learning/records/review/")
    page.get_by_test_id("queue-item").get_by_role("link").first.click()
    page.get_by_test_id("approve").click()
    expect(page.locator(".messages")).to_contain_text("档案已更新")

    page.goto(f"{base}/admin/learning/records/")
    page.get_by_role("link", name="张伟").click()
    expect(page.get_by_test_id("record-values")).to_contain_text("13911112222")
    expect(page.get_by_test_id("record-values")).to_contain_text("2015-07-01")
    expect(page.get_by_test_id("history-entry")).to_contain_text("13800000108")
