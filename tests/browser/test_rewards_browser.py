import re

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


def test_member_redeems_an_item_and_sees_balance_and_stock_drop(region1_here, live_server, page):
    from dj_learning.rewards.models import CatalogItem, Redemption

    item = CatalogItem.objects.get(title="党徽")
    base = live_server.url
    page.goto(f"{base}/learning/login/")
    page.get_by_label("用户名或党员编号").fill("member")
    page.get_by_label("密码").fill("Demo!pass2026")
    page.get_by_role("button", name="登录").click()
    page.get_by_test_id("my-points-link").click()
    expect(page.get_by_test_id("points-history")).to_contain_text("参加活动签到 主题党日")
    page.get_by_role("link", name="积分兑换").click()
    card = page.locator(f'[data-testid="catalog-item"][data-item="{item.pk}"]')
    expect(page.get_by_test_id("points-balance")).to_have_text("97")
    expect(card.get_by_test_id("item-stock")).to_have_text("20")
    card.get_by_test_id("redeem").click()
    # A second step, no JavaScript needed: the cost and the balance after.
    expect(page.get_by_test_id("confirm-cost")).to_have_text("50")
    expect(page.get_by_test_id("confirm-after")).to_have_text("47")
    assert not Redemption.objects.exists()
    page.get_by_test_id("confirm-redeem-button").click()
    code = Redemption.objects.get(member__user__username="member").code
    expect(page.get_by_test_id("pickup-code")).to_have_text(code)
    expect(page.locator(".djl-messages")).to_contain_text(re.compile(f"取货码.*{code}"))
    page.get_by_role("link", name="积分兑换").click()
    from dj_learning.rewards.models import Balance

    after = Balance.objects.get(member__user__username="member").balance
    expect(page.get_by_test_id("points-balance")).to_have_text(str(after))
    expect(card.get_by_test_id("item-stock")).to_have_text("19")


def test_a_clerk_finds_a_redemption_by_its_code_and_hands_it_out(demo, live_server, page):
    from dj_learning.members.models import Member
    from dj_learning.rewards import services
    from dj_learning.rewards.models import CatalogItem

    member = Member.objects.get(user__username="member")
    code = services.redeem(member, CatalogItem.objects.get(title="党徽").pk).code
    base = live_server.url
    page.goto(f"{base}/admin/login/")
    page.locator("#id_username").fill("clerk")
    page.locator("#id_password").fill("Demo!pass2026")
    page.locator("form button[type=submit], form input[type=submit]").first.click()
    page.wait_for_url(f"{base}/admin/")
    page.get_by_role("button", name="积分").click()  # the Points menu
    page.get_by_role("link", name="积分兑换记录").click()
    page.locator("input[name=q]").fill(code.lower())
    row = page.locator("#listing-results tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text(code)
    row.get_by_test_id("fulfil").click()
    expect(page.locator(".messages")).to_be_visible()
    page.goto(f"{base}/admin/learning/points/redemptions/?status=fulfilled")
    expect(page.locator("#listing-results tbody")).to_contain_text(code)


def test_the_confirmation_step_works_without_javascript(region1_here, live_server, browser):
    from dj_learning.rewards.models import CatalogItem, Redemption

    context = browser.new_context(java_script_enabled=False, locale="zh-CN")
    page = context.new_page()
    item = CatalogItem.objects.get(title="党徽")
    base = live_server.url
    page.goto(f"{base}/learning/login/")
    page.get_by_label("用户名或党员编号").fill("member")
    page.get_by_label("密码").fill("Demo!pass2026")
    page.get_by_role("button", name="登录").click()
    page.goto(f"{base}/learning/rewards/")
    page.locator(f'[data-testid="catalog-item"][data-item="{item.pk}"]').get_by_test_id(
        "redeem"
    ).click()
    expect(page.get_by_test_id("confirm-balance")).to_have_text("97")
    page.get_by_test_id("cancel-redeem").click()
    expect(page.get_by_test_id("catalog")).to_be_visible()
    assert not Redemption.objects.exists()
    page.goto(f"{base}/learning/rewards/{item.pk}/")
    page.get_by_test_id("confirm-redeem-button").click()
    expect(page.get_by_test_id("pickup-code")).to_have_text(Redemption.objects.get().code)
    context.close()
