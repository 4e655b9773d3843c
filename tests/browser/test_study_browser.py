import pytest
from playwright.sync_api import expect

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def sign_in(page, base, username="member"):
    page.goto(f"{base}/learning/login/")
    page.get_by_label("用户名或党员编号").fill(username)
    page.get_by_label("密码").fill("Demo!pass2026")
    page.get_by_role("button", name="登录").click()


@pytest.fixture
def base(demo_courses, live_server, page):
    """The live server's address, serving region 1 (the member's, signed in), so its page
    links stay there."""
    from wagtail.models import Site

    Site.objects.filter(is_default_site=True).update(
        hostname="localhost", port=int(live_server.url.rsplit(":", 1)[1])
    )
    Site.objects.filter(is_default_site=False).update(hostname="region2.invalid")
    sign_in(page, live_server.url)
    return live_server.url


def test_member_studies_a_module_to_completion_and_the_plan_goes_up(base, page, learning_settings):
    # Short lessons and fast heartbeats, so the test takes seconds, not minutes.
    learning_settings(LESSON_MIN_SECONDS=2, HEARTBEAT_INTERVAL=1)

    page.get_by_test_id("my-study-link").click()
    expect(page.get_by_test_id("required-credits")).to_have_text("2 / 6.50")

    page.get_by_role("link", name="党章总纲导读").first.click()
    expect(page.get_by_role("heading", name="党章总纲导读")).to_be_visible()
    # The first lesson was half studied before; the page counts the rest.
    expect(page.get_by_test_id("lesson-status")).to_have_attribute(
        "data-studied", "", timeout=15_000
    )

    page.get_by_role("link", name="党的指导思想").click()
    expect(page.get_by_test_id("lesson-status")).to_have_attribute(
        "data-studied", "", timeout=15_000
    )
    expect(page.get_by_test_id("module-complete")).to_be_visible()

    page.get_by_test_id("my-study-link").click()
    expect(page.get_by_test_id("required-credits")).to_have_text("3.50 / 6.50")
    row = page.get_by_test_id("required-modules").locator("li", has_text="党章总纲导读")
    expect(row).to_contain_text("✓")


def test_beats_are_batched_yet_the_bar_moves_and_the_lesson_is_marked_at_once(
    base, page, learning_settings
):
    # The default interval: one beat a minute carries the time gathered since the last.
    learning_settings(LESSON_MIN_SECONDS=4, HEARTBEAT_INTERVAL=60)
    page.get_by_test_id("my-study-link").click()
    page.get_by_role("link", name="党章总纲导读").first.click()
    beats = []
    page.on(
        "request",
        lambda request: beats.append(request) if "study/heartbeat" in request.url else None,
    )
    page.get_by_role("link", name="党的指导思想").click()
    status = page.get_by_test_id("lesson-status")
    expect(status).not_to_have_attribute("data-studied", "")
    # The bar moves between beats, from the time gathered on the page...
    bar = page.locator("#lesson").get_by_role("progressbar")
    expect(bar).to_have_attribute("aria-valuenow", "50", timeout=5_000)
    # ...and when it reaches the lesson's need, a beat goes at once: marked studied in
    # seconds, not at the next minute. The first beat starts the clock; the server counts
    # whole seconds, so the fraction a beat arrives early by may take one beat more.
    expect(status).to_have_attribute("data-studied", "", timeout=10_000)
    lesson = page.locator("[data-study-lesson]").get_attribute("data-study-lesson")
    assert 2 <= len([b for b in beats if lesson in b.post_data]) <= 3
