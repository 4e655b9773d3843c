"""Listeners: certificates for what courses, quizzes and credits report through their signals.

Each queues a django-q2 job after the sender's transaction commits, and only
when a rule could apply; the job issues and renders (``tasks``). The jobs are
idempotent (a certificate's key is unique), so a redelivery issues nothing twice.
"""

import logging

from django.db import transaction

from dj_learning.members.models import Member

from .models import IssuingRule

logger = logging.getLogger(__name__)


def _queue(func, *args):
    from django_q.tasks import async_task

    def run():
        try:
            async_task(func, *args)
        except Exception:
            logger.exception("Could not queue %s%r", func, args)

    transaction.on_commit(run)


def _has_rules(member, triggers):
    return IssuingRule.objects.filter(
        active=True, trigger__in=triggers, unit__path__in=member.unit.ancestor_paths()
    ).exists()


def on_module_completed(sender, completion, member, module, **kwargs):
    triggers = (IssuingRule.Trigger.COURSE, IssuingRule.Trigger.PLAN)
    if _has_rules(member, triggers):
        _queue("dj_learning.certificates.tasks.issue_on_completion", completion.pk)


def on_quiz_passed(sender, attempt, member, quiz, **kwargs):
    if _has_rules(member, (IssuingRule.Trigger.EXAM,)):
        _queue("dj_learning.certificates.tasks.issue_on_exam", attempt.pk)


def on_credits_recorded(sender, entry, **kwargs):
    """Credits from approved offline training (or an adjustment) may meet the year's plan."""
    member = Member.objects.select_related("unit").get(pk=entry.member_id)
    if _has_rules(member, (IssuingRule.Trigger.PLAN,)):
        _queue("dj_learning.certificates.tasks.issue_on_plan", member.pk, entry.year)
