"""Modules as lists show them, read without loading their pages.

A course page lists every module of its course with the member's progress.
With a hundred modules, building a page object for each (Wagtail's specific
page, its multi-table inheritance and cluster relations) costs more than the
rest of the page. A :class:`ModuleOutline` holds what lists show and count,
read with ``values()`` in one query per module page type, and loads its page
only when something asks for it (``outline.page``, one query each).

An outline answers what ``services.module_statuses`` and
``services.lesson_requirements`` ask of a module, as a module page loaded
without its lessons would.
"""

import hashlib
from functools import cached_property

from django.apps import apps
from django.conf import settings as django_settings
from django.core.cache import cache
from django.db.models.signals import post_delete
from django.utils import timezone
from wagtail.models import Page
from wagtail.signals import post_page_move

from dj_learning.conf import settings

from .models import AbstractCoursePage, AbstractModulePage, Kind, concrete_types

CACHE_PREFIX = "dj_learning:outline:"

FIELDS = (
    "pk",
    "title",
    "slug",
    "path",
    "kind",
    "credits",
    "min_study_minutes",
    "lesson_minimums",
)


class ModuleOutline:
    """A live module as a list shows it: title, URL, kind, credits, lesson minimums."""

    steplen = Page.steplen

    #: Names this outline's content among every process's (the course's cached outline
    #: and the URL its modules follow), or ``None``: ``{% module_rows %}``'s cache key.
    version = None

    def __init__(self, *, course_id, model, url=None, version=None, **fields):
        self.course_id = course_id
        self.model = model
        self.url = url
        if version is not None:
            self.version = version
        self.__dict__.update(fields)

    def __repr__(self):
        return f"<ModuleOutline {self.pk}: {self.title}>"

    def __str__(self):
        return self.title

    @property
    def id(self):
        return self.pk

    def get_kind_display(self):
        return dict(Kind.choices).get(self.kind, self.kind)

    @property
    def credits_count(self):
        """1 for exactly one credit, else 2: the plural form to use for "N credits"."""
        return 1 if self.credits == 1 else 2

    def get_url(self, request=None, current_site=None):
        return self.url

    @cached_property
    def page(self):
        """The module's page (specific), for what an outline does not hold. One query."""
        page = self.model.objects.get(pk=self.pk)
        return page if page.specific_class is type(page) else page.specific

    # What services.lesson_requirements asks of a module loaded without its lessons.

    def get_deferred_fields(self):
        return {"lessons"}

    def lesson_minimums_from_lessons(self):
        return self.page.lesson_minimums_from_lessons()


def course_modules(course, request=None):
    """The live modules of ``course`` in order, as outlines with their URLs.

    Read from Django's cache, keyed on the course and its ``modules_changed_at``
    (renewed whenever a module below changes, so every process sees a change at
    once), for ``COURSE_PAGE_CACHE_SECONDS``; else one query per module page
    type (one, unless a host site adds its own). Nothing is kept in the process:
    each call builds its outlines from the shared copy.
    """
    course_url, key, suffix = _children_url(course, request), _cache_key(course), _suffix()
    version = None
    if key is not None:
        where = hashlib.sha256(f"{course_url}|{suffix}".encode()).hexdigest()[:16]
        version = f"{key.removeprefix(CACHE_PREFIX)}:{where}"
    return [
        _outline(model, row, course.pk, course_url, version, suffix)
        for model, row in _rows(course, key)
    ]


def modules_by_id(ids, request=None):
    """The live modules among ``ids``, as outlines with their URLs, in the order of ``ids``.

    For lists of modules from several courses (a study plan's). One query per
    module page type, and one for their courses, however many modules.
    """
    ids = list(ids)
    found = {}
    for model in concrete_types(AbstractModulePage):
        for row in model.objects.filter(pk__in=ids).live().values_list(*FIELDS):
            found[row[0]] = (model, row)
    steplen = ModuleOutline.steplen
    parent_paths = {row[3][:-steplen] for _model, row in found.values()}
    courses = {
        page.path: (page.pk, _children_url(page, request))
        for page in Page.objects.filter(path__in=parent_paths)
    }
    outlines = []
    for pk in ids:
        if pk in found:
            model, row = found[pk]
            course_id, course_url = courses[row[3][:-steplen]]
            outlines.append(_outline(model, row, course_id, course_url))
    return outlines


def _children_url(course, request):
    """The URL a course's modules' slugs follow ("" if it has none)."""
    url = course.get_url(request) or ""
    if url and not url.endswith("/"):
        url += "/"
    return url


def _suffix():
    return "/" if getattr(django_settings, "WAGTAIL_APPEND_SLASH", True) else ""


def _outline(model, row, course_id, course_url, version=None, suffix=None):
    if suffix is None:
        suffix = _suffix()
    return ModuleOutline(
        course_id=course_id,
        model=model,
        url=f"{course_url}{row[2]}{suffix}" if course_url else None,  # slug
        version=version,
        **dict(zip(FIELDS, row, strict=True)),
    )


def _cache_key(course):
    """The key of ``course``'s outline in the cache, or ``None`` when it is not cached."""
    stamp = getattr(course, "modules_changed_at", None)
    if stamp and settings.COURSE_PAGE_CACHE_SECONDS:
        return f"{CACHE_PREFIX}{course.pk}:{stamp.isoformat()}"
    return None


def _rows(course, key=None):
    """``[(module model, values row)]`` of the course's live modules, in tree order."""
    if key is not None:
        cached = cache.get(key)
        if cached is not None:
            return [(apps.get_model(label), row) for label, row in cached]
    rows = []
    for model in concrete_types(AbstractModulePage):
        rows.extend(
            (model, row) for row in model.objects.child_of(course).live().values_list(*FIELDS)
        )
    rows.sort(key=lambda item: item[1][3])  # path
    if key is not None:
        cache.set(
            key,
            [(model._meta.label, row) for model, row in rows],
            settings.COURSE_PAGE_CACHE_SECONDS,
        )
    return rows


def course_topics(course, request=None):
    """The names of ``course``'s topics, kept in Django's cache like its outline.

    Keyed on the course's last publication (topics are published with it), for
    ``COURSE_PAGE_CACHE_SECONDS``; a preview shows the draft's own topics. A
    course type without topics has none.
    """
    topics = getattr(course, "topics", None)
    if topics is None:
        return []
    published = course.last_published_at
    seconds = settings.COURSE_PAGE_CACHE_SECONDS
    if getattr(request, "is_preview", False) or not (published and seconds):
        return [tag.name for tag in topics.all()]
    key = f"{CACHE_PREFIX}topics:{course.pk}:{published.isoformat()}"
    names = cache.get(key)
    if names is None:
        names = [tag.name for tag in topics.all()]
        cache.set(key, names, seconds)
    return names


# -- Keeping the cached outlines current -------------------------------------------------


def touch_courses(**filters):
    """Renew ``modules_changed_at`` of the courses matching ``filters`` (any course type)."""
    now = timezone.now()
    for model in concrete_types(AbstractCoursePage):
        model.objects.filter(**filters).update(modules_changed_at=now)


def modules_changed(module):
    """A module was saved (published, unpublished) or deleted: renew its course's key."""
    if module.path and module.depth > 1:
        touch_courses(path=module.path[: -module.steplen])


def _module_deleted(sender, instance, **kwargs):
    if isinstance(instance, AbstractModulePage):
        modules_changed(instance)


def _page_moved(sender, instance, parent_page_before, parent_page_after, **kwargs):
    # The moved page's subtree has new paths (a catalog, a course, a module).
    path = Page.objects.filter(pk=instance.pk).values_list("path", flat=True).first()
    if path:
        touch_courses(path__startswith=path)
    touch_courses(pk__in=[parent_page_before.pk, parent_page_after.pk])


def connect():
    """Connect the receivers that keep cached outlines current (``CoursesConfig.ready``)."""
    post_delete.connect(_module_deleted, dispatch_uid="dj_learning.outline.deleted")
    post_page_move.connect(_page_moved, dispatch_uid="dj_learning.outline.moved")
