"""Data the scenarios measure, built with the project's factories and services.

The shapes are those of the query-count tests in ``tests/test_courses_pages.py``,
so a benchmark and its test measure the same thing.
"""

import re

from django.test import Client
from wagtail.models import Site

from dj_learning.courses import services
from dj_learning.courses.models import LessonProgress, ModuleCompletion
from dj_learning.test import factories


def branch():
    """A branch two levels below a new root unit (national → region → branch)."""
    national = factories.unit(kind="national")
    region = factories.unit(parent=national, kind="region")
    return factories.unit(parent=region)


def learner(unit):
    """A member of ``unit``, which gets a study plan without modules (as in the test)."""
    member = factories.member(unit=unit)
    factories.plan(unit=unit)
    return member


def course_with_modules(count, member):
    """A course of ``count`` modules; ``member`` enrolled, with time in half the modules."""
    course = factories.course()
    modules = [factories.module(course=course, revision=False) for _ in range(count)]
    services.enrol(member, course)
    for module in modules[: count // 2]:
        lesson = next(iter(services.lesson_requirements(module)))
        LessonProgress.objects.create(member=member, module=module, lesson_id=lesson, seconds=5)
    return course


def member_with_completions(count, unit):
    """A member of ``unit`` whose plan lists ``count`` modules, all completed this year."""
    member = factories.member(unit=unit)
    course = factories.course()
    modules = [factories.module(course=course, revision=False) for _ in range(count)]
    factories.plan(unit=unit, modules=modules)
    year = services.study_year()
    ModuleCompletion.objects.bulk_create(
        ModuleCompletion(
            member=member,
            module=m,
            module_title=m.title,
            kind="required",
            credits=1,
            year=year,
            completed_at=services.year_bounds(year)[0],
        )
        for m in modules
    )
    return member


def logged_in_client(member):
    client = Client()
    client.force_login(member.user)
    return client


def session_cookie(member):
    """A ``Cookie`` header value that signs in as ``member`` (a session in the database)."""
    client = logged_in_client(member)
    return f"sessionid={client.cookies['sessionid'].value}"


MODULE_LIST = re.compile(r'<ol class="djl-module-list">.*?</ol>', re.S)


def reference_page(course):
    """A bare Wagtail page holding the course page's text: the reference for throughput.

    A ``HomePage`` of the site (a Page subclass with one rich text field) whose
    ``intro`` is the module list of ``course`` as an anonymous visitor sees it,
    links included; rendering it costs no query per module.
    """
    from cms_site.home.models import HomePage

    html = Client().get(course.url).content.decode()
    match = MODULE_LIST.search(html)
    if match is None:
        raise RuntimeError(f"{course.url} has no module list")
    root = Site.objects.get(is_default_site=True).root_page
    intro = f"<h2>{course.title}</h2>{match.group(0)}"
    return root.add_child(
        instance=HomePage(title=course.title, slug="bench-reference", intro=intro)
    )
