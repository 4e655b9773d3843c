"""django-q2 entry points. Thin and idempotent: each calls a service."""

from . import reminders


def remind_members_behind():
    """Scheduled daily by ``learning_demo`` (or a site's own schedule)."""
    return reminders.remind_behind()
