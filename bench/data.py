"""Data the scenarios measure, built with the project's factories and services.

The shapes are those of the query-count tests in ``tests/test_courses_pages.py``,
so a benchmark and its test measure the same thing. The credits builders write
ledger entries (and many members) with ``bulk_create``, as ``tests/test_credits*.py``
would with the services, only faster.
"""

import re
from datetime import timedelta

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


def member_pool(unit, course, count, *, prefix="pool"):
    """``count`` members of ``unit``, each enrolled in ``course`` with progress of its own.

    Member ``n`` has studied the first ``n % (modules + 1)`` modules, each for a
    number of seconds that changes from member to member and module to module, so
    that the course page of each shows other rows (completed none, some or all;
    bars at many heights). Accounts, members, enrolments and progress are written
    with ``bulk_create``; returns the members' user accounts. ``prefix`` starts their
    usernames and member numbers: groups that build pools in one database pick their own.
    """
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password

    from dj_learning.courses.models import CourseEnrollment
    from dj_learning.members.models import Member

    User = get_user_model()
    modules = [
        (module, list(services.lesson_requirements(module)))
        for module in course.get_children().live().specific().order_by("path")
    ]
    password = make_password(factories.PASSWORD)  # once, for every account
    # Several scenarios make pools in one bench database: each numbers on from the last.
    first = User.objects.filter(username__startswith=f"{prefix}-").count()
    users = User.objects.bulk_create(
        User(username=f"{prefix}-{n:05d}", password=password) for n in range(first, first + count)
    )
    members = Member.objects.bulk_create(
        Member(user=user, member_number=f"{prefix[0].upper()}{n:07d}", name=f"党员{n}", unit=unit)
        for n, user in enumerate(users, start=first)
    )
    CourseEnrollment.objects.bulk_create(
        CourseEnrollment(member=member, course=course) for member in members
    )
    LessonProgress.objects.bulk_create(
        (
            LessonProgress(
                member=member,
                module=module,
                lesson_id=lesson,
                seconds=(n * 7 + m * 13 + k * 29) % 150,
            )
            for n, member in enumerate(members)
            for m, (module, lessons) in enumerate(modules[: n % (len(modules) + 1)])
            for k, lesson in enumerate(lessons)
        ),
        batch_size=BULK_BATCH,
    )
    return users


def member_with_completions(count, unit):
    """A member of ``unit`` whose plan lists ``count`` modules, all completed this year."""
    return factories.member_with_completions(count, unit)


def logged_in_client(member):
    client = Client()
    client.force_login(member.user)
    return client


def session_cookie(member):
    """A ``Cookie`` header value that signs in as ``member`` (a session in the database)."""
    client = logged_in_client(member)
    return f"sessionid={client.cookies['sessionid'].value}"


def session_cookies(users):
    """A ``Cookie`` header value per user, signing in as that user: sessions written
    straight to the session table with ``bulk_create`` (what a login stores), for many."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.utils import timezone
    from django.utils.crypto import get_random_string
    from django.utils.module_loading import import_string

    # The backend a password sign-in stores: the first that can load a user (django-axes'
    # LockoutBackend, first in the list, only refuses locked-out sign-ins).
    backend = next(
        path
        for path in settings.AUTHENTICATION_BACKENDS
        if hasattr(import_string(path), "get_user")
    )
    store, expires = SessionStore(), timezone.now() + timedelta(days=1)
    rows = [
        Session(
            session_key=get_random_string(32),
            session_data=store.encode(
                {
                    SESSION_KEY: str(user.pk),
                    BACKEND_SESSION_KEY: backend,
                    HASH_SESSION_KEY: user.get_session_auth_hash(),
                }
            ),
            expire_date=expires,
        )
        for user in users
    ]
    Session.objects.bulk_create(rows, batch_size=BULK_BATCH)
    return [f"sessionid={row.session_key}" for row in rows]


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


# -- Credits ---------------------------------------------------------------------------

BULK_BATCH = 2000  # rows a bulk_create statement batch (Django splits further on SQLite)


def credit_entries(member, count, *, year):
    """``count`` ledger entries of ``member`` in ``year``, written with ``bulk_create``.

    Alternately a module's credits (a ``ModuleCompletion`` behind each, as the
    ledger requires) and an adjustment (with its reason), spread over the year,
    required and elective in turn.
    """
    from dj_learning.credits.models import CreditEntry

    start = services.year_bounds(year)[0]
    module_rows = range(0, count, 2)
    completions = ModuleCompletion.objects.bulk_create(
        ModuleCompletion(
            member=member,
            module=None,  # the ledger copies what it needs; the page is not read
            module_title=f"模块{i + 1}：学习党的历史与理论",
            kind="required" if i % 4 == 0 else "elective",
            credits="1.00",
            year=year,
            completed_at=start + timedelta(days=i % 360),
        )
        for i in module_rows
    )
    by_row = dict(zip(module_rows, completions, strict=True))
    entries = []
    for i in range(count):
        earned_on = (start + timedelta(days=i % 360)).date()
        if i in by_row:
            completion = by_row[i]
            entries.append(
                CreditEntry(
                    member=member,
                    year=year,
                    kind=completion.kind,
                    amount=completion.credits,
                    source=CreditEntry.Source.MODULE,
                    title=completion.module_title,
                    earned_on=earned_on,
                    completion=completion,
                )
            )
        else:
            entries.append(
                CreditEntry(
                    member=member,
                    year=year,
                    kind="required" if i % 4 == 1 else "elective",
                    amount="0.50",
                    source=CreditEntry.Source.ADJUSTMENT,
                    title="补录",
                    reason=f"支部党课补录第{i + 1}次",
                    earned_on=earned_on,
                )
            )
    CreditEntry.objects.bulk_create(entries, batch_size=BULK_BATCH)
    return entries


def region_with_branches(branches, *, name=None):
    """A region under a new national unit, with ``branches`` branches; (region, [branch])."""
    national = factories.unit(kind="national")
    region = factories.unit(parent=national, kind="region", name=name)
    return region, [factories.unit(parent=region) for _ in range(branches)]


def bulk_members(units, count, *, year, prefix, entries_per_member=3):
    """``count`` active members (with user accounts) spread evenly over ``units``, each
    with ``entries_per_member`` adjustment entries in ``year``; fast, for large sizes.

    Accounts and members are written with ``bulk_create`` in batches, sharing one
    password hash (hashing is what makes ``create_user`` slow). Credits vary from
    member to member so that some meet their plan and some do not. Returns the count.
    """
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password

    from dj_learning.credits.models import CreditEntry
    from dj_learning.members.models import Member

    User = get_user_model()
    password = make_password(factories.PASSWORD)  # once, for every account
    earned_on = services.year_bounds(year)[0].date()
    for first in range(0, count, BULK_BATCH):
        numbers = range(first, min(first + BULK_BATCH, count))
        users = User.objects.bulk_create(
            User(username=f"{prefix}-{n:07d}", password=password) for n in numbers
        )
        members = Member.objects.bulk_create(
            Member(
                user=user,
                member_number=f"{prefix}{n:07d}",
                name=f"党员{n}",
                unit=units[n % len(units)],
            )
            for n, user in zip(numbers, users, strict=True)
        )
        CreditEntry.objects.bulk_create(
            CreditEntry(
                member=member,
                year=year,
                kind="required" if e % 2 == 0 else "elective",
                amount=f"{(n + e) % 3}.50",
                source=CreditEntry.Source.ADJUSTMENT,
                title="补录",
                reason="集中补录",
                earned_on=earned_on,
            )
            for n, member in zip(numbers, members, strict=True)
            for e in range(entries_per_member)
        )
    return count
