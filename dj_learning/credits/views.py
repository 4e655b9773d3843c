"""Transcript pages, their PDF, and the public verification page. Thin."""

from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _

from dj_learning.conf import settings
from dj_learning.courses.services import recent_years, year_or_current
from dj_learning.members.models import Member
from dj_learning.members.services import member_for
from dj_learning.orgs import scope
from dj_learning.orgs.audit import log_export

from . import services


def _member_in_scope(request, member_id):
    """The member whose transcript is asked for: oneself, or one in the staff's subtree."""
    if member_id is None:
        member = member_for(request.user)
        if member is None:
            raise Http404
        return member
    members = scope.filter_members(request.user, Member.objects.select_related("unit"))
    return get_object_or_404(members, pk=member_id)


@login_required
def transcript_page(request, member_id=None):
    member = _member_in_scope(request, member_id)
    year = year_or_current(request.GET.get("year"))
    return render(
        request,
        "dj_learning/credits/transcript.html",
        {
            "transcript": services.transcript(member, year),
            "member": member,
            "own": member_id is None,
            "years": recent_years(),
        },
    )


@login_required
def transcript_pdf(request, member_id=None):
    member = _member_in_scope(request, member_id)
    year = year_or_current(request.GET.get("year"))
    if member.user_id != request.user.pk:
        log_export(request.user, member, "transcript", year=year)
    from . import documents  # the PDF libraries load only when a PDF is asked for

    return documents.transcript_response(member, year, request=request)


def verify(request, code):
    """Public: is this transcript genuine? Whose, which year, the totals as issued. Nothing else.

    The documents of other apps (certificates) answer first, through
    ``services.verifications``.
    """
    ident = request.META.get("REMOTE_ADDR", "")
    key = f"learning_verify:{ident}"
    count = cache.get_or_set(key, 0, 60)
    if count >= settings.VERIFY_RATE_PER_MINUTE:
        response = render(
            request, "dj_learning/credits/verify.html", {"throttled": True}, status=429
        )
        response["Retry-After"] = "60"
        return response
    try:
        cache.incr(key)
    except ValueError:
        cache.set(key, 1, 60)
    for lookup in services.verifications:
        if (found := lookup(code)) is not None:
            template_name, context = found
            return render(request, template_name, context)
    document = services.find_document(code)
    return render(
        request,
        "dj_learning/credits/verify.html",
        {"document": document, "code": code, "title": _("Verify a transcript")},
        status=200 if document else 404,
    )
