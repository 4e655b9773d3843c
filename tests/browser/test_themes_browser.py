"""Themes and embeds in a real Chromium: computed styles, framing, resizing, phone width."""

import socket
import threading

import pytest
from playwright.sync_api import expect
from wagtail.models import Site

from cms_site.demo import portal
from dj_learning.themes.models import RegionTheme
from tests.browser.conftest import ARTIFACTS

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
PASSWORD = "Demo!pass2026"


def live_port(live_server):
    return int(live_server.url.rsplit(":", 1)[1])


@pytest.fixture
def regions_here(demo, live_server):
    """Region 1 at http://127.0.0.1:PORT, region 2 at http://localhost:PORT (the demo's hosts)."""
    Site.objects.update(port=live_port(live_server))


def header_style(page):
    # The logo may still be loading when the page is shown: wait until it has loaded or failed.
    page.wait_for_function(
        "() => { const logo = document.querySelector('[data-testid=site-logo]');"
        " return !logo || logo.complete; }"
    )
    return page.evaluate(
        """() => {
            const header = getComputedStyle(document.querySelector('.djl-header'));
            const logo = document.querySelector('[data-testid=site-logo]');
            return {background: header.backgroundColor, font: getComputedStyle(document.body).fontFamily,
                    accent: getComputedStyle(document.documentElement).getPropertyValue('--djl-accent').trim(),
                    logo: logo && logo.complete && logo.naturalWidth > 0 ? logo.getAttribute('src') : null};
        }"""
    )


def sign_in(page, base, username):
    page.goto(f"{base}/learning/login/")
    page.get_by_label("用户名或党员编号").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    # Signed in: the header names the member (behind the menu button on a phone).
    expect(page.get_by_test_id("user-name")).to_be_attached()


def test_each_region_renders_with_its_own_logo_and_colours(regions_here, live_server, page):
    port = live_port(live_server)
    page.goto(f"http://127.0.0.1:{port}/")
    one = header_style(page)
    page.screenshot(path=str(ARTIFACTS / "theme-region-1.png"), full_page=True)
    page.goto(f"http://localhost:{port}/")
    two = header_style(page)
    assert one["background"] == "rgb(164, 22, 26)"  # #a4161a
    assert two["background"] == "rgb(29, 78, 137)"  # #1d4e89
    assert "serif" in two["font"] and "serif" not in one["font"].replace("sans-serif", "")
    assert one["logo"] and two["logo"] and one["logo"] != two["logo"]
    expect(page.get_by_test_id("site-name")).to_have_text("西山区学习园地")
    expect(page.get_by_test_id("home-courses")).to_be_visible()


def test_a_branch_overrides_some_values_and_inherits_the_rest(regions_here, live_server, page):
    base = f"http://127.0.0.1:{live_port(live_server)}"
    page.goto(f"{base}/")
    region = header_style(page)
    # The demo member's branch overrides the accent colour and the header line only.
    sign_in(page, base, "member")
    branch = header_style(page)
    assert region["accent"] == "#f2b705" and branch["accent"] == "#8ecae6"
    assert branch["background"] == region["background"] == "rgb(164, 22, 26)"
    assert branch["logo"] == region["logo"]
    expect(page.get_by_test_id("site-tagline")).to_have_text("东湖区第一支部 · 学习小组")
    expect(page.get_by_test_id("site-name")).to_have_text("东湖区党员学习")


@pytest.fixture
def portals(live_server):
    """Two copies of the demo portal on their own ports, pointing at region 1's site."""
    site = f"http://127.0.0.1:{live_port(live_server)}"
    servers = []
    for _ in range(2):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            free = probe.getsockname()[1]
        server = portal.server(free, site)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
    yield [f"http://127.0.0.1:{s.server_address[1]}" for s in servers]
    for server in servers:
        server.shutdown()
        server.server_close()


def test_embed_renders_and_resizes_for_a_listed_origin_and_is_refused_elsewhere(
    regions_here, live_server, portals, page
):
    allowed, other = portals
    RegionTheme.objects.filter(site__hostname="127.0.0.1").update(embed_origins=allowed)
    from dj_learning.themes import services

    services.invalidate()

    page.goto(f"{allowed}/")
    notices = page.frame_locator("[data-testid=portal-notices] iframe")
    expect(notices.get_by_test_id("embed-notices")).to_contain_text("学分档案可在线下载")
    # The frame told the portal its height: the iframe is no longer its first 240 px.
    frame = page.locator("[data-testid=portal-notices] iframe")
    expect(frame).not_to_have_attribute(
        "style", "display: block; width: 100%; border: 0px; height: 240px;"
    )
    sizes = frame.evaluate("f => [f.getBoundingClientRect().height, f.contentDocument === null]")
    inner = notices.locator("body").evaluate("b => b.getBoundingClientRect().height")
    assert sizes[0] == pytest.approx(inner, abs=2) and sizes[0] != 240
    # The snippet's own colour (data-primary) is used in that widget.
    title_colour = notices.locator(".djl-embed__title").evaluate("e => getComputedStyle(e).color")
    assert title_colour == "rgb(0, 105, 92)"  # #00695c
    page.screenshot(path=str(ARTIFACTS / "embed-allowed.png"), full_page=True)

    page.goto(f"{other}/")
    page.wait_for_timeout(1500)
    frames = [f for f in page.frames if f != page.main_frame]
    assert len(frames) == 3
    for blocked in frames:
        assert blocked.url.startswith("chrome-error://") or blocked.url == "about:blank"
    assert (
        page.frame_locator("[data-testid=portal-notices] iframe")
        .get_by_test_id("embed-notices")
        .count()
        == 0
    )
    page.screenshot(path=str(ARTIFACTS / "embed-refused.png"), full_page=True)


def test_a_host_site_overrides_one_block_and_keeps_the_rest(
    regions_here, live_server, page, settings, tmp_path
):
    host = tmp_path / "dj_learning"
    host.mkdir()
    (host / "base.html").write_text(
        '{% extends "dj_learning/base.html" %}'
        '{% block header %}<header class="host-header" data-testid="host-header">宿主站点页眉</header>'
        "{% endblock %}",
        encoding="utf-8",
    )
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}
    ]
    page.goto(f"http://127.0.0.1:{live_port(live_server)}/")
    expect(page.get_by_test_id("host-header")).to_have_text("宿主站点页眉")
    assert page.get_by_test_id("site-header").count() == 0
    # Everything else is the package's, in the region's theme.
    expect(page.get_by_test_id("site-footer")).to_contain_text("东湖区委组织部 主办")
    expect(page.get_by_test_id("home-banner")).to_be_visible()
    banner = page.get_by_test_id("home-banner").evaluate("e => getComputedStyle(e).backgroundColor")
    assert banner == "rgb(164, 22, 26)"


def test_pages_are_usable_at_a_phones_width(demo_courses, live_server, browser):
    from dj_learning.courses.models import CourseCatalogPage, CoursePage

    port = live_port(live_server)
    Site.objects.filter(is_default_site=False).update(hostname="region2.invalid")
    Site.objects.filter(is_default_site=True).update(hostname="localhost", port=port)
    catalog = CourseCatalogPage.objects.live().first()
    course = CoursePage.objects.live().descendant_of(catalog).first()
    module = course.get_children().live().first()
    paths = {
        "home": "/",
        "catalog": catalog.url,
        "course": course.url,
        "module": module.url,
        "my-study": "/learning/my/",
        "transcript": "/learning/transcript/",
    }
    context = browser.new_context(
        locale="zh-CN", viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    sign_in(page, live_server.url, "member")
    ARTIFACTS.mkdir(exist_ok=True)
    for name, path in paths.items():
        page.goto(path if path.startswith("http") else f"{live_server.url}{path}")
        found = page.evaluate(
            """() => ({
                width: document.documentElement.scrollWidth,
                outside: [...document.querySelectorAll('a, button, input, select')]
                    .filter(e => e.offsetParent !== null && !e.closest('.djl-table-wrap'))
                    .map(e => [e.textContent.trim() || e.name, e.getBoundingClientRect()])
                    .filter(([, r]) => r.left < 0 || r.right > 375.5)
                    .map(([t]) => t),
            })"""
        )
        page.screenshot(path=str(ARTIFACTS / f"phone-{name}.png"), full_page=True)
        assert found == {"width": 375, "outside": []}, name
    context.close()


def test_unreadable_colours_are_refused_and_preview_shows_unsaved_values(
    regions_here, live_server, page
):
    base = f"http://127.0.0.1:{live_port(live_server)}"
    site1 = Site.objects.get(hostname="127.0.0.1")
    page.goto(f"{base}/admin/login/")
    page.locator("#id_username").fill("admin")
    page.locator("#id_password").fill(PASSWORD)
    page.locator("button[type=submit]").click()
    page.goto(f"{base}/admin/settings/learning_themes/regiontheme/{site1.pk}/")
    page.locator("#id_primary_colour").fill("#ffeb3b")
    page.locator("button[type=submit]:not([formaction])").last.click()
    expect(page.get_by_text("主色调 #ffeb3b 太浅").first).to_be_visible()
    assert page.locator("#id_primary_colour").input_value() == "#ffeb3b"
    assert RegionTheme.objects.get(site=site1).primary_colour == "#a4161a"
    page.screenshot(path=str(ARTIFACTS / "theme-contrast-refused.png"), full_page=True)

    page.locator("#id_primary_colour").fill("#004d40")
    with page.context.expect_page() as opened:
        page.get_by_test_id("preview-theme").click()
    preview = opened.value
    preview.wait_for_load_state()
    expect(preview.get_by_test_id("preview-note")).to_be_visible()
    background = preview.locator(".djl-header").evaluate("e => getComputedStyle(e).backgroundColor")
    assert background == "rgb(0, 77, 64)"
    preview.screenshot(path=str(ARTIFACTS / "theme-preview.png"), full_page=True)
    assert RegionTheme.objects.get(site=site1).primary_colour == "#a4161a"
