"""Factories for tests, here and in host sites.

Plain functions with keyword arguments and sensible defaults, so a test names
only what it is about::

    from dj_learning.test import factories

    region = factories.unit(kind="region")
    branch = factories.unit(parent=region)
    member = factories.member(unit=branch)
"""

import itertools

from django.contrib.auth import get_user_model

from dj_learning.members.services import save_member
from dj_learning.orgs.models import Unit
from dj_learning.orgs.services import grant_role, save_unit

PASSWORD = "Test!pass2026"
_seq = itertools.count(1)


def unit(*, parent=None, kind=None, name=None, code=None, site=None):
    """A unit under ``parent`` (a new root when ``None``)."""
    n = next(_seq)
    if kind is None:
        kind = Unit.Kind.NATIONAL if parent is None else Unit.Kind.BRANCH
    return save_unit(
        code=code or f"unit-{n}",
        name=name or f"单位{n}",
        kind=kind,
        parent=parent,
        site=site,
    )


def user(*, username=None, password=PASSWORD, **fields):
    n = next(_seq)
    return get_user_model().objects.create_user(
        username=username or f"user{n}", password=password, **fields
    )


def member(*, unit=None, user=None, member_number=None, name=None, **fields):
    """A member (and its user account, unless ``user`` is given) in ``unit``."""
    n = next(_seq)
    if unit is None:
        unit = globals()["unit"]()
    if user is None:
        user = globals()["user"]()
    return save_member(
        user,
        member_number=member_number or f"M{n:06d}",
        name=name or f"党员{n}",
        unit=unit,
        **fields,
    )


def staff(*, role, unit, **user_fields):
    """A user holding ``role`` over ``unit`` and its subtree."""
    account = user(**user_fields)
    grant_role(account, unit, role)
    return account


# -- Courses -------------------------------------------------------------------


def _publish(parent, page):
    page = parent.add_child(instance=page)
    page.save_revision().publish()
    return page


def catalog(*, parent=None, title="课程"):
    """A live course catalog under ``parent`` (the default site's home page when ``None``)."""
    from wagtail.models import Site

    from dj_learning.courses.models import CourseCatalogPage

    parent = parent or Site.objects.get(is_default_site=True).root_page
    n = next(_seq)
    return _publish(parent, CourseCatalogPage(title=f"{title}{n}", slug=f"catalog-{n}"))


def course(*, catalog=None, title=None, summary="", **fields):
    from dj_learning.courses.models import CoursePage

    catalog = catalog or globals()["catalog"]()
    n = next(_seq)
    return _publish(
        catalog,
        CoursePage(title=title or f"课程{n}", slug=f"course-{n}", summary=summary, **fields),
    )


def lessons(count=2, *, text="学习内容"):
    """StreamField data for ``count`` lessons of plain text."""
    return [
        (
            "lesson",
            {"title": f"第{i + 1}课", "min_minutes": None, "content": [("text", f"<p>{text}</p>")]},
        )
        for i in range(count)
    ]


def module(
    *,
    course=None,
    title=None,
    kind="required",
    credits="1",
    minutes="2",
    lesson_count=2,
    text="学习内容",
    prerequisites=(),
    revision=True,
    **fields,
):
    """A live module with ``lesson_count`` lessons sharing ``minutes`` of study time."""
    from decimal import Decimal

    from dj_learning.courses.models import ModulePage

    course = course or globals()["course"]()
    n = next(_seq)
    page = ModulePage(
        title=title or f"模块{n}",
        slug=f"module-{n}",
        kind=kind,
        credits=Decimal(credits),
        min_study_minutes=Decimal(minutes),
        lessons=lessons(lesson_count, text=text),
        **fields,
    )
    page = course.add_child(instance=page)
    if prerequisites:
        page.prerequisites.set(prerequisites)
        page.save()
    if revision:  # many tests need only a live page, not its revision history
        page.save_revision().publish()
    return page


def plan(*, unit, year=None, modules=(), required_credits="0", min_elective_credits="0"):
    from decimal import Decimal

    from dj_learning.courses.models import StudyPlan, StudyPlanModule
    from dj_learning.courses.services import study_year

    plan = StudyPlan.objects.create(
        unit=unit,
        year=year or study_year(),
        required_credits=Decimal(required_credits),
        min_elective_credits=Decimal(min_elective_credits),
    )
    for order, page in enumerate(modules):
        StudyPlanModule.objects.create(plan=plan, module=page, sort_order=order)
    return plan


def studied(member, module, *, seconds=60):
    """``member`` has studied every lesson of ``module``: ``seconds`` in each, marked studied."""
    from django.utils import timezone

    from dj_learning.courses.models import LessonProgress
    from dj_learning.courses.services import lesson_requirements

    for lesson_id in lesson_requirements(module):
        LessonProgress.objects.create(
            member=member,
            module=module,
            lesson_id=lesson_id,
            seconds=seconds,
            studied_at=timezone.now(),
        )


def member_with_completions(count, unit):
    """A member of ``unit`` whose plan lists ``count`` modules, all completed this year
    (with their credits in the ledger, when ``dj_learning.credits`` is installed)."""
    from django.apps import apps
    from django.utils import timezone

    from dj_learning.courses.models import ModuleCompletion
    from dj_learning.courses.services import study_year, year_bounds

    learner = member(unit=unit)
    parent = course()
    modules = [module(course=parent, revision=False) for _ in range(count)]
    plan(unit=unit, modules=modules)
    year = study_year()
    completions = ModuleCompletion.objects.bulk_create(
        ModuleCompletion(
            member=learner,
            module=m,
            module_title=m.title,
            kind="required",
            credits=1,
            year=year,
            completed_at=year_bounds(year)[0],
        )
        for m in modules
    )
    if apps.is_installed("dj_learning.credits"):
        from dj_learning.credits.models import CreditEntry

        CreditEntry.objects.bulk_create(
            CreditEntry(
                member=learner,
                year=year,
                kind=c.kind,
                amount=c.credits,
                source=CreditEntry.Source.MODULE,
                title=c.module_title,
                earned_on=timezone.localdate(c.completed_at),
                completion=c,
            )
            for c in completions
        )
    return learner


# -- Quizzes -------------------------------------------------------------------

#: A right answer for each question kind made by ``question()``, as a member sends it.
RIGHT_RESPONSES = {
    "single": "a",
    "multiple": ["a", "b"],
    "truefalse": True,
    "fill": "北京",
    "matching": {"1": "一", "2": "二"},
    "numerical": "3.14",
    "short": "我的回答",
}

_QUESTION_DATA = {
    "single": {
        "options": [
            {"id": "a", "text": "正确选项", "fraction": 1.0, "feedback": "对"},
            {"id": "b", "text": "错误选项", "fraction": 0.0, "feedback": "错"},
            {"id": "c", "text": "另一个错误选项", "fraction": 0.0, "feedback": ""},
        ],
    },
    "multiple": {
        "options": [
            {"id": "a", "text": "甲", "fraction": 0.5, "feedback": ""},
            {"id": "b", "text": "乙", "fraction": 0.5, "feedback": ""},
            {"id": "c", "text": "丙", "fraction": -1.0, "feedback": ""},
            {"id": "d", "text": "丁", "fraction": -1.0, "feedback": ""},
        ],
        "partial": True,
    },
    "truefalse": {"answer": True, "feedback_true": "", "feedback_false": ""},
    "fill": {"answers": [{"text": "北京", "fraction": 1.0, "feedback": ""}]},
    "matching": {
        "pairs": [
            {"id": "1", "left": "1", "right": "一"},
            {"id": "2", "left": "2", "right": "二"},
            {"id": "3", "left": "", "right": "三"},
        ]
    },
    "numerical": {"answers": [{"value": 3.14, "tolerance": 0.01, "fraction": 1.0, "feedback": ""}]},
    "short": {},
}


def question_bank(*, name=None, unit=None):
    from dj_learning.quizzes.models import QuestionBank

    return QuestionBank.objects.create(name=name or f"题库{next(_seq)}", unit=unit)


def question_category(*, bank=None, path=None):
    from dj_learning.quizzes.models import QuestionCategory

    bank = bank or question_bank()
    return QuestionCategory.objects.create(bank=bank, path=path or f"分类{next(_seq)}")


def question(
    kind="single", *, bank=None, category=None, points="1", text=None, data=None, **fields
):
    """A valid question of ``kind``; ``RIGHT_RESPONSES[kind]`` answers it right."""
    import copy
    from decimal import Decimal

    from dj_learning.quizzes.models import Question

    if bank is None:
        bank = category.bank if category else question_bank()
    n = next(_seq)
    return Question.objects.create(
        bank=bank,
        category=category,
        kind=kind,
        text=text or f"第{n}题",
        points=Decimal(points),
        data=copy.deepcopy(_QUESTION_DATA[kind]) if data is None else data,
        explanation=fields.pop("explanation", f"解析{n}"),
        **fields,
    )


def quiz(*, questions=None, kinds=("single", "truefalse", "fill"), **fields):
    """A quiz with ``questions`` (one new question of each of ``kinds`` by default).

    Questions keep their order and options by default, so tests can answer by position,
    and answers are shown right after grading (the model's defaults are the safe ones:
    shuffled options, answers once no attempt is left).
    """
    from dj_learning.quizzes.services import create_quiz

    if questions is None:
        bank = question_bank()
        questions = [question(kind, bank=bank) for kind in kinds]
    fields.setdefault("shuffle_questions", False)
    fields.setdefault("shuffle_options", False)
    fields.setdefault("review", "immediately")
    return create_quiz(fields.pop("title", f"测验{next(_seq)}"), questions=questions, **fields)


# -- Points and rewards --------------------------------------------------------


def point_rule(*, unit, action, points=10, **fields):
    """A points rule for ``action`` in ``unit``'s subtree."""
    from dj_learning.rewards.models import PointRule

    return PointRule.objects.create(unit=unit, action=action, points=points, **fields)


def catalog_item(*, unit, title=None, cost=100, stock=10, **fields):
    """A reward in ``unit``'s catalog."""
    from dj_learning.rewards.models import CatalogItem

    return CatalogItem.objects.create(
        unit=unit, title=title or f"奖品{next(_seq)}", cost=cost, stock=stock, **fields
    )


def points(member, amount, reason="测试积分"):
    """Give ``member`` points (an admin's adjustment)."""
    from dj_learning.rewards.services import adjust

    return adjust(member, amount, reason=reason, by=None)


# -- Members' voice ------------------------------------------------------------


def suggestion(member, *, title=None, text="建议内容", **fields):
    """A suggestion sent by ``member`` through ``voice.services.submit``."""
    from dj_learning.voice.services import submit

    return submit(member, title=title or f"建议{next(_seq)}", text=text, **fields)


def poll(*, unit, questions=(("single", ("甲", "乙", "丙")),), opens_in=-1, days=7, **fields):
    """A poll for ``unit``'s subtree, open since ``opens_in`` days (negative: in the past).

    ``questions``: ``(type, options)`` pairs, or ``(type, options, max_choices)``.
    """
    from datetime import timedelta

    from django.utils import timezone

    from dj_learning.voice.models import Option, Poll, Question

    opens = timezone.now() + timedelta(days=opens_in)
    poll = Poll.objects.create(
        unit=unit,
        title=fields.pop("title", f"问卷{next(_seq)}"),
        opens_at=opens,
        closes_at=opens + timedelta(days=days),
        **fields,
    )
    for order, spec in enumerate(questions):
        kind, options, most = (*spec, None)[:3]
        question = Question.objects.create(
            poll=poll, order=order, text=f"问题{order + 1}", type=kind, max_choices=most
        )
        Option.objects.bulk_create(
            Option(question=question, order=i, text=text) for i, text in enumerate(options)
        )
    return poll
