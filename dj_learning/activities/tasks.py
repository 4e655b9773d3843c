"""django-q2 entry points. Thin and idempotent: each calls a service."""

from django.contrib.auth import get_user_model
from wagtail.log_actions import log

from . import services
from .models import Activity


def credit_attendance(activity_id, user_id):
    """Queued by the attendance page's "give the attendees their credits and points"; a
    rerun gives nothing twice. Returns what it did, for the task's result."""
    activity = Activity.objects.select_related("unit").get(pk=activity_id)
    user = get_user_model().objects.get(pk=user_id)
    result = services.credit_attendance(user, activity)
    log(activity, "learning_activities.credit", user=user, data=result.__dict__)
    return result.__dict__


def remind_tomorrow():
    """Scheduled daily by ``learning_demo`` (18:00): tomorrow's activities; safe to rerun."""
    return services.remind_tomorrow()
