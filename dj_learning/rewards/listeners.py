"""Listeners: points for what courses and quizzes report through their signals.

Each award runs after the sender's transaction commits and never raises into
the sender: a failure is logged, and the award is idempotent on the source's
natural key (completion, lesson progress, attempt), so a redelivery is harmless.
"""

import logging

from django.db import transaction

from . import services
from .models import Action

logger = logging.getLogger(__name__)


def _later(func, what):
    def run():
        try:
            func()
        except Exception:
            logger.exception("Points for %s could not be awarded", what)

    transaction.on_commit(run)


def _lesson_title(module, lesson_id):
    for item in getattr(getattr(module, "lessons", None), "raw_data", None) or []:
        if item.get("id") == lesson_id:
            title = (item.get("value") or {}).get("title")
            if title:
                return f"{module.title} · {title}"
    return module.title


def on_module_completed(sender, completion, member, module, **kwargs):
    def seconds():
        from django.db.models import Sum

        from dj_learning.courses.models import LessonProgress

        total = LessonProgress.objects.filter(member=member, module_id=completion.module_id)
        return total.aggregate(s=Sum("seconds"))["s"] or 0

    _later(
        lambda: services.award(
            member,
            Action.MODULE_COMPLETED,
            source=completion,
            item=completion,
            title=completion.module_title,
            seconds=seconds,
        ),
        f"completion {completion.pk}",
    )


def on_lesson_studied(sender, progress, member, module, **kwargs):
    _later(
        lambda: services.award(
            member,
            Action.LESSON_STUDIED,
            source=progress,
            item=progress,
            title=_lesson_title(module, progress.lesson_id),
            seconds=progress.seconds,
        ),
        f"lesson progress {progress.pk}",
    )


def on_quiz_passed(sender, attempt, member, quiz, full_marks=False, **kwargs):
    title = str(getattr(quiz, "title", None) or quiz)

    def run():
        services.award(member, Action.QUIZ_PASSED, source=attempt, item=quiz, title=title)
        if full_marks:
            services.award(member, Action.FULL_MARKS, source=attempt, item=quiz, title=title)

    _later(run, f"attempt {attempt.pk}")
