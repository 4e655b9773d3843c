"""The activities app's embeddable widget (registered in ``apps.ActivitiesConfig.ready``)."""

from dj_learning import embed
from dj_learning.members.services import member_for

from . import services


def upcoming(request):
    """The signed-in member's upcoming activities (``?limit=``, 5 by default)."""
    member = member_for(request.user)
    if member is None:
        return {"member": None, "activities": []}
    activities = list(services.upcoming_for(member)[: embed.limit(request, 5)])
    return {"member": member, "activities": activities}


def daily_sign_in(request):
    """The signed-in member's streak and, if not yet today, the sign-in button."""
    member = member_for(request.user)
    if member is None:
        return {"member": None}
    days, signed_in_today = services.streak(member)
    return {"member": member, "streak": days, "signed_in_today": signed_in_today}
