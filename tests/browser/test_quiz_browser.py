import pytest
from playwright.sync_api import expect

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_member_passes_the_module_quiz_and_the_module_completes(
    demo_courses, live_server, page, django_capture_on_commit_callbacks
):
    from wagtail.models import Site

    from dj_learning.courses.models import ModulePage
    from dj_learning.members.models import Member
    from tests.test_quizzes_demo import study_module

    # Serve region 1 (the member's) on the live server's address.
    Site.objects.filter(is_default_site=True).update(
        hostname="localhost", port=int(live_server.url.rsplit(":", 1)[1])
    )
    Site.objects.filter(is_default_site=False).update(hostname="region2.invalid")
    # The member has studied the module's lessons already; only the quiz is left.
    module = ModulePage.objects.get(
        slug="new-development-philosophy", url_path__contains="region-1"
    )
    with django_capture_on_commit_callbacks(execute=True):
        study_module(Member.objects.get(user__username="member"), module)
    base = live_server.url

    page.goto(f"{base}/learning/login/")
    page.get_by_label("用户名或党员编号").fill("member")
    page.get_by_label("密码").fill("Demo!pass2026")
    page.get_by_role("button", name="登录").click()
    page.get_by_test_id("my-study-link").click()
    expect(page.get_by_test_id("required-credits")).to_have_text("2 / 6.50")

    page.goto(module.full_url)
    expect(page.get_by_test_id("module-complete")).to_be_hidden()
    page.get_by_test_id("module-quiz-link").click()
    page.get_by_test_id("quiz-start").click()

    first = page.get_by_test_id("question-1")
    first.get_by_label("创新、协调、绿色、开放、共享", exact=True).check()
    page.get_by_test_id("question-2").get_by_label("创新", exact=True).check()
    page.get_by_test_id("question-3").locator("input[value=false]").check()
    page.get_by_test_id("question-4").get_by_role("textbox").fill("动力")
    page.get_by_test_id("quiz-submit").click()

    expect(page.get_by_test_id("quiz-passed")).to_be_visible()
    expect(page.get_by_test_id("quiz-result")).to_contain_text("4 / 4")
    page.get_by_test_id("back-to-module").click()
    expect(page.get_by_test_id("module-complete")).to_be_visible()

    page.get_by_test_id("my-study-link").click()
    expect(page.get_by_test_id("required-credits")).to_have_text("3 / 6.50")
    row = page.get_by_test_id("required-modules").locator("li", has_text="新发展理念")
    expect(row).to_contain_text("✓")
