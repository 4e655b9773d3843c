"""The courses' seeders: the catalog, the study plans, and the members' study.

``seed_courses`` leaves ``modules`` in ``seeder.context``: per year, a dict
per module (``id``, ``course_id``, ``title``, ``course_title``, ``kind``,
``credits``, ``lessons``: the lesson ids). ``seed_study`` writes completions
as ``courses.services`` records them (their title, kind and credits copied
from the module); the credits seeder reads them back.
"""

import random
from datetime import timedelta
from decimal import Decimal

from wagtail.models import Site

from dj_learning.courses.models import (
    CourseCatalogPage,
    CourseEnrollment,
    CoursePage,
    LessonProgress,
    ModuleCompletion,
    ModulePage,
    StudyPlan,
    StudyPlanModule,
)

from .bulk import RowWriter, foreign_keys_checked_once
from .seeder import TOPICS


def seed_courses(seeder):
    """A catalog page, and per study year ``modules`` modules in courses of ten."""
    root = Site.objects.get(is_default_site=True).root_page
    catalog = root.add_child(
        instance=CourseCatalogPage(title=f"{seeder.prefix} 课程", slug=f"{seeder.prefix}-courses")
    )
    rng = random.Random(seeder.seed)
    by_year = {}
    pages = 1
    for year in seeder.year_list:
        modules = []
        for c in range(-(-seeder.modules // 10)):
            topic = TOPICS[c % len(TOPICS)]
            course = catalog.add_child(
                instance=CoursePage(
                    title=f"{year}年{topic}（{c + 1}）",
                    slug=f"{seeder.prefix}-{year}-{c + 1}",
                    summary=f"{year}年度{topic}专题课程。",
                    year=year,
                )
            )
            pages += 1
            in_course = min(10, seeder.modules - len(modules))
            for m in range(in_course):
                required = m < (in_course + 1) // 2
                n = len(modules) + 1
                lessons = [
                    {
                        "type": "lesson",
                        "id": f"{seeder.prefix}-{year}-{n}-{i + 1}",
                        "value": {
                            "title": f"第{i + 1}课",
                            "min_minutes": None,
                            "content": [
                                {
                                    "type": "text",
                                    "id": f"{seeder.prefix}-{year}-{n}-{i + 1}-t",
                                    "value": f"<p>{topic}第{i + 1}课的学习内容。</p>",
                                }
                            ],
                        },
                    }
                    for i in range(seeder.lessons)
                ]
                module = course.add_child(
                    instance=ModulePage(
                        title=f"{topic}模块{n}",
                        slug=f"{seeder.prefix}-{year}-m{n}",
                        kind="required" if required else "elective",
                        credits=Decimal(rng.choice(["1", "1.5", "2"])),
                        min_study_minutes=Decimal(seeder.lessons * 5),
                        lessons=lessons,
                    )
                )
                pages += 1
                modules.append(
                    {
                        "id": module.pk,
                        "course_id": course.pk,
                        "title": module.title,
                        "course_title": course.title,
                        "kind": module.kind,
                        "credits": module.credits,
                        "lessons": [lesson["id"] for lesson in lessons],
                    }
                )
        by_year[year] = modules
    seeder.context["modules"] = by_year
    seeder.report.add("pages", pages)


def seed_plans(seeder):
    """Per region and year, a plan of the year's required modules."""
    count = 0
    for region in seeder.context["regions"]:
        for year, modules in seeder.context["modules"].items():
            required = [m for m in modules if m["kind"] == "required"]
            plan = StudyPlan.objects.create(
                unit=region,
                year=year,
                title=f"{region.name} {year}年学习计划",
                required_credits=sum((m["credits"] for m in required), Decimal(0)),
                min_elective_credits=Decimal(2),
            )
            StudyPlanModule.objects.bulk_create(
                StudyPlanModule(plan=plan, module_id=m["id"], sort_order=i)
                for i, m in enumerate(required)
            )
            count += 1 + len(required)
    seeder.report.add("study plans", count)


def seed_study(seeder):
    """Lesson progress, completions and enrolments of every member in every year."""
    progress = RowWriter(
        LessonProgress,
        ["member", "module", "lesson_id", "seconds", "last_beat_at", "studied_at"],
    )
    completions = RowWriter(
        ModuleCompletion,
        ["member", "module", "module_title", "course_title", "kind", "credits", "year",
         "completed_at"],
    )  # fmt: skip
    enrolments = RowWriter(CourseEnrollment, ["member", "course", "enrolled_at"])
    lesson_seconds = 5 * 60
    member_ids = seeder.context["member_ids"]
    spans = seeder.spans
    totals = dict.fromkeys(["progress", "completions", "enrolments"], 0)
    with foreign_keys_checked_once(LessonProgress, ModuleCompletion, CourseEnrollment):
        for first in range(0, len(member_ids), seeder.batch):
            p_rows, c_rows, e_rows = [], [], []
            for n in range(first, min(first + seeder.batch, len(member_ids))):
                member = member_ids[n]
                rng = random.Random(seeder.seed * 7_919 + n)
                for year in seeder.year_list:
                    start, end = spans[year]
                    days = seeder.days[year]
                    courses = set()
                    # About a third of the members complete every required module.
                    diligent = rng.random() < 0.3
                    for module in seeder.context["modules"][year]:
                        keen = diligent and module["kind"] == "required"
                        if not keen and rng.random() >= seeder.rate:
                            continue
                        when = start + timedelta(
                            days=rng.randrange(days), seconds=rng.randrange(86400)
                        )
                        complete = keen or rng.random() < 0.8
                        studied = module["lessons"] if complete else module["lessons"][:1]
                        for i, lesson in enumerate(studied):
                            at = when + timedelta(minutes=6 * i)
                            p_rows.append((member, module["id"], lesson, lesson_seconds, at, at))
                        if complete:
                            c_rows.append(
                                (member, module["id"], module["title"], module["course_title"],
                                 module["kind"], module["credits"], year,
                                 when + timedelta(minutes=6 * len(studied)))
                            )  # fmt: skip
                            if module["kind"] == "elective":
                                courses.add(module["course_id"])
                    e_rows.extend((member, course, start) for course in sorted(courses))
            totals["progress"] += progress.write(p_rows)
            totals["completions"] += completions.write(c_rows)
            totals["enrolments"] += enrolments.write(e_rows)
            done_members = min(first + seeder.batch, len(member_ids))
            if done_members * 10 // len(member_ids) > first * 10 // len(member_ids):
                seeder.log(f"  study of {done_members:,}/{len(member_ids):,} members")
    seeder.report.add("lesson progress", totals["progress"])
    seeder.report.add("module completions", totals["completions"])
    seeder.report.add("course enrolments", totals["enrolments"])
