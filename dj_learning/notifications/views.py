"""The inbox page: list, mark read, mark all read, e-mail choices. Thin."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import services

PAGE_SIZE = 30


@login_required
def inbox(request):
    page = Paginator(services.inbox(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "dj_learning/notifications/inbox.html",
        {
            "page_obj": page,
            "unread": services.unread_count(request.user),
            "choices": services.email_choices(request.user),
        },
    )


@require_POST
@login_required
def read(request, pk):
    """Mark one read, then follow its link (a path on this site) or back to the inbox."""
    if not services.mark_read(request.user, pk):
        raise Http404  # not theirs: as for a missing one
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("dj_learning:notifications")


@require_POST
@login_required
def read_all(request):
    services.mark_all_read(request.user)
    messages.success(request, _("All notifications are marked read."))
    return redirect("dj_learning:notifications")


@require_POST
@login_required
def preferences(request):
    services.set_email_choices(request.user, set(request.POST.getlist("email")))
    messages.success(request, _("Your e-mail choices are saved."))
    return redirect("dj_learning:notifications")
