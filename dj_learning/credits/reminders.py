"""Reminding members who are behind their plan as the study year's end nears."""

from datetime import timedelta

from django.conf import settings as django_settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from dj_learning.conf import settings
from dj_learning.courses.services import study_year, year_bounds
from dj_learning.notifications import notices
from dj_learning.orgs.models import Unit

from .models import Reminder
from .reports import members_with_credits


def remind_behind(today=None):
    """Remind each member behind their plan (inbox and e-mail), once per ``REMINDER_INTERVAL_DAYS``, in the last
    ``REMINDER_DAYS_BEFORE_YEAR_END`` days of the year. Returns how many were reminded.

    Safe to run again (a retried job): a member reminded today is not reminded twice.
    """
    today = today or timezone.localdate()
    year = study_year(today)
    year_end = year_bounds(year)[1].date()
    if (year_end - today).days > settings.REMINDER_DAYS_BEFORE_YEAR_END:
        return 0
    recent = today - timedelta(days=settings.REMINDER_INTERVAL_DAYS - 1)
    reminded = 0
    for root in Unit.get_root_nodes():
        behind = (
            members_with_credits(None, root, year)
            .filter(met=False)
            .exclude(reminders__year=year, reminders__sent_on__gte=recent)
            .select_related("user", "unit")
        )
        for member in behind:
            try:
                with transaction.atomic():
                    reminder = Reminder.objects.create(member=member, year=year, sent_on=today)
                    reminder.emailed = _remind(member, reminder, year, year_end)
                    if reminder.emailed:
                        reminder.save(update_fields=["emailed"])
            except IntegrityError:
                continue  # reminded today already, by a run a moment ago
            reminded += 1
    return reminded


PLAN_REMINDER = "credits.plan_reminder"


def _remind(member, reminder, year, year_end):
    """A notice in the member's inbox (e-mail too, by their choice: on unless they turn it
    off), keyed on the reminder; a site without the inbox app gets the e-mail alone.
    Returns whether an e-mail goes out."""
    context = {"member": member, "year": year, "year_end": year_end}
    if not notices.installed():
        if member.user.email:
            _email(member, context)
            return True
        return False
    with notices.in_language(member.user):
        title = render_to_string("dj_learning/credits/reminder_subject.txt", context).strip()
        body = render_to_string("dj_learning/credits/reminder_body.txt", context)
    notices.notify(
        member.user,
        PLAN_REMINDER,
        title,
        body=body,
        url=reverse("dj_learning:my_study"),
        key=f"plan-reminder:{reminder.pk}",
    )
    return notices.wants_email(member.user, PLAN_REMINDER)


def _email(member, context):
    with translation.override(django_settings.LANGUAGE_CODE):
        send_mail(
            subject=render_to_string("dj_learning/credits/reminder_subject.txt", context).strip(),
            message=render_to_string("dj_learning/credits/reminder_body.txt", context),
            from_email=None,
            recipient_list=[member.user.email],
        )
