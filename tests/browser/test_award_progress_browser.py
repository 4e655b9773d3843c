import pytest
from playwright.sync_api import expect

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_the_award_page_updates_its_progress_without_a_reload(demo, live_server, page):
    from django.contrib.auth import get_user_model

    from dj_learning.courses.services import study_year
    from dj_learning.orgs.models import Unit
    from dj_learning.rewards.models import TranscriptAward

    admin = get_user_model().objects.get(username="admin")
    region = Unit.objects.filter(kind="region").order_by("path").first()
    award = TranscriptAward.objects.create(
        unit=region, year=study_year(), criterion="met", points=5, reason="年度标兵",
        requested_by=admin, status="running", total=10, done=0,
    )  # fmt: skip
    base = live_server.url
    page.goto(f"{base}/admin/login/")
    page.locator("#id_username").fill("admin")
    page.locator("#id_password").fill("Demo!pass2026")
    page.locator("form button[type=submit], form input[type=submit]").first.click()
    page.wait_for_url(f"{base}/admin/")
    page.goto(f"{base}/admin/learning/points/awards/{award.pk}/")
    expect(page.get_by_test_id("award-progress")).to_contain_text("0 / 10 (0%)")
    page.evaluate("window.__stillHere = true")  # gone if the page reloads

    TranscriptAward.objects.filter(pk=award.pk).update(done=6)
    expect(page.get_by_test_id("award-progress")).to_contain_text("6 / 10 (60%)")
    expect(page.get_by_test_id("award-progress-bar")).to_have_attribute("value", "60")
    assert page.evaluate("window.__stillHere") is True  # updated in place

    TranscriptAward.objects.filter(pk=award.pk).update(done=10, status="done")
    expect(page.get_by_test_id("award-progress")).to_contain_text("10 / 10 (100%)")
    expect(page.get_by_test_id("award-reload")).to_have_count(0)
