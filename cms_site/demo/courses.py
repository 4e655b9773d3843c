"""Demo courses, plans, the review workflow and the demo member's progress.

Everything is keyed on slugs and titles, so loading twice changes nothing.
"""

import io
import json
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from django.contrib.auth.models import Group, Permission
from django.core.files.base import File
from django.core.files.images import ImageFile
from django.utils import timezone
from PIL import Image as PILImage
from PIL import ImageDraw
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import GroupApprovalTask, Workflow, WorkflowPage, WorkflowTask

from dj_learning.courses import services
from dj_learning.courses.models import (
    CourseCatalogPage,
    CoursePage,
    ModulePage,
    StudyPlan,
    StudyPlanModule,
)
from dj_learning.members.models import Member
from dj_learning.orgs.models import Unit


def load(fixtures_dir: Path):
    data = json.loads((fixtures_dir / "courses.json").read_text(encoding="utf-8"))
    video = _document(data["video"]["title"], fixtures_dir / data["video"]["file"])
    covers = {c["slug"]: _cover(c["title"], c["cover"]) for c in data["courses"]}
    catalogs = {}
    for region in Unit.objects.filter(kind=Unit.Kind.REGION, site__isnull=False):
        catalogs[region.code] = _catalog(region, data, covers, video)
    _workflow(data["workflow"], catalogs.values())
    year = services.study_year()
    for spec in data["plans"]:
        _plan(spec, year, catalogs[spec["unit"]])
    for spec in data["progress"]:
        _progress(spec)
    return catalogs


def _document(title, path):
    model = get_document_model()
    document = model.objects.filter(title=title).first()
    if document is None:
        with path.open("rb") as handle:
            document = model(title=title, file=File(handle, name=path.name))
            document.save()
    return document


def _cover(title, colour):
    model = get_image_model()
    image_title = f"封面：{title}"
    image = model.objects.filter(title=image_title).first()
    if image is not None:
        return image
    canvas = PILImage.new("RGB", (960, 540), colour)
    draw = ImageDraw.Draw(canvas)
    for i in range(6):  # a few soft bands, so covers are told apart without text
        draw.ellipse(
            (600 + i * 40, -200 + i * 60, 1300 + i * 40, 500 + i * 60),
            outline=(255, 255, 255),
            width=3,
        )
    draw.rectangle((60, 400, 420, 420), fill=(242, 183, 5))
    buffer = io.BytesIO()
    canvas.save(buffer, "PNG")
    image = model(title=image_title, file=ImageFile(buffer, name="cover.png"))
    image.save()
    return image


def _catalog(region, data, covers, video):
    """The region's catalog and courses, offered to the region's members."""
    home = region.site.root_page
    spec = data["catalog"]
    catalog = CourseCatalogPage.objects.child_of(home).filter(slug=spec["slug"]).first()
    if catalog is None:
        catalog = home.add_child(
            instance=CourseCatalogPage(title=spec["title"], slug=spec["slug"], intro=spec["intro"])
        )
        catalog.save_revision().publish()
    for course_spec in data["courses"]:
        course = CoursePage.objects.child_of(catalog).filter(slug=course_spec["slug"]).first()
        if course is None:
            course = catalog.add_child(
                instance=CoursePage(
                    title=course_spec["title"],
                    slug=course_spec["slug"],
                    summary=course_spec["summary"],
                    cover_image=covers[course_spec["slug"]],
                    year=course_spec["year"],
                    unit=region,
                )
            )
            course.topics.add(*course_spec["topics"])
            course.save_revision().publish()
        modules = {}
        for module_spec in course_spec["modules"]:
            module = ModulePage.objects.child_of(course).filter(slug=module_spec["slug"]).first()
            if module is None:
                module = course.add_child(
                    instance=ModulePage(
                        title=module_spec["title"],
                        slug=module_spec["slug"],
                        kind=module_spec["kind"],
                        credits=Decimal(module_spec["credits"]),
                        min_study_minutes=Decimal(module_spec["minutes"]),
                        lessons=_lessons(module_spec["lessons"], covers, video),
                    )
                )
                module.prerequisites.set(
                    [modules[slug] for slug in module_spec.get("prerequisites", [])]
                )
                module.save_revision().publish()
            modules[module_spec["slug"]] = module
    return catalog


def _lessons(specs, covers, video):
    lessons = []
    for spec in specs:
        content = []
        for item in spec["content"]:
            if item["type"] == "image":
                content.append(
                    ("image", {"image": covers[item["value"]], "alt_text": "", "decorative": True})
                )
            elif item["type"] == "video":
                content.append(
                    ("video", {"file": video, "url": "", "caption": item["value"]["caption"]})
                )
            else:
                content.append((item["type"], item["value"]))
        lessons.append(
            ("lesson", {"title": spec["title"], "min_minutes": None, "content": content})
        )
    return lessons


def _workflow(spec, catalogs):
    """Editors submit course pages; a member of the group approves before they go live."""
    group, _ = Group.objects.get_or_create(name=spec["group"])
    group.permissions.add(Permission.objects.get(codename="access_admin"))
    workflow, _ = Workflow.objects.get_or_create(name=spec["name"], defaults={"active": True})
    task = GroupApprovalTask.objects.filter(name=spec["task"]).first()
    if task is None:
        task = GroupApprovalTask.objects.create(name=spec["task"])
    task.groups.set([group])
    WorkflowTask.objects.get_or_create(workflow=workflow, task=task, defaults={"sort_order": 0})
    for catalog in catalogs:
        WorkflowPage.objects.update_or_create(page=catalog, defaults={"workflow": workflow})


def _find_module(catalog, key):
    course_slug, module_slug = key.split("/")
    course = CoursePage.objects.child_of(catalog).get(slug=course_slug)
    return ModulePage.objects.child_of(course).get(slug=module_slug)


def _plan(spec, year, catalog):
    unit = Unit.objects.get(code=spec["unit"])
    plan, _ = StudyPlan.objects.update_or_create(
        unit=unit,
        year=year,
        defaults={
            "title": spec["title"].format(year=year),
            "required_credits": Decimal(spec["required_credits"]),
            "min_elective_credits": Decimal(spec["min_elective_credits"]),
        },
    )
    for order, key in enumerate(spec["modules"]):
        StudyPlanModule.objects.update_or_create(
            plan=plan, module=_find_module(catalog, key), defaults={"sort_order": order}
        )


def _progress(spec):
    """Study as the member would, through the heartbeat rules, at earlier times."""
    member = Member.objects.select_related("unit").get(user__username=spec["member"])
    catalog = CourseCatalogPage.objects.in_site(member.unit.region.site).first()
    for slug in spec["enrol"]:
        services.enrol(member, CoursePage.objects.child_of(catalog).get(slug=slug))
    start = timezone.now() - timedelta(days=20)
    for day, key in enumerate(spec["complete"] + spec["partial"]):
        module = _find_module(catalog, key)
        lessons = list(services.lesson_requirements(module).items())
        if key in spec["partial"]:
            lessons = lessons[:1]
            lessons = [(lesson_id, required // 2) for lesson_id, required in lessons]
        at = start + timedelta(days=day)
        for lesson_id, required in lessons:
            at = _study(member, module, lesson_id, required, at)


def _study(member, module, lesson_id, seconds, at):
    """Beats of one lesson from ``at``, one after the other; when the next lesson may start
    (the member has one study clock: lessons studied at the same time count once)."""
    step = 30
    for beat in range(seconds // step + 1):
        # The page's first beat starts the clock; each later one reports 30 seconds.
        services.record_heartbeat(
            member,
            module,
            lesson_id,
            seconds=step if beat else 0,
            now=at + timedelta(seconds=beat * step),
        )
    return at + timedelta(seconds=(seconds // step + 1) * step)
