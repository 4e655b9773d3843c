"""An editor chooses a module's prerequisite with Wagtail's page chooser: the modal
searches modules, names their region, and the chosen module is saved."""

import pytest
from playwright.sync_api import expect

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_a_prerequisite_is_chosen_in_the_page_chooser(demo_courses, live_server, page):
    from dj_learning.courses.models import ModulePage

    module = ModulePage.objects.get(slug="duties-and-rights", url_path__contains="region-1")
    other = (
        ModulePage.objects.filter(url_path__contains="region-1")
        .exclude(pk__in=[module.pk, *module.prerequisites.values_list("pk", flat=True)])
        .order_by("path")
        .first()
    )
    base = live_server.url
    page.goto(f"{base}/admin/login/")
    page.locator("#id_username").fill("admin")
    page.locator("#id_password").fill("Demo!pass2026")
    page.locator("form button[type=submit], form input[type=submit]").first.click()
    page.wait_for_url(f"{base}/admin/")
    page.goto(f"{base}/admin/pages/{module.pk}/edit/")

    # The first empty chooser (the module has one prerequisite already).
    chooser = page.locator("#id_prerequisites_1-chooser")
    chooser.locator("[data-chooser-action-choose]").first.click()
    modal = page.locator(".modal")
    modal.locator("input[name=q]").fill(other.title)
    choice = modal.locator("a.choose-page", has_text=f"{other.title} · 东湖区")
    expect(choice).to_be_visible()
    choice.click()
    expect(chooser.locator("[data-chooser-title]")).to_have_text(f"{other.title} · 东湖区")

    # Publish sits in the footer's dropdown menu; its button submits the form.
    page.evaluate("document.querySelector('button[name=action-publish]').click()")
    page.wait_for_url(lambda url: "/edit/" not in url)
    module.refresh_from_db()
    assert other in set(module.prerequisites.all())
