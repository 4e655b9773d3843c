from datetime import datetime
from decimal import Decimal
from typing import Annotated

from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import paginate

from dj_learning.api_schema import MAX_INT, Id, Pagination, Text, errors, example
from dj_learning.members.services import member_for

from . import services, views
from .models import CoursePage

router = Router(tags=["courses"])


def _member(request):
    member = member_for(request.user)
    if member is None:
        raise HttpError(403, _("This account has no member record."))
    return member


Year = Annotated[int, Field(ge=2000, le=2100)]


class CourseFilters(Schema):
    catalog: Id | None = None
    q: Text | None = None
    kind: Text | None = None
    topic: Text | None = None
    unit: Id | None = None
    year: Year | None = None


class CourseOut(Schema):
    id: int
    title: str
    summary: str
    url: str | None
    topics: list[str]
    unit: str | None
    year: int | None

    @staticmethod
    def resolve_url(course, context):
        return course.get_url(context["request"])

    @staticmethod
    def resolve_topics(course):
        return [tag.name for tag in course.topics.all()]

    @staticmethod
    def resolve_unit(course):
        return course.unit.name if course.unit else None


class ModuleStatusOut(Schema):
    id: int
    title: str
    url: str | None
    kind: str
    credits: Decimal
    lessons: int
    lessons_studied: int
    seconds: int
    required_seconds: int
    percent: int
    completed: bool
    enrolled: bool


def _status_out(status, request):
    module = status.module
    return {
        "id": module.pk,
        "title": module.title,
        "url": module.get_url(request),
        "kind": module.kind,
        "credits": module.credits,
        "lessons": status.lessons,
        "lessons_studied": status.lessons_studied,
        "seconds": status.seconds,
        "required_seconds": status.required_seconds,
        "percent": status.percent,
        "completed": status.completed,
        "enrolled": status.enrolled,
    }


class CourseDetailOut(CourseOut):
    enrolled: bool
    modules: list[ModuleStatusOut]


class LessonOut(Schema):
    id: str
    title: str
    required_seconds: int
    seconds: int
    studied: bool


class ModuleDetailOut(ModuleStatusOut):
    course_id: int
    prerequisites: list[int]
    lessons_detail: list[LessonOut]
    missing: list[str]


def _viewable(page, request):
    """``page`` if the caller may view it (Wagtail's privacy settings apply), else 404."""
    if page is None:
        raise Http404
    if not all(r.accept_request(request) for r in page.get_view_restrictions()):
        raise Http404
    return page


def _live_page(model, page_id, request):
    return _viewable(model.objects.live().filter(pk=page_id).first(), request)


def _module(page_id, request, *, lessons=True):
    return _viewable(services.live_module(page_id, lessons=lessons), request)


@router.get(
    "/courses",
    response={200: list[CourseOut], **errors(404)},
    auth=None,
    summary="The course catalog",
)
@paginate(Pagination)
def list_courses(request, filters: Query[CourseFilters]):
    from wagtail.models import Page, Site

    courses = CoursePage.objects.live().public()
    if filters.catalog:
        courses = courses.child_of(_live_page(Page, filters.catalog, request))
    elif site := Site.find_for_request(request):
        # Each region's site lists its own courses, as its catalog page does.
        courses = courses.in_site(site)
    courses = services.filter_courses(
        courses,
        kind=filters.kind,
        topic=filters.topic,
        unit=filters.unit,
        year=filters.year,
        query=(filters.q or "").strip()[:100],
    )
    return courses.select_related("unit").prefetch_related("topics").order_by("path")


@router.get(
    "/courses/{int:course_id}",
    response=CourseDetailOut,
    summary="A course with its modules and the caller's progress",
)
def get_course(request, course_id: Id):
    course = _live_page(CoursePage, course_id, request)
    context = views.course_context(request, course)
    course.enrolled = context["enrolled"]
    course.modules = [_status_out(status, request) for status in context["modules"]]
    return course


@router.post(
    "/courses/{int:course_id}/enrol",
    response={200: CourseDetailOut, **errors(403)},
    summary="Enrol the caller in a course (for its elective modules)",
)
def enrol(request, course_id: Id):
    course = _live_page(CoursePage, course_id, request)
    try:
        services.enrol(_member(request), course)
    except services.StudyError as error:
        raise HttpError(403, str(error)) from error
    return get_course(request, course_id)


@router.get(
    "/modules/{int:module_id}",
    response={200: ModuleDetailOut, **errors(403)},
    summary="A module with its lessons and the caller's progress",
)
def get_module(request, module_id: Id):
    module = _module(module_id, request)
    member = _member(request)
    status = services.module_statuses(member, [module])[module.pk]
    progress = services.lesson_progress(member, module)
    titles = {block.id: block.value["title"] for block in module.lessons}
    return {
        **_status_out(status, request),
        "course_id": module.get_parent().pk,
        "prerequisites": [p.pk for p in module.prerequisites.all()],
        "lessons_detail": [
            {
                "id": lesson_id,
                "title": titles[lesson_id],
                "required_seconds": required,
                "seconds": min(progress.get(lesson_id, {}).get("seconds", 0), required),
                "studied": progress.get(lesson_id, {}).get("studied", False),
            }
            for lesson_id, required in services.lesson_requirements(module).items()
        ],
        "missing": [] if status.completed else services.missing_for_completion(member, module),
    }


class HeartbeatIn(Schema):
    model_config = {
        "json_schema_extra": example(
            module=42, lesson="3f1c2a9e-…", seconds=15, sent_at="2026-11-25T20:15:00+08:00"
        )
    }

    module: Id
    lesson: Text
    seconds: int = Field(ge=0, le=MAX_INT)
    sent_at: datetime | None = None
    visible: bool = True


class HeartbeatOut(Schema):
    counted: int
    seconds: int
    required: int
    studied: bool
    module_completed: bool


@router.post(
    "/study/heartbeat",
    response={200: HeartbeatOut, **errors(400, 403, 404)},
    url_name="study_heartbeat",
    summary="Report active study time on a lesson",
)
def heartbeat(request, beat: HeartbeatIn):
    member = _member(request)
    module = _module(beat.module, request, lessons=False)
    try:
        result = services.record_heartbeat(
            member,
            module,
            beat.lesson,
            seconds=beat.seconds,
            sent_at=beat.sent_at,
            visible=beat.visible,
        )
    except services.StudyError as error:
        raise HttpError(400, str(error)) from error
    return Status(200, result.__dict__)


class PlanModuleOut(ModuleStatusOut):
    pass


class PlanOut(Schema):
    year: int
    has_plan: bool
    plan_unit: str | None
    required_credits: Decimal
    required_earned: Decimal
    min_elective_credits: Decimal
    elective_earned: Decimal
    total_earned: Decimal
    required_modules_total: int
    required_modules_done: int
    met: bool
    required_modules: list[ModuleStatusOut]
    next_modules: list[int]


@router.get(
    "/me/plan",
    response={200: PlanOut, **errors(403)},
    summary="The caller's study plan for a year",
)
def my_plan(request, year: int | None = Query(None, ge=2000, le=2100)):
    summary = services.plan_summary(_member(request), year, request=request, recent=0)
    return {
        "year": summary.year,
        "has_plan": summary.plan is not None,
        "plan_unit": summary.plan.unit.name if summary.plan else None,
        "required_credits": summary.required_credits,
        "required_earned": summary.required_earned,
        "min_elective_credits": summary.min_elective_credits,
        "elective_earned": summary.elective_earned,
        "total_earned": summary.total_earned,
        "required_modules_total": len(summary.required_modules),
        "required_modules_done": summary.required_done,
        "met": summary.met,
        "required_modules": [_status_out(s, request) for s in summary.required_modules],
        "next_modules": [s.module.pk for s in summary.next_modules],
    }
