"""The admin tells regions apart: page titles name their region (page search, moderation,
choosers), the package's lists have a region column and filter, choosers stay in scope."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from dj_learning.courses.models import CoursePage
from dj_learning.orgs import regions
from dj_learning.orgs.models import Unit
from dj_learning.test import factories

pytestmark = pytest.mark.django_db


def test_two_regions_copies_of_a_course_are_told_apart_in_page_search(demo_courses, client):
    client.force_login(get_user_model().objects.get(username="admin"))
    html = client.get("/admin/pages/search/", {"q": "新时代理论学习"}).content.decode()
    assert "新时代理论学习 · 东湖区" in html
    assert "新时代理论学习 · 西山区" in html
    titles = {
        p.get_admin_display_title() for p in CoursePage.objects.filter(title="新时代理论学习")
    }
    assert titles == {"新时代理论学习 · 东湖区", "新时代理论学习 · 西山区"}


def test_the_moderation_list_names_the_region(demo_courses, client):
    from dj_learning.courses.models import ModulePage

    module = ModulePage.objects.filter(url_path__contains="region-2").first()
    admin = get_user_model().objects.get(username="admin")
    module.save_revision(user=admin)
    workflow = module.get_workflow()
    assert workflow is not None  # the demo moderates modules
    workflow.start(module, admin)
    client.force_login(admin)
    html = client.get("/admin/").content.decode()
    assert f"{module.title} · 西山区" in html


def test_the_workflow_reports_filter_by_region(demo_courses, client):
    from dj_learning.courses.models import ModulePage

    admin = get_user_model().objects.get(username="admin")
    started = {}
    for region in ("region-1", "region-2"):
        module = ModulePage.objects.filter(url_path__contains=region).order_by("path").first()
        module.save_revision(user=admin)
        module.get_workflow().start(module, admin)
        started[region] = module
    east = Unit.objects.get(kind="region", name="东湖区")
    client.force_login(admin)
    # The reports menu leads to the reports with the region filter.
    menu = client.get("/admin/").content.decode()
    tasks_url = reverse("learning_workflow_tasks_report")
    assert tasks_url in menu and reverse("learning_workflow_report") in menu
    east_title = f"{started['region-1'].title} · 东湖区"
    west_title = f"{started['region-2'].title} · 西山区"
    for url in (tasks_url, reverse("learning_workflow_report")):
        everything = client.get(url).content.decode()
        assert east_title in everything and west_title in everything
        assert "东湖区" in everything and 'name="region"' in everything
        east_only = client.get(url, {"region": east.path}).content.decode()
        assert east_title in east_only and west_title not in east_only


def test_a_renamed_region_is_named_anew(tree):
    assert regions.region_name(tree["b1"].path) == "一区"
    Unit.objects.filter(pk=tree["r1"].pk).update(name="旧名")  # no signal: still cached
    assert regions.region_name(tree["b1"].path) == "一区"
    region = Unit.objects.get(pk=tree["r1"].pk)
    region.name = "新名"
    region.save()
    assert regions.region_name(tree["b1"].path) == "新名"
    assert regions.region_name(tree["national"].path) == ""


def test_the_catalog_list_has_a_region_column(client, tree):
    from tests.test_rewards_awards import into_admin

    factories.catalog_item(unit=tree["b1"], title="本区奖品")
    factories.catalog_item(unit=tree["r2"], title="外区奖品")
    national_admin = factories.staff(role="admin", unit=tree["national"])
    into_admin(client, national_admin)
    html = client.get("/admin/learning/points/catalog/").content.decode()
    assert re.search(r"<th[^>]*>\s*Region", html)
    assert re.search(r"本区奖品.*?<td[^>]*>\s*一区\s*</td>", html, re.S)
    assert re.search(r"外区奖品.*?<td[^>]*>\s*二区\s*</td>", html, re.S)
    # the list's unit filter offers only units in the staff member's scope
    regional = factories.staff(role="admin", unit=tree["r1"])
    into_admin(client, regional)
    html = client.get("/admin/learning/points/catalog/").content.decode()
    assert "本区奖品" in html and "外区奖品" not in html
    assert "二区" not in html
