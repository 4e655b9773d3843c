"""Members' pages of their voice: suggestions (send, follow, publish) and polls. Thin."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dj_learning import uploads
from dj_learning.members.services import member_for

from . import charts, services
from .forms import SuggestionForm
from .models import Poll, Question, Suggestion

PAGE_SIZE = 20


def _member(request):
    member = member_for(request.user)
    if member is None:
        raise Http404(_("This account has no member record."))
    return member


@login_required
def suggestions(request):
    """My suggestions, and the form to send one (a refused form keeps what was typed)."""
    member = _member(request)
    form = SuggestionForm(request.POST or None, request.FILES or None, member=member)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            suggestion = services.submit(
                member,
                title=data["title"],
                text=data["text"],
                category=data.get("category"),
                kind=data["kind"],
                show_name=data["show_name"],
                attachment=data.get("attachment"),
            )
        except services.VoiceError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                _("Sent. Your tracking number is %(number)s.") % {"number": suggestion.number},
            )
            return redirect("dj_learning:suggestion", suggestion.pk)
    page = Paginator(services.mine(member), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "dj_learning/voice/suggestions.html", {"form": form, "page_obj": page})


@login_required
def published(request):
    member = _member(request)
    page = Paginator(services.published_in_region(member), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    rows = [(s, services.shown_name(s, member)) for s in page]
    return render(request, "dj_learning/voice/published.html", {"page_obj": page, "rows": rows})


@login_required
def suggestion(request, pk):
    """One suggestion: its sender's own, or one published in the member's region (else 404)."""
    member = _member(request)
    item = services.for_member(request.user, pk)
    if item is None:
        raise Http404
    return render(
        request,
        "dj_learning/voice/suggestion.html",
        {
            "suggestion": item,
            "own": item.member_id == member.pk,
            "sender": services.shown_name(item, member),
            "replies": services.replies(item),
        },
    )


@require_POST
@login_required
def publish(request, pk):
    member = _member(request)
    item = get_object_or_404(Suggestion, pk=pk, member=member)
    try:
        services.publish(item, member, published=request.POST.get("published") == "1")
    except services.VoiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("Published for the members of your region.")
            if item.published
            else _("No longer published."),
        )
    return redirect("dj_learning:suggestion", item.pk)


@login_required
def attachment(request, pk):
    """The attachment, for its sender and the staff of its unit only."""
    item = get_object_or_404(Suggestion.objects.select_related("unit", "member"), pk=pk)
    member = member_for(request.user)
    own = member is not None and item.member_id == member.pk
    if not (own or services.staff_may_handle(request.user, item)):
        raise Http404
    return uploads.serve_private(item.attachment, as_attachment=False)


# -- Polls -------------------------------------------------------------------------------------


@login_required
def polls(request):
    member = _member(request)
    now = timezone.now()
    page = Paginator(services.polls_for(member, now), PAGE_SIZE).get_page(request.GET.get("page"))
    voted = services.voted_poll_ids(member, [p.pk for p in page])
    rows = [(p, p.pk in voted, p.is_open(now)) for p in page]
    return render(request, "dj_learning/voice/polls.html", {"page_obj": page, "rows": rows})


def _answers_from(post, questions):
    answers = []
    for question in questions:
        name = f"q{question.pk}"
        if question.type in Question.CHOICE_TYPES:
            answers.append({"question": question.pk, "options": post.getlist(name)})
        elif question.type == Question.Type.RATING:
            answers.append({"question": question.pk, "rating": post.get(name)})
        else:
            answers.append({"question": question.pk, "text": post.get(name, "")})
    return answers


@login_required
def poll(request, pk):
    """Answer a poll of the member's audience, or see its results when they are shown."""
    member = _member(request)
    item = get_object_or_404(Poll.objects.select_related("unit"), pk=pk)
    if not services.in_audience(member, item) or item.opens_at > timezone.now():
        raise Http404
    questions = list(services.questions_of(item))
    error = None
    if request.method == "POST":
        try:
            services.respond(member, item, _answers_from(request.POST, questions))
        except services.PollError as refused:
            error = refused.message
            for question in questions:  # the refused form keeps what was chosen and typed
                question.kept = request.POST.getlist(f"q{question.pk}")
        else:
            messages.success(request, _("Thank you: your answers are saved."))
            return redirect("dj_learning:poll", item.pk)
    voted = services.has_voted(member, item)
    results = None
    if services.may_see_results(request.user, member, item):
        results = services.results(item)
        for row in results["questions"]:
            row["chart"] = (
                charts.bar_chart(row["bars"], title=row["question"].text) if row["bars"] else ""
            )
    return render(
        request,
        "dj_learning/voice/poll.html",
        {
            "poll": item,
            "questions": questions,
            "voted": voted,
            "open": item.is_open(),
            "error": error,
            "results": results,
        },
        status=400 if error else 200,
    )
