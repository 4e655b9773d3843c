"""The Wagtail admin screen that lists locked sign-ins and unlocks them (superusers,
or users with django-axes' "delete access attempt" permission)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Max, Sum
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from wagtail.log_actions import log


def may_unlock(user):
    return user.is_superuser or user.has_perm("axes.delete_accessattempt")


def locked(field):
    """Accounts (``field="username"``) or addresses (``"ip_address"``) locked now:
    their failures, added up over the attempts django-axes keeps, reach the limit."""
    from axes.conf import settings as axes_settings
    from axes.helpers import get_cool_off
    from axes.models import AccessAttempt

    attempts = AccessAttempt.objects.exclude(**{f"{field}__isnull": True}).exclude(**{field: ""})
    cool_off = get_cool_off()
    if cool_off:
        attempts = attempts.filter(attempt_time__gte=timezone.now() - cool_off)
    return (
        attempts.values(field)
        .annotate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
        .filter(failures__gte=axes_settings.AXES_FAILURE_LIMIT)
        .order_by("-last")[:200]
    )


def index(request):
    if not may_unlock(request.user):
        raise PermissionDenied
    return render(
        request,
        "dj_learning/members/admin/lockouts.html",
        {
            "title": _("Locked sign-ins"),
            "accounts": locked("username"),
            "addresses": locked("ip_address"),
        },
    )


@require_POST
def unlock(request):
    from axes.utils import reset

    if not may_unlock(request.user):
        raise PermissionDenied
    username = request.POST.get("username", "").strip()
    address = request.POST.get("ip_address", "").strip()
    if username or address:
        if username:
            reset(username=username)
        if address:
            reset(ip=address)
        log(
            request.user,
            "learning_members.unlock_sign_in",
            user=request.user,
            data={"username": username, "ip_address": address},
        )
        messages.success(
            request, _("Unlocked: %(who)s can sign in again.") % {"who": username or address}
        )
    return redirect("learning_lockouts:index")


urlpatterns = [
    path("", index, name="index"),
    path("unlock/", unlock, name="unlock"),
]
