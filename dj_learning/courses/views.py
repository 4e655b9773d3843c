"""Page contexts and the member's study views. Thin: read input, call services, render."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from taggit.models import Tag
from wagtail.images import get_image_model
from wagtail.models import Site

from dj_learning.conf import settings
from dj_learning.members.services import member_for
from dj_learning.orgs.models import Unit

from . import outline, services
from .models import CourseCatalogPage, CoursePage, CourseTopic, Kind

COVER_FILTER = "fill-480x270"
CATALOG_PAGE_SIZE = 12


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def catalog_for_request(request):
    """The course catalog of the current page, or the site's first live one, or ``None``.

    A course or module page knows its catalog from routing (no query); other
    pages look for the first live catalog in the request's site, once per
    request. The shared templates' ``{% catalog_page %}`` asks this.
    """
    if not hasattr(request, "_learning_catalog"):
        site = Site.find_for_request(request)
        request._learning_catalog = (
            CourseCatalogPage.objects.live().in_site(site).first() if site else None
        )
    return request._learning_catalog


def catalog_context(request, catalog):
    params = request.GET
    query = params.get("q", "").strip()[:100]
    kind = params.get("kind", "")
    topic = params.get("topic", "")
    unit = _int(params.get("unit"))
    year = _int(params.get("year"))
    base = CoursePage.objects.live().child_of(catalog)
    courses = services.filter_courses(
        base, kind=kind, topic=topic, unit=unit, year=year, query=query
    ).order_by("path")
    courses = (
        services.annotate_kinds(courses)
        .select_related("unit")
        .prefetch_related(
            Prefetch(
                "cover_image",
                queryset=get_image_model().objects.prefetch_renditions(COVER_FILTER),
            ),
            "topics",
        )
    )
    page = Paginator(courses, CATALOG_PAGE_SIZE).get_page(params.get("page"))
    course_ids = base.values("pk")
    return {
        "courses": page,
        "filters": {"q": query, "kind": kind, "topic": topic, "unit": unit, "year": year},
        "kinds": Kind.choices,
        "topics": Tag.objects.filter(
            pk__in=CourseTopic.objects.filter(content_object__in=course_ids).values("tag_id")
        ).order_by("name"),
        "units": Unit.objects.filter(pk__in=base.exclude(unit=None).values("unit_id")).order_by(
            "path"
        ),
        "years": sorted(set(base.exclude(year=None).values_list("year", flat=True)), reverse=True),
        "cover_filter": COVER_FILTER,
    }


def course_context(request, course):
    member = member_for(request.user)
    modules = outline.course_modules(course, request)
    statuses, enrolled = services.course_statuses(member, course, modules)
    rows = [statuses[m.pk] for m in modules]
    completed = sum(r.completed for r in rows)
    return {
        "member": member,
        "topics": outline.course_topics(course, request),
        "modules": rows,
        "enrolled": enrolled,
        # Modules the member's plan lists: they study them without enrolling.
        "in_plan": any(row.enrolled for row in rows) and not enrolled,
        "has_electives": any(m.kind == Kind.ELECTIVE for m in modules),
        "completed_count": completed,
        "course_percent": int(100 * completed / len(rows)) if rows else 0,
        "credits_total": sum((m.credits for m in modules), start=0),
    }


def module_context(request, module):
    member = member_for(request.user)
    requirements = services.lesson_requirements(module)
    progress = services.lesson_progress(member, module) if member else {}
    lessons = [
        {
            "id": block.id,
            "title": block.value["title"],
            "content": block.value["content"],
            "required": requirements[block.id],
            "seconds": min(progress.get(block.id, {}).get("seconds", 0), requirements[block.id]),
            "studied": progress.get(block.id, {}).get("studied", False),
        }
        for block in module.lessons
        if block.block_type == "lesson"
    ]
    for lesson in lessons:
        lesson["percent"] = (
            100
            if lesson["studied"] or not lesson["required"]
            else int(100 * lesson["seconds"] / lesson["required"])
        )
    wanted = request.GET.get("lesson")
    current = next((lesson for lesson in lessons if lesson["id"] == wanted), None)
    if current is None:
        current = next((lesson for lesson in lessons if not lesson["studied"]), None)
    if current is None and lessons:
        current = lessons[0]
    context = {
        "member": member,
        "lessons": lessons,
        "current": current,
        "heartbeat_url": reverse("dj_learning_api:study_heartbeat"),
        "heartbeat_interval": settings.HEARTBEAT_INTERVAL,
        "heartbeat_max": settings.HEARTBEAT_MAX_SECONDS,
        "course": module.get_parent(),
        # Texts the study script shows as time is counted, in the page's language.
        "progress_text": _("Effective study time: %(seconds)s of %(required)s seconds")
        % {"seconds": "{seconds}", "required": "{required}"},
        "studied_text": _("Lesson studied"),
    }
    if member is not None:
        status = services.module_statuses(member, [module])[module.pk]
        missing = [] if status.completed else services.missing_for_completion(member, module)
        # Everything is done but no completion was recorded (a completion hook failed
        # when the last lesson or the quiz was done): record it now.
        retry = status.enrolled and not status.completed and not missing
        if retry and services.try_complete(member, module) is not None:
            status = services.module_statuses(member, [module])[module.pk]
        context.update({"status": status, "enrolled": status.enrolled, "missing": missing})
    return context


@login_required
def my_study(request):
    member = member_for(request.user)
    if member is None:
        return render(request, "dj_learning/courses/no_member.html", status=403)
    year = services.year_or_current(request.GET.get("year"))
    summary = services.plan_summary(member, year, request=request)
    courses, plan_course_ids = services.study_courses(member, summary)
    return render(
        request,
        "dj_learning/courses/my_study.html",
        {
            "member": member,
            "summary": summary,
            # The courses of the member's plan (no enrolment needed), then those they enrolled in.
            "courses": courses,
            "plan_course_ids": plan_course_ids,
        },
    )


@require_POST
@login_required
def enrol(request, course_id):
    member = member_for(request.user)
    if member is None:
        raise Http404
    course = get_object_or_404(CoursePage.objects.live(), pk=course_id)
    try:
        services.enrol(member, course)
    except services.StudyError as error:
        messages.error(request, str(error))
        return redirect(course.url)
    messages.success(request, _("You are enrolled in “%(title)s”.") % {"title": course.title})
    next_url = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
        return redirect(next_url)
    return redirect(course.url)
