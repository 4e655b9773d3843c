"""Region themes, branch overrides, the CSS variables they render, and their cost."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from wagtail.models import Site

from dj_learning.orgs.models import Unit
from dj_learning.test import factories
from dj_learning.themes import colours, services
from dj_learning.themes.models import RegionTheme, UnitTheme

pytestmark = pytest.mark.django_db


def test_contrast_follows_wcag():
    assert colours.contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert colours.contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)
    assert colours.primary_problem("#a4161a") is None
    assert colours.accent_problem("#f2b705") is None


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("primary_colour", "#ffeb3b", "主色调 #ffeb3b 太浅"),
        ("accent_colour", "#333333", "强调色 #333333 太深"),
        ("primary_colour", "red", "#b3261e"),
        ("font_stack", "serif; } body { display:none", "字体"),
        ("custom_css", "p{}</style><script>alert(1)</script>", "“<”"),
        ("custom_css", "@import url(https://evil.example/x.css);", "@import"),
    ],
)
def test_unreadable_or_unsafe_values_are_refused_in_the_users_language(demo, field, value, words):
    theme = RegionTheme.objects.get(site__hostname="127.0.0.1")
    setattr(theme, field, value)
    with translation.override("zh-hans"), pytest.raises(ValidationError) as refused:
        theme.full_clean()
    assert list(refused.value.message_dict) == [field]
    assert words in " ".join(refused.value.message_dict[field])


def test_embedding_origins_must_be_bare_origins(demo):
    theme = RegionTheme.objects.get(site__hostname="127.0.0.1")
    theme.embed_origins = "https://portal.example.org\nhttps://portal.example.org/path"
    with pytest.raises(ValidationError) as refused:
        theme.full_clean()
    assert "https://portal.example.org/path" in str(refused.value.message_dict["embed_origins"])
    theme.embed_origins = "https://portal.example.org/\nhttp://127.0.0.1:8001"
    theme.full_clean()
    theme.save()
    site = Site.objects.get(hostname="127.0.0.1")
    assert services.resolve(site.pk).embed_origins == [
        "https://portal.example.org",
        "http://127.0.0.1:8001",
    ]


def test_branch_values_resolve_child_then_parent_then_region_then_default(demo):
    site1 = Site.objects.get(hostname="127.0.0.1")
    branch = Unit.objects.get(code="r1-branch-1")  # the demo overrides its accent
    group = Unit.objects.get(code="r1-branch-1-a")
    UnitTheme.objects.create(unit=group, name="第一党小组", custom_css=".djl-card{border:1px}")
    RegionTheme.objects.filter(site=site1).update(custom_css=".djl-tag{font-weight:700}")
    services.invalidate()

    theme = services.resolve(site1.pk, group.pk)
    assert theme.name == "第一党小组"  # its own
    assert theme.accent_colour == "#8ecae6"  # from its parent branch
    assert theme.primary_colour == "#a4161a"  # from the region
    assert theme.logo_url.endswith(".png")  # the region's logo
    assert theme.font_stack == services.DEFAULTS["font_stack"]  # nobody set one
    # Custom CSS adds up, the region's first.
    assert theme.custom_css == ".djl-tag{font-weight:700}\n.djl-card{border:1px}"

    region_only = services.resolve(site1.pk, Unit.objects.get(code="r1-branch-2").pk)
    assert (region_only.name, region_only.accent_colour) == ("东湖区党员学习", "#f2b705")
    assert services.resolve(site1.pk, branch.pk).name == "东湖区党员学习"


def test_a_member_gets_their_own_regions_theme_on_any_site(demo, client):
    # member2 belongs to region 2; signed in on region 1's site, they see region 2's look.
    client.login(username="member2", password="Demo!pass2026")
    html = client.get("/", HTTP_HOST="127.0.0.1").content.decode()
    assert "--djl-primary: #1d4e89;" in html
    client.logout()
    html = client.get("/", HTTP_HOST="127.0.0.1").content.decode()
    assert "--djl-primary: #a4161a;" in html


def test_resolving_costs_a_fixed_number_of_queries_then_none(
    demo, django_assert_num_queries, django_assert_max_num_queries
):
    site1 = Site.objects.get(hostname="127.0.0.1")
    deep = factories.unit(parent=Unit.objects.get(code="r1-branch-1-a"))
    deeper = factories.unit(parent=deep)
    for unit in (deep, deeper):
        UnitTheme.objects.create(unit=unit, name=unit.name)
    services.resolve(site1.pk)  # makes the logo's rendition, once for good
    services.invalidate()
    # Unit path, the chain with overrides and logos, the region setting, the logo's rendition.
    with django_assert_max_num_queries(4):
        services.resolve(site1.pk, deeper.pk)
    with django_assert_num_queries(0):
        assert services.resolve(site1.pk, deeper.pk).name == deeper.name


def test_saving_a_theme_drops_the_cached_ones(demo, client):
    site1 = Site.objects.get(hostname="127.0.0.1")
    assert services.resolve(site1.pk).primary_colour == "#a4161a"
    theme = RegionTheme.objects.get(site=site1)
    theme.primary_colour = "#004d40"
    theme.save()
    assert services.resolve(site1.pk).primary_colour == "#004d40"
    assert "--djl-primary: #004d40;" in client.get("/", HTTP_HOST="127.0.0.1").content.decode()


def test_the_two_demo_regions_render_their_own_theme(demo, client):
    one = client.get("/", HTTP_HOST="127.0.0.1").content.decode()
    two = client.get("/", HTTP_HOST="localhost").content.decode()
    assert "--djl-primary: #a4161a;" in one and 'data-testid="home-banner"' in one
    assert "--djl-primary: #1d4e89;" in two and "serif;" in two
    assert "东湖区委组织部 主办" in one and "西山区委组织部" in two
    assert 'data-testid="site-logo"' in one and 'data-testid="site-logo"' in two


def test_a_value_written_around_the_form_cannot_break_out_of_the_style(demo, client):
    site1 = Site.objects.get(hostname="127.0.0.1")
    RegionTheme.objects.filter(site=site1).update(
        primary_colour=";}<b>",  # the column holds 7 characters
        custom_css="</style><script>x()</script>",
        font_stack="a;}</style>",
    )
    services.invalidate()
    html = client.get("/", HTTP_HOST="127.0.0.1").content.decode()
    assert "<script>x()" not in html and ";}<b>" not in html
    assert "--djl-primary: #b3261e;" not in html  # the bad value is dropped, learning.css's stays


def test_visitors_see_a_theme_change_on_the_cached_course_page(demo, client):
    """The cached course page's key holds the themes' version (``page_cache.key_parts``)."""
    site1 = Site.objects.get(hostname="127.0.0.1")
    course = factories.course(catalog=factories.catalog(parent=site1.root_page))
    path = course.relative_url(site1)
    first = client.get(path, HTTP_HOST="127.0.0.1").content.decode()
    cached = client.get(path, HTTP_HOST="127.0.0.1").content.decode()
    assert "--djl-primary: #a4161a;" in first and "--djl-primary: #a4161a;" in cached
    # The navigation's "Courses" link leads to the course's catalog.
    assert f'href="{course.get_parent().relative_url(site1)}"' in cached

    theme = RegionTheme.objects.get(site=site1)
    theme.primary_colour = "#004d40"
    theme.save()
    assert "--djl-primary: #004d40;" in client.get(path, HTTP_HOST="127.0.0.1").content.decode()
