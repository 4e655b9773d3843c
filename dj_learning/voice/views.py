"""Members' pages of their voice: suggestions (send, follow, publish) and polls. Thin."""

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from wagtail.log_actions import log

from dj_learning import charts, uploads
from dj_learning.conf import settings
from dj_learning.members.services import member_for
from dj_learning.orgs import scope

from . import discussion, services
from .forms import SuggestionForm
from .models import Comment, Poll, Question, Suggestion

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


# -- Discussion under modules -------------------------------------------------------------


def _module(pk):
    from dj_learning.courses.models import ModulePage

    return get_object_or_404(ModulePage.objects.live(), pk=pk)


def _comment_rows(comments, member, user, editor):
    """What each reader sees of a comment: a hidden one only its author and its moderators
    (the module's editors, staff of the author's unit)."""
    rows = []
    edit_until = timezone.now() - timedelta(minutes=settings.COMMENT_EDIT_MINUTES)
    for comment in comments:
        own = member is not None and comment.member_id == member.pk
        moderate = editor or scope.can_see_unit(user, comment.member.unit, roles=scope.STAFF_ROLES)
        rows.append(
            {
                "comment": comment,
                "own": own,
                "moderate": moderate,
                "visible": comment.hidden_at is None or own or moderate,
                "html": discussion.render_text(comment.text),
                "editable": own and comment.created_at >= edit_until,
            }
        )
    return rows


@login_required
def module_discussion(request, pk):
    """A module's comments with their replies; members post, reply, edit, report; moderators
    hide (with a reason the author sees) and close the discussion."""
    module = _module(pk)
    member = member_for(request.user)
    if not discussion.may_read(request.user, member, module):
        raise Http404  # another audience's module: as for a missing one
    editor = module.permissions_for_user(request.user).can_edit()
    may_post = discussion.in_audience(member, module)
    error, typed = None, ""
    if request.method == "POST":
        if not may_post:
            raise PermissionDenied(
                _("Only members who may study this module take part in its discussion.")
            )
        parent = None
        if request.POST.get("parent"):
            parent = get_object_or_404(Comment, pk=request.POST["parent"], module=module)
        try:
            comment = discussion.post(member, module, request.POST.get("text", ""), parent=parent)
        except services.VoiceError as refused:
            error, typed = refused.message, request.POST.get("text", "")
        else:
            return redirect(f"{request.path}#comment-{comment.pk}")
    threads = [
        (row, _comment_rows(row["comment"].replies.all(), member, request.user, editor))
        for row in _comment_rows(discussion.thread(module), member, request.user, editor)
    ]
    return render(
        request,
        "dj_learning/voice/discussion.html",
        {
            "module": module,
            "threads": threads,
            "open": discussion.is_open(module),
            "may_post": may_post,
            "editor": editor,
            "error": error,
            "typed": typed,
        },
        status=400 if error else 200,
    )


@require_POST
@login_required
def comment_action(request, pk):
    """Edit (the author), report (a member), hide or show again (a moderator)."""
    comment = get_object_or_404(
        Comment.objects.select_related("module", "member__unit", "member__user"), pk=pk
    )
    member = member_for(request.user)
    action = request.POST.get("action")
    try:
        if action == "edit" and member is not None:
            discussion.edit(member, comment, request.POST.get("text", ""))
            messages.success(request, _("Comment saved."))
        elif action == "report" and member is not None:
            discussion.report(member, comment, request.POST.get("reason", ""))
            messages.success(request, _("Thank you: moderators will look at it."))
        elif action == "hide":
            discussion.hide(request.user, comment, request.POST.get("reason", ""))
            log(comment, "learning_voice.hide", user=request.user,
                data={"reason": comment.hidden_reason})  # fmt: skip
            messages.success(request, _("The comment is hidden."))
        elif action == "show":
            discussion.unhide(request.user, comment)
            log(comment, "learning_voice.show", user=request.user)
            messages.success(request, _("The comment is shown again."))
        else:
            raise Http404
    except services.VoiceError as refused:
        if refused.code in ("forbidden", "not_audience"):
            raise Http404 from None
        messages.error(request, refused.message)
    return redirect(
        reverse("dj_learning:discussion", args=[comment.module_id]) + f"#comment-{comment.pk}"
    )


@require_POST
@login_required
def discussion_switch(request, pk):
    module = _module(pk)
    if not module.permissions_for_user(request.user).can_edit():
        raise Http404
    discussion.set_open(module, request.POST.get("open") == "1")
    return redirect("dj_learning:discussion", module.pk)
