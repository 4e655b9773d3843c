"""learning_demo loads the demo data, and running it again changes nothing."""

import io

import pytest
from django.apps import apps
from django.core.management import call_command
from wagtail.models import Site

from dj_learning.orgs.models import Unit

pytestmark = pytest.mark.django_db


def row_counts():
    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models()
        if not model._meta.label.startswith(("sessions.", "django_q."))
    }


def test_learning_demo_twice_gives_the_same_rows(demo_courses):
    # The whole demo, courses and the member's progress included (the fixture's run).
    first = row_counts()
    call_command("learning_demo", stdout=io.StringIO())
    assert row_counts() == first
    assert first["learning_orgs.Unit"] == 8
    assert first["learning_members.Member"] == 5
    assert first["wagtailcore.Site"] == 2


def test_demo_tree_regions_and_sites(demo):
    national = Unit.objects.get(code="national")
    regions = list(national.get_children().order_by("code"))
    assert [(r.code, r.kind) for r in regions] == [("region-1", "region"), ("region-2", "region")]
    assert sum(r.get_children().count() for r in regions) == 4
    site1 = Unit.objects.get(code="region-1").site
    site2 = Unit.objects.get(code="region-2").site
    assert (site1.hostname, site1.is_default_site) == ("127.0.0.1", True)
    assert (site2.hostname, site2.is_default_site) == ("localhost", False)
    assert Unit.objects.get(code="r1-branch-1").region.code == "region-1"


def test_each_region_serves_its_own_home_page(demo, client):
    region1 = client.get("/", HTTP_HOST="127.0.0.1:8000")
    region2 = client.get("/", HTTP_HOST="localhost:8000")
    assert region1.status_code == region2.status_code == 200
    assert "东湖区党员学习平台" in region1.content.decode()
    assert "西山区党员学习平台" in region2.content.decode()
    assert Site.objects.count() == 2


def test_demo_accounts_sign_in_with_the_demo_password(demo, client):
    for username in [
        "admin",
        "editor",
        "moderator",
        "clerk",
        "reviewer",
        "regionreviewer",
        "member",
        "member2",
    ]:
        assert client.login(username=username, password="Demo!pass2026"), username
