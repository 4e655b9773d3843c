"""Members' points pages: balance and history, leaderboards, the catalog, redemptions. Thin."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dj_learning.members.services import member_for

from . import services

HISTORY_PAGE_SIZE = 30


def _member(request):
    member = member_for(request.user)
    if member is None:
        raise Http404(_("This account has no member record."))
    return member


@login_required
def my_points(request):
    member = _member(request)
    balance, lifetime, hidden = services.balance_of(member)
    page = Paginator(services.history(member), HISTORY_PAGE_SIZE).get_page(request.GET.get("p"))
    return render(
        request,
        "dj_learning/rewards/my_points.html",
        {
            "member": member,
            "balance": balance,
            "lifetime": lifetime,
            "page_obj": page,
            "figures": services.figures_for(member),
        },
    )


def _board_unit(member, which):
    if which == "region":
        return member.unit.region or member.unit
    return member.unit


@login_required
def leaderboard_page(request):
    member = _member(request)
    which = "region" if request.GET.get("scope") == "region" else "unit"
    period = request.GET.get("period") if request.GET.get("period") in services.PERIODS else "month"
    _balance, _lifetime, hidden = services.balance_of(member)
    context = services.leaderboard_context(_board_unit(member, which), period, member=member)
    context.update({"which": which, "hidden": hidden})
    return render(request, "dj_learning/rewards/leaderboard.html", context)


@require_POST
@login_required
def hide_me(request):
    member = _member(request)
    hidden = request.POST.get("hidden") == "1"
    services.set_hidden(member, hidden)
    messages.success(
        request,
        _("You no longer appear on leaderboards.") if hidden else _("You appear on leaderboards."),
    )
    return redirect("dj_learning:points_leaderboard")


@login_required
def catalog(request):
    member = _member(request)
    balance, _lifetime, _hidden = services.balance_of(member)
    return render(
        request,
        "dj_learning/rewards/catalog.html",
        {"member": member, "balance": balance, "offers": services.offers_for(member)},
    )


@login_required
def confirm_redeem(request, item_id):
    """The second step of redeeming (no JavaScript needed): the item, its cost and the
    balance after; the button posts to ``redeem``. Only items of the member's catalog."""
    member = _member(request)
    offer = services.offer(member, item_id)
    if offer is None:
        raise Http404
    balance, _lifetime, _hidden = services.balance_of(member)
    return render(
        request,
        "dj_learning/rewards/confirm_redeem.html",
        {
            "offer": offer,
            "item": offer.item,
            "balance": balance,
            "after": balance - offer.item.cost,
        },
    )


@require_POST
@login_required
def redeem(request, item_id):
    member = _member(request)
    try:
        redemption = services.redeem(member, item_id)
    except services.PointsError as error:
        messages.error(request, str(error))
        return redirect("dj_learning:rewards_catalog")
    messages.success(
        request,
        _("Redeemed “%(title)s”. Your pick-up code is %(code)s.")
        % {"title": redemption.title, "code": redemption.code},
    )
    return redirect("dj_learning:rewards_mine")


@login_required
def my_redemptions(request):
    member = _member(request)
    return render(
        request,
        "dj_learning/rewards/my_redemptions.html",
        {"redemptions": member.redemptions.order_by("-created_at", "-pk")[:100]},
    )
