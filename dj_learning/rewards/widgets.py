"""The rewards app's embeddable widget (registered in ``apps.RewardsConfig.ready``)."""

from wagtail.models import Site

from dj_learning import embed
from dj_learning.members.services import member_for
from dj_learning.orgs.models import Unit

from . import services


def leaderboard(request):
    """The leaderboard of the request's region, for signed-in members only.

    Names and points are members' data: a visitor of the portal who is not
    signed in gets the sign-in link, as with "My study". ``?period=`` picks
    the week, month (the default) or year; members who hid themselves are
    left out.
    """
    member = member_for(request.user)
    site = Site.find_for_request(request)
    region = Unit.objects.filter(site=site).first() if member is not None and site else None
    if region is None:
        return {"member": member, "board": None}
    period = request.GET.get("period")
    period = period if period in services.PERIODS else "month"
    return services.leaderboard_context(
        region, period, member=member, limit=embed.limit(request, 10)
    )


def points(request):
    """The signed-in member's points balance and their streak of days with points earned."""
    member = member_for(request.user)
    if member is None:
        return {"member": None}
    balance, lifetime, _hidden = services.balance_of(member)
    return {
        "member": member,
        "balance": balance,
        "lifetime": lifetime,
        "streak": services.streak(member),
    }
