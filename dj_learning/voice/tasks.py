"""django-q2 entry points of members' voice: thin and safe to run again."""

from .models import Poll
from .services import notify_poll_opened


def poll_opened(poll_id):
    """Notify a poll's audience that it is open (each member once, however often it runs)."""
    poll = Poll.objects.select_related("unit").filter(pk=poll_id).first()
    if poll is not None:
        notify_poll_opened(poll)
