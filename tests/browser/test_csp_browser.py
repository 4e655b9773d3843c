"""The Content-Security-Policy in a real Chromium: every page type works under it and the
browser reports no violation (the ``page`` fixture fails a test on any)."""

import pytest
from playwright.sync_api import expect
from wagtail.models import Site

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
PASSWORD = "Demo!pass2026"


@pytest.fixture
def base(demo_courses, live_server):
    """Region 1 served on the live server's address, so its pages and links stay there."""
    Site.objects.filter(is_default_site=True).update(
        hostname="localhost", port=int(live_server.url.rsplit(":", 1)[1])
    )
    Site.objects.filter(is_default_site=False).update(hostname="region2.invalid")
    return live_server.url


def sign_in(page, base, username):
    page.goto(f"{base}/learning/login/")
    page.get_by_label("用户名或党员编号").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()


def test_the_browser_reports_an_inline_script_the_policy_refuses(base, page):
    page.goto(f"{base}/learning/login/")
    page.evaluate(
        "() => { const s = document.createElement('script');"
        " s.textContent = 'window.injected = 1'; document.body.appendChild(s); }"
    )
    page.wait_for_timeout(200)
    assert page.evaluate("() => window.injected") is None
    assert any("script-src" in v for v in page.csp_violations)
    page.csp_violations.clear()  # seen: the policy is enforced, and reported


def test_member_pages_work_under_the_policy(base, page):
    from dj_learning.courses.models import ModulePage

    sign_in(page, base, "member")
    # The theme's <style> carries the nonce: its colours apply.
    accent = page.evaluate(
        "() => getComputedStyle(document.documentElement).getPropertyValue('--djl-accent').trim()"
    )
    assert accent.startswith("#")
    module = ModulePage.objects.live().first()
    for path in [
        "/",
        "/learning/my/",
        "/learning/me/",
        "/learning/transcript/",
        "/learning/quizzes/",
        "/learning/points/",
        "/learning/points/leaderboard/",
        "/learning/rewards/",
        module.get_url(),
    ]:
        page.goto(path if path.startswith("http") else f"{base}{path}")
        page.wait_for_load_state("networkidle")
    # The study script (a file, with no inline code) runs: the lesson timer starts.
    expect(page.get_by_test_id("lesson-status")).to_be_visible()


def test_embeds_and_the_api_docs_work_under_the_policy(base, page):
    sign_in(page, base, "member")
    for name in ("catalog", "my-study", "notices", "leaderboard"):
        page.goto(f"{base}/embed/{name}/")
        expect(page.get_by_test_id(f"embed-{name}")).to_be_visible()
    page.goto(f"{base}/api/v1/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("dj-learning API")
    page.wait_for_load_state("networkidle")


def test_the_admin_screens_the_package_adds_work_under_the_policy(base, page):
    page.goto(f"{base}/admin/login/")
    page.locator("#id_username").fill("admin")
    page.locator("#id_password").fill(PASSWORD)
    page.locator("button[type=submit]").first.click()
    page.wait_for_load_state("networkidle")
    for path in [
        "/admin/",
        "/admin/learning/records/",
        "/admin/learning/records/review/",
        "/admin/learning/records/import/",
        "/admin/learning/training/",
        "/admin/learning/report/",
        "/admin/learning/questions/import/",
        "/admin/learning/quizzes/reports/",
        "/admin/learning/points/awards/new/",
        "/admin/learning/points/redemptions/",
        "/admin/learning/lockouts/",
    ]:
        response = page.goto(f"{base}{path}")
        assert response.status == 200, path
        page.wait_for_load_state("networkidle")
    # Two-factor enrolment: the QR code is a data: image the policy allows.
    page.goto(f"{base}/learning/two-factor/setup/")
    qr = page.get_by_test_id("totp-qr")
    expect(qr).to_be_visible()
    assert qr.evaluate("img => img.complete && img.naturalWidth > 0")
