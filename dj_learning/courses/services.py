"""Business rules of courses: study years, plans, enrolment, effective study, completion.

Views, the API, jobs and commands call these; they take members, pages and
numbers, and a request only where Wagtail would to work out page URLs.
"""

import functools
import logging
import math
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import IntegrityError, connections, router, transaction
from django.db.models import Count, DecimalField, Exists, F, OuterRef, Q, Subquery, Sum, Window
from django.db.models.functions import Coalesce
from django.db.models.lookups import Exact, GreaterThanOrEqual
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from dj_learning.conf import settings
from dj_learning.registry import Registry

from . import completion, outline, signals
from .models import (
    AbstractCoursePage,
    AbstractModulePage,
    CourseEnrollment,
    Kind,
    LessonProgress,
    ModuleCompletion,
    StudyClock,
    StudyPlan,
    StudyPlanModule,
)
from .outline import ModuleOutline

logger = logging.getLogger(__name__)


class StudyError(Exception):
    """A study action that is refused; ``str()`` is a message for the member."""


# -- Study years -----------------------------------------------------------------


def _year_start(year):
    month, day = (int(part) for part in settings.STUDY_YEAR_START.split("-"))
    return date(year, month, day)


def study_year(when=None):
    """The study year a moment (or date) belongs to, in the site's time zone."""
    when = when or timezone.now()
    if isinstance(when, datetime):
        when = timezone.localtime(when).date()
    return when.year if when >= _year_start(when.year) else when.year - 1


def year_or_current(value):
    """A study year given as text (a query parameter), or this year if it is missing or absurd."""
    try:
        year = int(value)
    except (TypeError, ValueError):
        return study_year()
    return year if 2000 <= year <= 2100 else study_year()


def recent_years(count=5):
    """This study year and the ones before it, newest first (for year pickers)."""
    current = study_year()
    return list(range(current, current - count, -1))


def year_bounds(year):
    """``(start, end)`` aware datetimes of a study year; ``end`` is exclusive."""
    tz = timezone.get_current_timezone()
    start = datetime.combine(_year_start(year), time.min, tzinfo=tz)
    end = datetime.combine(_year_start(year + 1), time.min, tzinfo=tz)
    return start, end


# -- Plans and enrolment -----------------------------------------------------------


def _plans_above(year, *, paths=None, unit_id=None):
    """The plans of ``year`` of a unit and the units above it, the nearest unit's first.

    The one definition of "the plan that applies to a unit": its own plan, else
    the nearest ancestor's, i.e. the first of these that is the unit's or an
    ancestor's. The unit is given by ``paths`` (``Unit.ancestor_paths()``, of one
    unit or of several at once) or, without loading it, by ``unit_id`` (matched
    inside the same query).
    """
    if paths is not None:
        where = Q(unit__path__in=paths)
    else:
        from dj_learning.orgs.models import Unit

        # The unit is below (or is) the plan's: read in the same query, not loaded.
        where = Exists(Unit.objects.filter(pk=unit_id, path__startswith=OuterRef("unit__path")))
    return StudyPlan.objects.filter(where, year=year).order_by("-unit__depth")


def plan_for_unit(unit, year=None):
    """The study plan that applies to ``unit`` in ``year``: its own, else the nearest
    ancestor's. ``None`` if no unit above it has one. One query."""
    paths = unit.ancestor_paths()
    return _plans_above(year or study_year(), paths=paths).select_related("unit").first()


def plans_for_units(units, year=None):
    """``{unit_id: plan}``: ``plan_for_unit`` for many units in one query; units
    without a plan are left out."""
    units = list(units)
    paths = {path for unit in units for path in unit.ancestor_paths()}
    plans = list(_plans_above(year or study_year(), paths=paths).select_related("unit"))
    result = {}
    for unit in units:
        own = set(unit.ancestor_paths())
        plan = next((plan for plan in plans if plan.unit.path in own), None)  # nearest first
        if plan is not None:
            result[unit.pk] = plan
    return result


def plan_for(member, year=None):
    """The study plan that applies to ``member`` in ``year``: their unit's own, else the
    nearest ancestor's (``plan_for_unit``). ``None`` if no unit above them has one. One
    query, whether or not the member's unit is loaded."""
    year = year or study_year()
    if type(member).unit.is_cached(member):
        return plan_for_unit(member.unit, year)
    return _plans_above(year, unit_id=member.unit_id).select_related("unit").first()


def plan_module_ids(plan):
    if plan is None:
        return []
    cached = getattr(plan, "_module_ids", None)
    if cached is None:
        cached = list(plan.plan_modules.order_by("sort_order").values_list("module_id", flat=True))
        plan._module_ids = cached
    return cached


def can_enrol(member, course):
    """May ``member`` enrol in ``course``? A course offered by a unit is for its subtree."""
    return course.unit_id is None or member.unit.path.startswith(course.unit.path)


def modules_open_to(member, module_ids):
    """The ids among ``module_ids`` of live modules meant for ``member``: in a course
    offered to the member's unit (by it, a unit above, or everyone) or in their plan.

    Another region's copy of a module is not among them. A fixed number of queries.
    """
    from wagtail.models import Page

    from dj_learning.orgs.models import Unit

    if not module_ids:
        return set()
    modules = dict(Page.objects.live().filter(pk__in=module_ids).values_list("path", "pk"))
    parents = {path[: -Page.steplen]: pk for path, pk in modules.items()}
    units = set(
        Unit.objects.filter(path__in=member.unit.ancestor_paths()).values_list("pk", flat=True)
    )
    opened = {
        parents[course.path]
        for course in Page.objects.filter(path__in=parents).specific()
        if isinstance(course, AbstractCoursePage)
        and (course.unit_id is None or course.unit_id in units)
    }
    return opened | (set(plan_module_ids(plan_for(member))) & set(modules.values()))


def enrol(member, course):
    """Enrol ``member`` in ``course`` (its elective modules). Idempotent.

    Raises ``StudyError`` if the course is offered to other units only.
    """
    if member.status != member.Status.ACTIVE:
        raise StudyError(_("Only active members can study."))
    if not can_enrol(member, course):
        raise StudyError(_("This course is offered to other units."))
    # One INSERT that does nothing when the member is already enrolled (the
    # unique constraint), rather than a read and then a write.
    CourseEnrollment.objects.bulk_create(
        [CourseEnrollment(member=member, course=course)], ignore_conflicts=True
    )


def enrolled_courses(member):
    """The live courses ``member`` enrolled in, newest enrolment first."""
    from .models import CoursePage

    ids = list(
        CourseEnrollment.objects.filter(member=member)
        .order_by("-enrolled_at")
        .values_list("course_id", flat=True)
    )
    by_id = CoursePage.objects.live().in_bulk(ids)
    return [by_id[i] for i in ids if i in by_id]


def study_courses(member, summary):
    """``(courses, plan course ids)``: the live courses of ``member``'s plan, then those
    they enrolled in, newest first.

    The plan's courses come from ``summary`` (``plan_summary``), whose modules know
    their course: the member studies them through the plan, without enrolling. Two
    queries, as many as ``enrolled_courses``.
    """
    from .models import CoursePage

    planned = list(dict.fromkeys(status.module.course_id for status in summary.required_modules))
    enrolled = (
        CourseEnrollment.objects.filter(member=member)
        .order_by("-enrolled_at")
        .values_list("course_id", flat=True)
    )
    ids = list(dict.fromkeys([*planned, *enrolled]))
    by_id = CoursePage.objects.live().in_bulk(ids)
    return [by_id[i] for i in ids if i in by_id], set(planned)


def enrolled_course_ids(member):
    return set(CourseEnrollment.objects.filter(member=member).values_list("course_id", flat=True))


def is_enrolled(member, module, *, plan=None, course_ids=None):
    """Is ``member`` enrolled in ``module``: by their plan, or by enrolling in its course?"""
    in_plan = _in_plan(member, module) if plan is None else module.pk in plan_module_ids(plan)
    if in_plan:
        return True
    if course_ids is None:
        return CourseEnrollment.objects.filter(
            member=member, course_id=module.get_parent().pk
        ).exists()
    return module.get_parent().pk in course_ids


def _in_plan(member, module):
    """Does the plan that applies to ``member`` this year list ``module``? One query (the
    plan is found inside it, by ``_plans_above``): every heartbeat asks."""
    plan = _plans_above(study_year(), unit_id=member.unit_id).values("pk")[:1]
    return StudyPlanModule.objects.filter(plan_id=Subquery(plan), module_id=module.pk).exists()


# -- Lessons and effective time ----------------------------------------------------


def live_module(page_id, *, lessons=True):
    """The live module page with ``page_id``, of any module type (host sites' included).

    ``lessons=False`` leaves the lessons and their text unloaded (a heartbeat reads the
    lessons' minimums from the copy saved with the page; see ``lesson_requirements``).
    """
    from wagtail.models import Page

    # By id, then the type: ``type()`` would work out every module type's content type
    # on each call, and every heartbeat calls this.
    page = Page.objects.live().filter(pk=page_id).only("pk", "content_type").first()
    model = page.specific_class if page else None
    if model is None or not issubclass(model, AbstractModulePage):
        return None
    modules = model.objects.filter(pk=page_id)
    if not lessons:
        modules = modules.defer("lessons", "body_text")
    return modules.first()


def lesson_requirements(module):
    """``{lesson_id: seconds}``: the effective time each lesson of ``module`` needs.

    A lesson's own minimum wins; the module's minimum is shared equally among
    the others. ``LESSON_MIN_SECONDS`` overrides everything (demos, tests).
    """
    # Lists of modules load them without their lessons (``defer_streamfields()``) and
    # read the copy saved with the page; a loaded module (a preview too) reads its lessons.
    if module.lesson_minimums is not None and "lessons" in module.get_deferred_fields():
        lessons = module.lesson_minimums
    else:
        lessons = module.lesson_minimums_from_lessons()
    override = settings.LESSON_MIN_SECONDS
    try:
        key = tuple((lesson_id, minutes) for lesson_id, minutes in lessons)
        return dict(_requirements(key, module.min_study_minutes, override))
    except TypeError:  # an unhashable minimum in a lesson: work it out
        return dict(_requirements.__wrapped__(lessons, module.min_study_minutes, override))


@functools.lru_cache(maxsize=4096)
def _requirements(lessons, min_study_minutes, override):
    """``lesson_requirements``'s answer as pairs, for lessons and minimums that repeat
    on every page that lists their module (a pure function of its arguments)."""
    if override is not None:
        return tuple((lesson_id, int(override)) for lesson_id, _minutes in lessons)
    own = {
        lesson_id: math.ceil(Decimal(str(minutes)) * 60)
        for lesson_id, minutes in lessons
        if minutes not in (None, "")
    }
    rest = [lesson_id for lesson_id, _minutes in lessons if lesson_id not in own]
    share = math.ceil(Decimal(min_study_minutes) * 60 / len(rest)) if rest else 0
    return tuple((lesson_id, own.get(lesson_id, share)) for lesson_id, _minutes in lessons)


@dataclass
class BeatResult:
    counted: int
    seconds: int
    required: int
    studied: bool
    module_completed: bool = False


def record_heartbeat(member, module, lesson_id, *, seconds, sent_at=None, visible=True, now=None):
    """Count a heartbeat from a study page; return what it counted.

    The server decides what counts. Each member has one study clock: a beat
    counts no more than the time since the member's last counted beat (on any
    lesson, in any tab), never more than ``HEARTBEAT_MAX_SECONDS``, and never
    more than it claims. A repeated or parallel beat therefore finds no time
    left. A beat from a hidden page counts nothing and leaves the clock alone.
    The member's first beat starts the clock. Raises ``StudyError`` for a
    module the member is not enrolled in, an unknown lesson, or a beat dated
    in the future.
    """
    now = now or timezone.now()
    if member.status != member.Status.ACTIVE:
        raise StudyError(_("Only active members can study."))
    if sent_at is not None:
        if timezone.is_naive(sent_at):
            sent_at = timezone.make_aware(sent_at)
        if sent_at > now + timedelta(seconds=settings.HEARTBEAT_CLOCK_SKEW):
            raise StudyError(_("This heartbeat is dated in the future; check the device's clock."))
    if not is_enrolled(member, module):
        raise StudyError(_("You are not enrolled in this module."))
    requirements = lesson_requirements(module)
    if lesson_id not in requirements:
        raise StudyError(_("This lesson is not part of the module."))
    required = requirements[lesson_id]
    claimed = max(0, min(int(seconds), settings.HEARTBEAT_MAX_SECONDS))

    with transaction.atomic():
        progress, _created = LessonProgress.objects.get_or_create(
            member=member, module=module, lesson_id=lesson_id
        )
        if not visible:
            return BeatResult(0, progress.seconds, required, progress.studied_at is not None)
        counted = _wind_clock(member, claimed, now)
        # Added in the database, not written back: beats of the member that counted
        # nothing may run at the same moment, and must not undo this one's seconds.
        LessonProgress.objects.filter(pk=progress.pk).update(
            seconds=F("seconds") + counted, last_beat_at=now
        )
        progress.seconds += counted
        newly_studied = (
            progress.studied_at is None
            and progress.seconds >= required
            # Once: only the beat that sets it is told the lesson is studied.
            and LessonProgress.objects.filter(pk=progress.pk, studied_at__isnull=True).update(
                studied_at=now
            )
            == 1
        )
        if newly_studied:
            progress.studied_at = now

    result = BeatResult(counted, progress.seconds, required, progress.studied_at is not None)
    if newly_studied:
        signals.lesson_studied.send(
            sender=LessonProgress, progress=progress, member=member, module=module
        )
        result.module_completed = try_complete(member, module, now=now) is not None
    return result


def _wind_clock(member, claimed, now):
    """Move ``member``'s study clock on; the seconds a beat claiming ``claimed`` may count:
    no more than the whole seconds since the clock was last set.

    A compare-and-set instead of a lock: the clock is set only if it still shows
    the time this beat read, so of two beats of one member at the same moment one
    sets it and the other counts nothing. Two queries (a read and a conditional
    update); the member's first beat creates the clock and counts nothing.

    A beat that claims at least the time since the clock moves it by the whole
    seconds it counts, so the fraction left (a page that gathered 4 s and sent them
    3.99 s after its last beat arrived) carries into the next beat instead of being
    lost; the clock never lags now by a second or more. A beat that claims less
    sets it to now.
    """
    read = list(StudyClock.objects.filter(member=member).values_list("last_beat_at", flat=True))
    if not read:
        clock = StudyClock(member=member, last_beat_at=now)
        StudyClock.objects.bulk_create([clock], ignore_conflicts=True)
        return 0
    last = read[0]
    if last is None:
        StudyClock.objects.filter(member=member, last_beat_at__isnull=True).update(last_beat_at=now)
        return 0
    whole = max(0, int((now - last).total_seconds()))
    counted = min(claimed, whole)
    new = last + timedelta(seconds=whole) if claimed >= whole else now
    moved = StudyClock.objects.filter(member=member, last_beat_at=last).update(last_beat_at=new)
    return counted if moved else 0


def lesson_progress(member, module):
    """``{lesson_id: {"seconds", "studied"}}`` of one member in one module."""
    return {
        row["lesson_id"]: {"seconds": row["seconds"], "studied": row["studied_at"] is not None}
        for row in LessonProgress.objects.filter(member=member, module=module).values(
            "lesson_id", "seconds", "studied_at"
        )
    }


# -- Completion --------------------------------------------------------------------


def completed_module_ids(member, module_ids=None, *, among=None):
    """The ids of the modules ``member`` completed: of ``module_ids``, or matching the
    filter ``among`` (see ``_among``), or all."""
    qs = ModuleCompletion.objects.filter(member=member)
    if module_ids is not None:
        qs = qs.filter(module_id__in=module_ids)
    if among is not None:
        qs = qs.filter(among)
    return set(qs.values_list("module_id", flat=True))


def missing_for_completion(member, module):
    """What still stands between ``member`` and completing ``module``, as messages."""
    missing = []
    requirements = lesson_requirements(module)
    studied = set(
        LessonProgress.objects.filter(
            member=member, module=module, studied_at__isnull=False
        ).values_list("lesson_id", flat=True)
    )
    left = [lid for lid in requirements if lid not in studied]
    if left:
        missing.append(
            ngettext(
                "%(count)d lesson still to study", "%(count)d lessons still to study", len(left)
            )
            % {"count": len(left)}
        )
    prerequisite_ids = [p.pk for p in module.prerequisites.all()]
    if prerequisite_ids:
        done = completed_module_ids(member, prerequisite_ids)
        for prerequisite in module.prerequisites.all():
            if prerequisite.pk not in done:
                missing.append(_("complete “%(title)s” first") % {"title": prerequisite.title})
    unmet = completion.unmet(member, module)
    missing.extend(message for message in unmet if message is not None)
    if None in unmet:
        missing.append(_("other requirements of the module are not met yet"))
    return missing


def _send_completed(record, member, module):
    # One failing listener must not keep the others from hearing of the completion.
    for receiver, error in signals.module_completed.send_robust(
        sender=ModuleCompletion, completion=record, member=member, module=module
    ):
        if isinstance(error, Exception):
            logger.error(
                "module_completed listener %r failed for completion %s",
                receiver,
                record.pk,
                exc_info=error,
            )


def try_complete(member, module, now=None):
    """Record the completion of ``module`` if everything it needs is done.

    Returns the new ``ModuleCompletion``, or ``None`` if the module is not
    complete yet or was completed before. Safe to call any number of times
    and concurrently: the database's unique constraint records it once. The
    ``completion.on_complete`` hooks (the credit ledger) run inside the same
    transaction: if one raises, nothing is recorded and the error propagates.
    ``module_completed`` is sent once, after commit. Modules that list this
    one as a prerequisite are tried in turn.
    """
    module = module.specific if not isinstance(module, AbstractModulePage) else module
    if ModuleCompletion.objects.filter(member=member, module=module).exists():
        return None
    if not is_enrolled(member, module):
        return None
    if missing_for_completion(member, module):
        return None
    now = now or timezone.now()
    parent = module.get_parent()
    try:
        with transaction.atomic():
            record = ModuleCompletion.objects.create(
                member=member,
                module=module,
                module_title=module.title,
                course_title=parent.title if parent else "",
                kind=module.kind,
                credits=module.credits,
                year=study_year(now),
                completed_at=now,
            )
            completion.completed(record)
            transaction.on_commit(lambda: _send_completed(record, member, module), robust=True)
    except IntegrityError:
        if ModuleCompletion.objects.filter(member=member, module=module).exists():
            return None  # someone else recorded it a moment ago
        raise  # from a hook: nothing was recorded
    for dependent in module.required_by.live():
        try_complete(member, dependent, now=now)
    return record


# -- Summaries -----------------------------------------------------------------------


def parent_ids(pages):
    """``{page_id: parent_page_id}`` for many pages, in one query."""
    from wagtail.models import Page

    pages = list(pages)
    if not pages:
        return {}
    steplen = pages[0].steplen
    by_path = dict(
        Page.objects.filter(path__in={p.path[:-steplen] for p in pages}).values_list("path", "pk")
    )
    return {p.pk: by_path.get(p.path[:-steplen]) for p in pages}


@dataclass
class ModuleStatus:
    module: object
    required_seconds: int = 0
    seconds: int = 0
    lessons: int = 0
    lessons_studied: int = 0
    completed: bool = False
    enrolled: bool = False

    @property
    def url(self):
        """The module's URL: an outline carries it, a page works it out."""
        return getattr(self.module, "url", None)

    @property
    def percent(self):
        if self.completed:
            return 100
        if not self.required_seconds:
            return 0
        return min(99, int(100 * min(self.seconds, self.required_seconds) / self.required_seconds))


_UNSET = object()


def _among(modules, ids):
    """A filter on ``module`` for the rows of ``modules``.

    The outlines of one course's modules are found by the course's path, one
    parameter however many modules; anything else by the list of their ids.
    """
    if modules and all(isinstance(m, ModuleOutline) for m in modules):
        courses = {m.path[: -m.steplen] for m in modules}
        if len(courses) == 1:
            return Q(module__path__startswith=courses.pop())
    return Q(module_id__in=ids)


def module_statuses(member, modules, *, plan=_UNSET, course_ids=None):
    """``{module_id: ModuleStatus}`` for many modules at a fixed number of queries.

    Pass ``plan`` and ``course_ids`` when the caller already has them. For one
    course's modules, ``course_statuses`` reads the same in one statement.
    """
    modules = list(modules)
    ids = [m.pk for m in modules]
    statuses = {m.pk: ModuleStatus(module=m) for m in modules}
    if member is None:
        return statuses
    plan_ids = set(plan_module_ids(plan_for(member) if plan is _UNSET else plan))
    if course_ids is None:
        course_ids = enrolled_course_ids(member)
    among = _among(modules, ids)
    done = completed_module_ids(member, among=among)
    # Outlines know their course; pages ask the database (one query for all).
    parents = parent_ids([m for m in modules if not isinstance(m, ModuleOutline)])
    parents.update({m.pk: m.course_id for m in modules if isinstance(m, ModuleOutline)})
    progress = {
        (module_id, lesson_id): (seconds, studied_at is not None)
        for module_id, lesson_id, seconds, studied_at in LessonProgress.objects.filter(
            among, member=member
        ).values_list("module_id", "lesson_id", "seconds", "studied_at")
    }
    _fill(
        statuses,
        modules,
        done=done,
        enrolled=lambda m: m.pk in plan_ids or parents.get(m.pk) in course_ids,
        progress=progress,
    )
    return statuses


def _fill(statuses, modules, *, done, enrolled, progress):
    """Complete ``statuses`` from what the member did: ``progress`` is
    ``{(module_id, lesson_id): (seconds, studied)}``."""
    for module in modules:
        status = statuses[module.pk]
        status.completed = module.pk in done
        status.enrolled = enrolled(module)
        for lesson_id, required in lesson_requirements(module).items():
            status.lessons += 1
            status.required_seconds += required
            seconds, studied = progress.get((module.pk, lesson_id), (0, False))
            status.seconds += min(seconds, required)
            status.lessons_studied += studied


def course_statuses(member, course, modules, year=None):
    """``({module_id: ModuleStatus}, enrolled)``: ``member``'s standing in ``course``,
    whose live ``modules`` (outlines or pages) are given, in one query.

    The same as ``module_statuses`` with ``enrolled`` for the course, for the
    page every member opens most: the modules their plan lists (the plan of
    their unit or the nearest unit above, for ``year``), their enrolment in the
    course, their completions and lesson progress are read together in one
    hand-written statement (``_standing``) instead of four ORM queries, which
    cost ten times more to build than to run.
    ``tests/test_courses_page_speed.py`` checks both give the same answers.
    """
    modules = list(modules)
    statuses = {m.pk: ModuleStatus(module=m) for m in modules}
    if member is None:
        return statuses, False
    planned, done, progress, enrolled = set(), set(), {}, False
    for kind, page_id, lesson_id, seconds, studied in _standing(
        member, course, year or study_year()
    ):
        if kind == "plan":
            planned.add(page_id)
        elif kind == "done":
            done.add(page_id)
        elif kind == "time":
            progress[(page_id, lesson_id)] = (seconds, bool(studied))
        else:
            enrolled = True
    _fill(
        statuses,
        modules,
        done=done,
        enrolled=lambda m: enrolled or m.pk in planned,
        progress=progress,
    )
    return statuses, enrolled


def _standing(member, course, year):
    """Rows ``(kind, page id, lesson id, seconds, studied)`` of ``member`` in ``course``.

    ``kind`` is ``plan`` (a module the member's plan lists), ``enrolled`` (the
    course), ``done`` (a completed module) or ``time`` (a lesson's progress).
    """
    paths = member.unit.ancestor_paths()
    alias = router.db_for_read(ModuleCompletion)
    below = course.path + "%"
    sql, plan_params = _standing_sql(alias, len(paths))
    plan = [year if index is None else paths[index] for index in plan_params]
    params = [below, *plan, member.pk, course.pk, below, member.pk, below, member.pk]
    with connections[alias].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _plan_sql(alias, path_count):
    """The plan part of ``_standing_sql``: the first of ``_plans_above`` (the one
    definition of the plan that applies), compiled by the ORM, and where its
    parameters go: ``None`` for the year, else the index of an ancestor path."""
    year, paths = 2000, [f"<path {index}>" for index in range(path_count)]  # markers
    query = _plans_above(year, paths=paths).values("pk")[:1].query
    sql, params = query.get_compiler(using=alias).as_sql()
    return sql, [None if param == year else paths.index(param) for param in params]


@functools.cache
def _standing_sql(alias, path_count):
    """The statement of ``_standing`` for a unit ``path_count`` levels deep, and the
    order of its plan parameters (see ``_plan_sql``).

    Plain SQL that SQLite and PostgreSQL both run, with the models' table and
    column names. A course's modules are found by its path: tree paths are
    letters and digits only, so the ``LIKE`` pattern needs no escaping.
    """
    from wagtail.models import Page

    quote = connections[alias].ops.quote_name

    def name(model, field=None):
        if field is None:
            return quote(model._meta.db_table)
        return quote(model._meta.get_field(field).column)

    def in_course(alias_, model):
        module = name(model, "module")
        return (
            f"JOIN {name(Page)} p ON p.{name(Page, 'id')} = {alias_}.{module}"
            f" WHERE p.{name(Page, 'path')} LIKE %s"
        )

    plan, plan_params = _plan_sql(alias, path_count)
    progress = LessonProgress
    sql = " UNION ALL ".join(
        [
            f"SELECT 'plan', m.{name(StudyPlanModule, 'module')}, '', 0, 0"
            f" FROM {name(StudyPlanModule)} m {in_course('m', StudyPlanModule)}"
            f" AND m.{name(StudyPlanModule, 'plan')} = ({plan})",
            f"SELECT 'enrolled', e.{name(CourseEnrollment, 'course')}, '', 0, 0"
            f" FROM {name(CourseEnrollment)} e WHERE e.{name(CourseEnrollment, 'member')} = %s"
            f" AND e.{name(CourseEnrollment, 'course')} = %s",
            f"SELECT 'done', c.{name(ModuleCompletion, 'module')}, '', 0, 0"
            f" FROM {name(ModuleCompletion)} c {in_course('c', ModuleCompletion)}"
            f" AND c.{name(ModuleCompletion, 'member')} = %s",
            f"SELECT 'time', t.{name(progress, 'module')}, t.{name(progress, 'lesson_id')},"
            f" t.{name(progress, 'seconds')},"
            f" CASE WHEN t.{name(progress, 'studied_at')} IS NULL THEN 0 ELSE 1 END"
            f" FROM {name(progress)} t {in_course('t', progress)}"
            f" AND t.{name(progress, 'member')} = %s",
        ]
    )
    return sql, plan_params


# -- The plan rule --------------------------------------------------------------------


def _completion_credits(member, year):
    """``(required, elective)``: the credits of ``member``'s completions in ``year``."""
    required = Q(kind=Kind.REQUIRED)
    # A year's credits need more digits than one completion's.
    total = DecimalField(max_digits=12, decimal_places=2)
    totals = ModuleCompletion.objects.filter(member=member, year=year).aggregate(
        required=Sum("credits", filter=required, default=Decimal("0"), output_field=total),
        elective=Sum("credits", filter=~required, default=Decimal("0"), output_field=total),
    )
    return totals["required"], totals["elective"]


#: Where the credits a member earned in a study year come from, for My study and
#: the plan rule: callables ``(member, year) -> (required, elective)``, of which
#: the first (lowest ``order``) answers, in one query. Courses counts its own
#: completions, last; the credits app registers its ledger (which also holds
#: approved offline training and adjustments) from its ``ready()``, so My study
#: shows the transcript's credits without courses importing credits.
credit_sources = Registry("earned credits")
credit_sources.register("courses.completions", _completion_credits, order=1000)


def earned_credits(member, year):
    """``(required, elective)`` credits ``member`` earned in ``year`` (see ``credit_sources``)."""
    return credit_sources.values()[0](member, year)


def _modules_left(plan, member):
    # The live modules the plan lists (a member cannot complete another) not completed.
    done = ModuleCompletion.objects.filter(member=member, module=OuterRef("module"))
    return StudyPlanModule.objects.filter(plan=plan, module__live=True).exclude(Exists(done))


def required_modules_left(member, plan):
    """How many of the live modules ``plan`` lists ``member`` has not completed. One query."""
    return _modules_left(plan, member).count()


def required_modules_left_expression(plan, member="pk"):
    """``required_modules_left`` for each row of a query of members, as a subquery:
    ``plan`` and ``member`` name the row's plan id and member id."""
    left = _modules_left(OuterRef(plan), OuterRef(OuterRef(member)))
    count = left.order_by().values("plan").annotate(count=Count("pk")).values("count")
    return Coalesce(Subquery(count), 0)


def plan_met(plan, required_earned, elective_earned, *, required_modules_left=0):
    """Has a member with these credits in a year met ``plan``, that year's plan for them?

    The one rule, used by My study, the transcript (page, PDF, API), the unit
    reports, the reminders and the awards: the required credits earned reach the
    plan's ``required_credits`` and the elective credits its
    ``min_elective_credits``, counting every credit the member earned (the
    ledger's: approved offline training and adjustments too, see
    ``earned_credits``). With ``PLAN_MET_REQUIRES_MODULES`` every (live) module
    the plan lists must be completed as well: ``required_modules_left`` is how
    many are not (``required_modules_left()``). ``False`` without a plan.
    ``plan_met_condition`` is the same rule for many members in one query.
    """
    if plan is None:
        return False
    if settings.PLAN_MET_REQUIRES_MODULES and required_modules_left:
        return False
    return required_earned >= plan.required_credits and elective_earned >= plan.min_elective_credits


def plan_met_condition(
    required_earned, elective_earned, *, required_credits, min_elective_credits, plan, member="pk"
):
    """``plan_met`` as a condition on each row of a query of members (``When``, ``filter``).

    ``required_earned``, ``elective_earned``, ``required_credits`` and
    ``min_elective_credits`` are expressions of the row (its credits and its
    plan's thresholds); ``plan`` and ``member`` name the row's plan id and
    member id (for ``PLAN_MET_REQUIRES_MODULES``). Rows without a plan are the
    caller's to answer first. ``tests/test_plan_rule.py`` holds it to ``plan_met``.
    """
    met = GreaterThanOrEqual(required_earned, required_credits) & GreaterThanOrEqual(
        elective_earned, min_elective_credits
    )
    if settings.PLAN_MET_REQUIRES_MODULES:
        met &= Exact(required_modules_left_expression(plan, member), 0)
    return met


@dataclass
class PlanSummary:
    year: int
    plan: object = None
    required_credits: Decimal = Decimal("0")
    required_earned: Decimal = Decimal("0")
    min_elective_credits: Decimal = Decimal("0")
    elective_earned: Decimal = Decimal("0")
    required_modules: list = field(default_factory=list)
    required_done: int = 0
    next_modules: list = field(default_factory=list)
    #: The year's completions: how many, and the latest (``recent`` of them); both
    #: are read only when ``recent`` is above zero (the count is ``None`` otherwise).
    completions_count: int = None
    recent_completions: list = field(default_factory=list)

    @property
    def total_earned(self):
        return self.required_earned + self.elective_earned

    @property
    def required_percent(self):
        return _percent(self.required_earned, self.required_credits)

    @property
    def elective_percent(self):
        return _percent(self.elective_earned, self.min_elective_credits)

    @property
    def met(self):
        """The plan rule (``plan_met``), the same as the transcript's."""
        return plan_met(
            self.plan,
            self.required_earned,
            self.elective_earned,
            required_modules_left=len(self.required_modules) - self.required_done,
        )


#: How many of the year's latest completions "My study" lists (the transcript has all).
RECENT_COMPLETIONS = 10
CREDIT_PLACES = Decimal("0.01")


def _percent(part, whole):
    if not whole:
        return 100 if part else 0
    return min(100, int(100 * part / whole))


def plan_summary(member, year=None, *, request=None, recent=RECENT_COMPLETIONS):
    """This year's plan for ``member``: credits against the plan, what to do next.

    The credits are those the member earned in the year (``earned_credits``: the
    transcript's, offline training included), and ``met`` is the plan rule
    (``plan_met``). The plan's modules are outlines (``outline.modules_by_id``)
    whose URLs are worked out for ``request``; ``recent`` is how many of the
    year's latest completions to list. A fixed number of queries, whatever the
    number of modules, completions or credit entries.
    """
    year = year or study_year()
    plan = plan_for(member, year)
    summary = PlanSummary(year=year, plan=plan)
    required, elective = earned_credits(member, year)
    # SQLite's sums come back unscaled, so they are given the credits' two places.
    summary.required_earned = Decimal(required).quantize(CREDIT_PLACES)
    summary.elective_earned = Decimal(elective).quantize(CREDIT_PLACES)
    if recent:
        # The latest completions and how many there are, in one query.
        latest = list(
            ModuleCompletion.objects.filter(member=member, year=year)
            .annotate(year_count=Window(Count("pk")))
            .order_by("-completed_at", "-pk")[:recent]
        )
        summary.recent_completions = latest
        summary.completions_count = latest[0].year_count if latest else 0
    if plan is None:
        return summary
    summary.required_credits = plan.required_credits
    summary.min_elective_credits = plan.min_elective_credits
    modules = outline.modules_by_id(plan_module_ids(plan), request)
    statuses = module_statuses(member, modules, plan=plan, course_ids=set())
    summary.required_modules = [statuses[m.pk] for m in modules]
    summary.required_done = sum(s.completed for s in summary.required_modules)
    summary.next_modules = [s for s in summary.required_modules if not s.completed][:3]
    return summary


# -- The catalog -----------------------------------------------------------------------


def _module_pages():
    from .models import ModulePage

    return ModulePage.objects


def _modules_below(**filters):
    return (
        _module_pages()
        .live()
        .filter(path__startswith=OuterRef("path"), depth=OuterRef("depth") + 1, **filters)
    )


def annotate_kinds(courses):
    """Add ``has_required`` and ``has_elective`` to each course, in the same query."""
    return courses.annotate(
        has_required=Exists(_modules_below(kind=Kind.REQUIRED)),
        has_elective=Exists(_modules_below(kind=Kind.ELECTIVE)),
    )


def search_courses(courses, query):
    """Courses whose title, summary or module text contains ``query``.

    A plain substring match, so Chinese words are found inside titles
    ("党史" in "学习党史知识") on SQLite and PostgreSQL alike, where their
    full-text search would need a Chinese word splitter.
    """
    modules = (
        _module_pages()
        .live()
        .filter(path__startswith=OuterRef("path"), depth=OuterRef("depth") + 1)
        .filter(Q(title__icontains=query) | Q(body_text__icontains=query))
    )
    return courses.filter(Q(title__icontains=query) | Q(summary__icontains=query) | Exists(modules))


def filter_courses(courses, *, kind=None, topic=None, unit=None, year=None, query=None):
    if kind in Kind.values:
        courses = courses.filter(
            Exists(
                _module_pages()
                .live()
                .filter(path__startswith=OuterRef("path"), depth=OuterRef("depth") + 1, kind=kind)
            )
        )
    if topic:
        courses = courses.filter(topics__slug=topic)
    if unit:
        courses = courses.filter(unit_id=unit)
    if year:
        courses = courses.filter(Q(year=year) | Q(year__isnull=True))
    if query:
        courses = search_courses(courses, query)
    return courses.distinct()
