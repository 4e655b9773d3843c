"""A host site: configure(), its pages in the host's look, the member language, learning_setup.

The full install on a fresh ``wagtail start`` site is tests/test_install_host_site.py;
these are the same parts one by one, in the ready site's test settings.
"""

import builtins
import importlib
import re
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.management import CommandError, call_command
from django.urls import URLResolver, clear_url_caches, reverse
from wagtail.models import GroupPagePermission, Site, WorkflowPage

from dj_learning import context_processors
from dj_learning.courses.models import CourseCatalogPage, StudyPlan
from dj_learning.courses.services import study_year
from dj_learning.orgs.models import Unit
from dj_learning.settings import APPS, NEEDS, configure
from dj_learning.test import factories
from dj_learning.themes.models import RegionTheme

HOST_TEMPLATES = Path(__file__).parent / "host_templates"


# -- configure() ------------------------------------------------------------------


def wagtail_start_settings():
    """The lists a `wagtail start` site's settings/base.py has, in its order."""
    return {
        "__name__": "hostsite.settings.base",
        "INSTALLED_APPS": [
            "home",
            "search",
            "wagtail.contrib.forms",
            "wagtail.contrib.redirects",
            "wagtail.embeds",
            "wagtail.sites",
            "wagtail.users",
            "wagtail.snippets",
            "wagtail.documents",
            "wagtail.images",
            "wagtail.search",
            "wagtail.admin",
            "wagtail",
            "modelcluster",
            "taggit",
            "django_filters",
            "django.contrib.admin",
            "django.contrib.auth",
            "django.contrib.contenttypes",
            "django.contrib.sessions",
            "django.contrib.messages",
            "django.contrib.staticfiles",
        ],
        "MIDDLEWARE": [
            "django.contrib.sessions.middleware.SessionMiddleware",
            "django.middleware.common.CommonMiddleware",
            "django.middleware.csrf.CsrfViewMiddleware",
            "django.contrib.auth.middleware.AuthenticationMiddleware",
            "django.contrib.messages.middleware.MessageMiddleware",
            "django.middleware.clickjacking.XFrameOptionsMiddleware",
            "django.middleware.security.SecurityMiddleware",
            "wagtail.contrib.redirects.middleware.RedirectMiddleware",
        ],
        "TEMPLATES": [
            {
                "BACKEND": "django.template.backends.django.DjangoTemplates",
                "DIRS": ["hostsite/templates"],
                "APP_DIRS": True,
                "OPTIONS": {"context_processors": ["django.template.context_processors.request"]},
            }
        ],
        "WAGTAIL_SITE_NAME": "Host Region",
    }


def test_configure_adds_every_app_once_before_the_hosts_wagtail_apps():
    host = wagtail_start_settings()
    before = list(host["INSTALLED_APPS"])
    configure(host)
    apps = host["INSTALLED_APPS"]
    assert len(apps) == len(set(apps))
    assert set(APPS + NEEDS) <= set(apps)
    # The host's own apps first (their templates win), then ours, then Wagtail's.
    assert apps[:2] == ["home", "search"]
    assert apps.index("dj_learning") < apps.index("wagtail.contrib.forms")
    # The host's apps keep their order.
    assert [app for app in apps if app in before] == before


def test_configure_never_duplicates_what_the_host_has():
    host = wagtail_start_settings()
    host["INSTALLED_APPS"] += ["wagtail.contrib.settings", "ninja", "dj_learning.orgs"]
    host["MIDDLEWARE"].insert(1, "django.middleware.locale.LocaleMiddleware")
    host["TEMPLATES"][0]["OPTIONS"]["context_processors"].append(
        "dj_learning.context_processors.learning"
    )
    configure(host)
    configure(host)  # twice: nothing more
    assert host["INSTALLED_APPS"].count("wagtail.contrib.settings") == 1
    assert host["INSTALLED_APPS"].count("ninja") == 1
    assert host["INSTALLED_APPS"].count("dj_learning.orgs") == 1
    assert host["MIDDLEWARE"].count("django.middleware.locale.LocaleMiddleware") == 1
    processors = host["TEMPLATES"][0]["OPTIONS"]["context_processors"]
    assert processors.count("dj_learning.context_processors.learning") == 1


def test_configure_puts_the_locale_middleware_after_sessions_and_ours_after_it():
    host = wagtail_start_settings()
    configure(host)
    middleware = host["MIDDLEWARE"]
    session = middleware.index("django.contrib.sessions.middleware.SessionMiddleware")
    assert middleware[session + 1] == "django.middleware.locale.LocaleMiddleware"
    assert middleware[session + 2] == "dj_learning.middleware.MemberLanguageMiddleware"
    # The host's last middleware stays in place; django-axes' lockout page comes after it.
    assert middleware[-2:] == [
        "wagtail.contrib.redirects.middleware.RedirectMiddleware",
        "axes.middleware.AxesMiddleware",
    ]
    auth = middleware.index("django.contrib.auth.middleware.AuthenticationMiddleware")
    assert middleware[auth + 1 : auth + 3] == [
        "django_otp.middleware.OTPMiddleware",
        "dj_learning.members.security.TwoFactorMiddleware",
    ]


def test_configure_sets_safe_defaults():
    host = configure(wagtail_start_settings())
    assert host["AUTHENTICATION_BACKENDS"] == [
        "dj_learning.members.backends.LockoutBackend",  # django-axes first
        "dj_learning.members.backends.MemberNumberBackend",
    ]
    assert host["CONTENT_SECURITY_POLICY"]["DIRECTIVES"]["object-src"] == ["'none'"]
    assert host["LOGIN_URL"] == "dj_learning:login"
    assert host["LOGIN_REDIRECT_URL"] == "dj_learning:my_study"
    assert host["Q_CLUSTER"]["name"] == "host-region"  # after WAGTAIL_SITE_NAME
    assert host["Q_CLUSTER"]["retry"] > host["Q_CLUSTER"]["timeout"]
    assert "LANGUAGE_CODE" not in host  # the host's (and Django's) stays
    assert "DJ_LEARNING" not in host


def test_configure_never_overwrites_a_host_value():
    host = wagtail_start_settings()
    host.update(
        LOGIN_REDIRECT_URL="/welcome/",
        LOGIN_URL="/sso/login/",
        Q_CLUSTER={"name": "ours", "redis": "redis://cache:6379/1"},
        AUTHENTICATION_BACKENDS=["sso.backends.SSOBackend"],
        DJ_LEARNING={"API_TOKEN_TTL_DAYS": 7, "BASE_TEMPLATE": "site/base.html"},
    )
    configure(host, BASE_TEMPLATE="base.html", MEMBER_LANGUAGE="zh-hans")
    assert host["LOGIN_REDIRECT_URL"] == "/welcome/"
    assert host["LOGIN_URL"] == "/sso/login/"
    assert host["Q_CLUSTER"] == {"name": "ours", "redis": "redis://cache:6379/1"}
    # Lockouts hold and member numbers sign in too; the host's own backend stays.
    assert host["AUTHENTICATION_BACKENDS"] == [
        "dj_learning.members.backends.LockoutBackend",
        "dj_learning.members.backends.MemberNumberBackend",
        "sso.backends.SSOBackend",
    ]
    # The host's DJ_LEARNING wins over configure's options.
    assert host["DJ_LEARNING"] == {
        "API_TOKEN_TTL_DAYS": 7,
        "BASE_TEMPLATE": "site/base.html",
        "MEMBER_LANGUAGE": "zh-hans",
    }


def test_configure_leaves_out_excluded_apps_and_refuses_unknown_ones():
    host = configure(wagtail_start_settings(), exclude=["dj_learning.rewards"])
    assert "dj_learning.rewards" not in host["INSTALLED_APPS"]
    assert "dj_learning.credits" in host["INSTALLED_APPS"]
    # Without the members app, sign-in stays the host's.
    host = configure(wagtail_start_settings(), exclude=["dj_learning.members"])
    assert "AUTHENTICATION_BACKENDS" not in host and "LOGIN_URL" not in host
    with pytest.raises(ValueError, match="dj_learning.nonsense"):
        configure(wagtail_start_settings(), exclude=["dj_learning.nonsense"])


def test_the_ready_site_is_configured_by_the_same_call(settings):
    # cms_site/settings/base.py lists no dj-learning app itself: configure() adds them all.
    assert [app for app in settings.INSTALLED_APPS if app.startswith("dj_learning")] == APPS
    assert len(settings.INSTALLED_APPS) == len(set(settings.INSTALLED_APPS))
    assert "dj_learning.middleware.MemberLanguageMiddleware" in settings.MIDDLEWARE


# -- The host's look -------------------------------------------------------------


@pytest.fixture
def host_templates(settings):
    """The ready site with a host's templates first in its template dirs."""
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [HOST_TEMPLATES, *settings.TEMPLATES[0]["DIRS"]]}
    ]
    context_processors.adapter.cache_clear()
    yield
    context_processors.adapter.cache_clear()


@pytest.fixture
def member(db):
    branch = factories.unit(kind="branch", name="宿主支部")
    return factories.member(unit=branch, name="宿主党员")


def learning_pages(member):
    catalog = factories.catalog()
    course = factories.course(catalog=catalog, title="宿主课程")
    factories.module(course=course, title="宿主模块")
    return {
        "catalog": catalog.url,
        "course": course.url,
        "my study": reverse("dj_learning:my_study"),
        "profile": reverse("dj_learning:profile"),
        "quizzes": reverse("dj_learning:quizzes"),
        "transcript": reverse("dj_learning:transcript"),
        "points": reverse("dj_learning:points"),
        "rewards": reverse("dj_learning:rewards_catalog"),
    }


def test_learning_pages_render_inside_the_hosts_base_template(
    client, member, host_templates, learning_settings
):
    learning_settings(BASE_TEMPLATE="base.html")
    pages = learning_pages(member)
    client.force_login(member.user)
    for name, url in pages.items():
        html = client.get(url).content.decode()
        assert 'data-testid="host-header"' in html, name
        assert 'data-testid="host-footer"' in html, name
        assert "- Host Region</title>" in html, name  # the host's title, the page's title in it
        assert "djl-header" not in html, name  # not the package's own header
        assert 'body class="djl-frame' not in html, name
        assert "dj_learning/css/learning.css" in html, name
    html = client.get(pages["my study"]).content.decode()
    assert "宿主党员" in html or "宿主课程" in html or "学习" in html
    # The learning menu in the host's navigation.
    assert f'href="{reverse("dj_learning:my_study")}"' in html
    # A page's own scripts still come (the host's extra_js block).
    module = factories.module(course=factories.course(), title="脚本模块")
    assert "dj_learning/js/study.js" in client.get(module.url).content.decode()


def test_the_sign_in_page_in_the_hosts_look(client, db, host_templates, learning_settings):
    learning_settings(BASE_TEMPLATE="base.html")
    html = client.get(reverse("dj_learning:login")).content.decode()
    assert 'data-testid="host-header"' in html
    assert 'name="username"' in html and 'name="password"' in html


def test_without_base_template_the_package_frame_is_used(client, member, host_templates):
    client.force_login(member.user)
    html = client.get(reverse("dj_learning:my_study")).content.decode()
    assert "djl-header" in html
    assert "host-header" not in html


def test_host_block_names_are_configurable(client, member, host_templates, learning_settings):
    learning_settings(
        BASE_TEMPLATE="main_block/layout.html",
        BASE_TEMPLATE_BLOCKS={"title": "page_heading", "extra_css": "head", "content": "main"},
    )
    client.force_login(member.user)
    html = client.get(reverse("dj_learning:profile")).content.decode()
    assert 'data-testid="other-host-header"' in html
    # The learning content in the host's main block, in a wrapper that scopes it.
    main = html.split('<main class="other-host-main">')[1].split("</main>")[0]
    assert main.lstrip().startswith('<div class="djl-host">')
    assert "宿主党员" in main
    head = html.split("</head>")[0]
    assert "dj_learning/css/learning.css" in head
    assert " | Other host</title>" in head


def test_the_hosts_own_home_page_is_unchanged(client, db, host_templates, learning_settings):
    learning_settings(BASE_TEMPLATE="base.html")
    html = client.get("/").content.decode()
    assert "learning.css" not in html


def test_messages_show_inside_a_content_block_named_content(
    client, member, host_templates, learning_settings
):
    # The host's content block has the learning pages' own name (a `wagtail start` site).
    learning_settings(BASE_TEMPLATE="base.html")
    course = factories.course(title="选修课")
    factories.module(course=course, kind="elective", title="选修模块")
    client.force_login(member.user)
    response = client.post(reverse("dj_learning:enrol", args=[course.pk]), follow=True)
    html = response.content.decode()
    body = html.split('data-testid="host-header"')[1].split('data-testid="host-footer"')[0]
    wrapper = body.split('<div class="djl-host">')[1]
    # The message first, then the page's own content, all in the host's page.
    assert wrapper.index("您已报名“选修课”。") < wrapper.index("您已报名本课程。")
    assert html.count('class="djl-messages"') == 1


def test_messages_show_inside_a_content_block_of_another_name(
    client, member, host_templates, learning_settings
):
    learning_settings(
        BASE_TEMPLATE="main_block/layout.html",
        BASE_TEMPLATE_BLOCKS={"title": "page_heading", "extra_css": "head", "content": "main"},
    )
    course = factories.course(title="选修课")
    factories.module(course=course, kind="elective", title="选修模块")
    client.force_login(member.user)
    html = client.post(reverse("dj_learning:enrol", args=[course.pk]), follow=True).content.decode()
    main = html.split('<main class="other-host-main">')[1].split("</main>")[0]
    assert "您已报名“选修课”。" in main


def test_learning_pages_in_the_hosts_look_show_one_language_switch(
    client, member, host_templates, learning_settings
):
    learning_settings(BASE_TEMPLATE="base.html")
    client.force_login(member.user)
    html = client.get(reverse("dj_learning:profile")).content.decode()
    content = html.split('<div class="djl-host">')[1]
    assert content.count('data-testid="language-switch"') == 1
    assert f'action="{reverse("set_language")}"' in content
    assert '<option value="en">English</option>' in content


def test_a_host_places_the_language_switch_itself(
    client, member, tmp_path, settings, host_templates, learning_settings
):
    # The host puts {% learning_language %} in its header: the learning pages show no second one.
    (tmp_path / "switching.html").write_text(
        "{% load learning_tags %}<header>{% learning_language %}</header>"
        "<main>{% block content %}{% endblock %}</main>"
    )
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}
    ]
    learning_settings(BASE_TEMPLATE="switching.html")
    client.force_login(member.user)
    html = client.get(reverse("dj_learning:profile")).content.decode()
    header = html.split("</header>")[0]
    assert 'data-testid="language-switch"' in header
    assert html.count('data-testid="language-switch"') == 1
    # The switch works from the host's page: English for this member from now on.
    response = client.post(
        reverse("set_language"), {"language": "en", "next": reverse("dj_learning:profile")}
    )
    assert response["Location"] == reverse("dj_learning:profile")
    assert "Request a correction" in client.get(reverse("dj_learning:profile")).content.decode()


def test_the_learning_menu_reaches_every_part_a_member_uses(
    client, member, host_templates, learning_settings
):
    # In the host's look the package's header is gone: the menu is the way around.
    learning_settings(BASE_TEMPLATE="base.html")
    client.force_login(member.user)
    html = client.get(reverse("dj_learning:my_study")).content.decode()
    menu = html.split('data-testid="learning-menu"')[1].split("</ul>")[0]
    for name in [
        "my_study", "quizzes", "activities", "points", "certificates",
        "suggestions", "polls", "notifications", "profile",
    ]:  # fmt: skip
        assert f'href="{reverse(f"dj_learning:{name}")}"' in menu, name
    assert "宿主党员" in menu  # the profile link carries the member's name
    assert f'action="{reverse("dj_learning:logout")}"' in menu


def test_the_theme_style_in_the_hosts_look_carries_the_csp_nonce(
    client, member, host_templates, learning_settings
):
    learning_settings(BASE_TEMPLATE="base.html")
    RegionTheme.objects.update_or_create(
        site=Site.objects.get(is_default_site=True), defaults={"primary_colour": "#a4161a"}
    )
    client.force_login(member.user)
    response = client.get(reverse("dj_learning:profile"))
    nonce = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"]).group(1)
    head = response.content.decode().split("</head>")[0]
    assert f'<style nonce="{nonce}">' in head and "--djl-primary: #a4161a;" in head
    assert "<style>" not in head


def test_every_member_page_follows_the_base_template():
    # A page extending the package's frame directly would ignore BASE_TEMPLATE.
    package = Path(context_processors.__file__).parent
    frame_only = {
        "themes/templates/dj_learning/themes/embed/base.html",  # widgets inside other sites
        "themes/templates/dj_learning/themes/preview.html",  # the theme's own preview
    }
    direct = {
        str(path.relative_to(package))
        for path in package.rglob("templates/dj_learning/**/*.html")
        if path.read_text().startswith('{% extends "dj_learning/base.html" %}')
    }
    assert direct == frame_only


# -- The member language ---------------------------------------------------------


def test_member_pages_speak_the_regions_language_and_the_admin_the_sites(
    client, db, settings, learning_settings
):
    settings.LANGUAGE_CODE = "en"
    learning_settings(MEMBER_LANGUAGE="zh-hans")
    html = client.get(reverse("dj_learning:login"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "登录" in html
    admin = client.get("/admin/login/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Sign in" in admin and "登录" not in admin
    # A member who picked English with the switcher reads English.
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get(reverse("dj_learning:login")).content.decode()
    assert "Sign in" in html and "登录" not in html


def test_without_member_language_the_browser_decides(client, db, settings):
    settings.LANGUAGE_CODE = "en"
    html = client.get(reverse("dj_learning:login"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Sign in" in html and "登录" not in html


# -- URLs ------------------------------------------------------------------------


@pytest.fixture
def reload_urls():
    import dj_learning.urls

    def reload():
        importlib.reload(dj_learning.urls)
        importlib.reload(importlib.import_module("cms_site.urls"))
        clear_url_caches()

    yield reload
    reload()


def claimed_paths(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from claimed_paths(pattern.url_patterns, prefix + str(pattern.pattern))
        else:
            yield prefix + str(pattern.pattern)


def test_install_md_lists_every_address_the_package_claims():
    import dj_learning.urls

    doc = (Path(__file__).parents[1] / "docs" / "install.md").read_text()
    missing = set()
    for path in claimed_paths(dj_learning.urls.urlpatterns):
        parts = path.split("/")
        # /learning/<first part>/, /api/v1/, or the root-level /verify/, /embed/, /i18n/.
        depth = 2 if parts[0] in ("learning", "api") else 1
        prefix = "/" + "/".join(parts[:depth]) + "/"
        if f"`{prefix}" not in doc and f", {prefix}" not in doc:
            missing.add(prefix)
    assert not missing, f"docs/install.md does not list {sorted(missing)}"


def test_the_root_level_paths_move_under_a_prefix(client, db, reload_urls, learning_settings):
    # reload_urls comes first, so its last reload runs after the settings are restored.
    assert reverse("learning_verify", args=["ABC"]) == "/verify/ABC/"
    assert reverse("learning_embed:script") == "/embed/embed.js"
    learning_settings(PUBLIC_URL_PREFIX="learning/")
    reload_urls()
    assert reverse("learning_verify", args=["ABC"]) == "/learning/verify/ABC/"
    assert reverse("learning_embed:script") == "/learning/embed/embed.js"
    assert client.get("/learning/embed/embed.js").status_code == 200
    assert client.get("/embed/embed.js").status_code == 404


# -- learning_setup --------------------------------------------------------------


def setup_counts():
    return {
        "units": Unit.objects.count(),
        "catalogs": CourseCatalogPage.objects.count(),
        "plans": StudyPlan.objects.count(),
        "themes": RegionTheme.objects.count(),
        "groups": Group.objects.count(),
        "page permissions": GroupPagePermission.objects.count(),
        "workflow pages": WorkflowPage.objects.count(),
    }


def test_learning_setup_makes_a_region_ready(db):
    site = Site.objects.get(is_default_site=True)
    call_command(
        "learning_setup",
        "--region-code=donghu",
        "--region-name=东湖区",
        "--national-code=national",
        "--national-name=全国总部",
        "--no-input",
        stdout=open("/dev/null", "w"),  # noqa: SIM115
    )
    region = Unit.objects.get(code="donghu")
    assert region.kind == Unit.Kind.REGION and region.site == site
    assert region.get_parent().code == "national"
    catalog = CourseCatalogPage.objects.get()
    assert catalog.live and catalog.get_parent().id == site.root_page_id
    assert catalog.url == "/courses/"
    assert StudyPlan.objects.filter(unit=region, year=study_year()).exists()
    assert RegionTheme.objects.filter(site=site).exists()
    editors = Group.objects.get(name="课程编辑")
    moderators = Group.objects.get(name="课程审核")
    for name in ["档案录入员", "档案审核员"]:
        group = Group.objects.get(name=name)
        assert group.permissions.filter(codename="access_admin").exists()
    assert set(
        GroupPagePermission.objects.filter(group=editors, page=catalog).values_list(
            "permission__codename", flat=True
        )
    ) == {"add_page", "change_page"}
    assert GroupPagePermission.objects.filter(
        group=moderators, page=catalog, permission__codename="publish_page"
    ).exists()
    workflow = WorkflowPage.objects.get(page=catalog).workflow
    assert workflow.active
    (task,) = workflow.tasks.specific()
    assert list(task.groups.all()) == [moderators]
    assert editors.permissions.filter(codename="add_studyplan").exists()
    assert not editors.permissions.filter(codename="delete_studyplan").exists()


def test_learning_setup_twice_changes_nothing(db):
    args = ["--region-code=donghu", "--region-name=东湖区", "--no-input"]
    call_command("learning_setup", *args, stdout=open("/dev/null", "w"))  # noqa: SIM115
    before = setup_counts()
    permissions = Permission.objects.filter(group__isnull=False).count()
    call_command("learning_setup", *args, stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert setup_counts() == before
    assert Permission.objects.filter(group__isnull=False).count() == permissions


def test_learning_setup_without_input_names_what_is_missing(db):
    with pytest.raises(CommandError, match="--region-name"):
        call_command("learning_setup", "--region-code=donghu", "--no-input")
    assert not Unit.objects.exists()


def test_learning_setup_bare_asks(db, monkeypatch):
    answers = iter(["xihu", "西湖区", ""])
    monkeypatch.setattr(builtins, "input", lambda prompt="": next(answers))
    call_command("learning_setup", stdout=open("/dev/null", "w"))  # noqa: SIM115
    region = Unit.objects.get(code="xihu")
    assert region.name == "西湖区" and region.is_root()


# -- Enrolment that explains itself ----------------------------------------------


def test_a_course_of_the_members_plan_says_so_instead_of_an_enrol_button(client, member):
    planned = factories.course(title="计划内课程")
    modules = [factories.module(course=planned, kind="required") for _ in range(2)]
    factories.plan(unit=member.unit, modules=modules)
    elective = factories.course(title="选修课程")
    factories.module(course=elective, kind="elective")
    client.force_login(member.user)

    html = client.get(planned.url).content.decode()
    assert 'data-testid="in-plan"' in html and "在你的学习计划中" in html
    assert reverse("dj_learning:enrol", args=[planned.pk]) not in html

    html = client.get(elective.url).content.decode()
    assert "在你的学习计划中" not in html
    assert reverse("dj_learning:enrol", args=[elective.pk]) in html

    # My courses lists the plan's course, marked, though the member never enrolled.
    html = client.get(reverse("dj_learning:my_study")).content.decode()
    courses = html.split("我的课程")[1]
    assert "计划内课程" in courses and "在你的学习计划中" in courses
    assert "选修课程" not in courses
