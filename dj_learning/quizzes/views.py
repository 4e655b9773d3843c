"""The member's quiz pages. Thin: read input, call services, render.

Every page takes the member from the session and finds attempts among the
member's own only, so another member's attempt is a 404.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dj_learning.members.services import member_for

from . import grading, services
from .models import AttemptState, QuestionKind, Quiz


def _member(request):
    member = member_for(request.user)
    if member is None:
        raise Http404
    return member


def _attempt(request, attempt_id):
    member = _member(request)
    attempt = services.attempt_for(member, attempt_id)
    if attempt is None:
        raise Http404
    attempt.member = member  # the member read once, not again through the attempt
    return attempt


def responses_from_post(questions, data):
    """``{position: response}`` from the attempt form: ``q<position>`` fields, and
    ``q<position>-<item id>`` selects for matching questions."""
    responses = {}
    for question in questions:
        name = f"q{question['position']}"
        kind = question["kind"]
        if kind == QuestionKind.MATCHING:
            prefix = name + "-"
            value = {
                key[len(prefix) :]: data[key]
                for key in data
                if key.startswith(prefix) and data[key]
            }
            if value or f"{name}-present" in data:
                responses[str(question["position"])] = value
        elif kind == QuestionKind.MULTIPLE:
            if name in data or f"{name}-present" in data:
                responses[str(question["position"])] = data.getlist(name)
        elif name in data:
            responses[str(question["position"])] = data.get(name)
    return responses


def _wants_json(request):
    return "application/json" in request.headers.get("Accept", "")


@login_required
def quiz_list(request):
    member = _member(request)
    rows = [(quiz, services.status(member, quiz)) for quiz in services.quizzes_for(member)]
    return render(request, "dj_learning/quizzes/quiz_list.html", {"rows": rows, "member": member})


@login_required
def quiz_page(request, quiz_id):
    member = _member(request)
    quiz = get_object_or_404(Quiz, pk=quiz_id, live=True)
    if not services.visible_to(member, quiz):
        raise Http404
    module = services.courses.live_module(quiz.module_id) if quiz.module_id else None
    return render(
        request,
        "dj_learning/quizzes/quiz_page.html",
        {"quiz": quiz, "status": services.status(member, quiz), "module": module},
    )


@require_POST
@login_required
def quiz_start(request, quiz_id):
    member = _member(request)
    quiz = get_object_or_404(Quiz, pk=quiz_id, live=True)
    if not services.visible_to(member, quiz):
        raise Http404
    try:
        attempt = services.start(member, quiz)
    except services.QuizError as error:
        messages.error(request, str(error))
        return redirect("dj_learning:quiz", quiz.pk)
    return redirect("dj_learning:quiz_attempt", attempt.pk)


@login_required
def attempt_page(request, attempt_id):
    attempt = _attempt(request, attempt_id)
    if attempt.state != AttemptState.IN_PROGRESS:
        return redirect("dj_learning:quiz_result", attempt.pk)
    questions = [
        {**grading.for_member(q), "response": attempt.responses.get(str(q["position"]))}
        for q in attempt.questions
    ]
    seconds_left = None
    if attempt.deadline:
        seconds_left = max(0, int((attempt.deadline - timezone.now()).total_seconds()))
    return render(
        request,
        "dj_learning/quizzes/attempt.html",
        {
            "attempt": attempt,
            "quiz": attempt.quiz,
            "questions": questions,
            "seconds_left": seconds_left,
        },
    )


@require_POST
@login_required
def attempt_save(request, attempt_id):
    attempt = _attempt(request, attempt_id)
    responses = responses_from_post(attempt.questions, request.POST)
    try:
        services.save_answers(attempt.member, attempt.pk, responses)
    except services.QuizError as error:
        if _wants_json(request):
            return JsonResponse({"saved": False, "message": str(error)}, status=409)
        messages.error(request, str(error))
        return redirect("dj_learning:quiz_result", attempt.pk)
    if _wants_json(request):
        return JsonResponse({"saved": True, "message": _("Answers saved.")})
    messages.success(request, _("Answers saved."))
    return redirect("dj_learning:quiz_attempt", attempt.pk)


@require_POST
@login_required
def attempt_submit(request, attempt_id):
    attempt = _attempt(request, attempt_id)
    responses = responses_from_post(attempt.questions, request.POST)
    try:
        services.submit(attempt.member, attempt.pk, responses)
    except services.QuizError as error:
        messages.error(request, str(error))
    return redirect("dj_learning:quiz_result", attempt.pk)


@login_required
def attempt_result(request, attempt_id):
    attempt = _attempt(request, attempt_id)
    if attempt.state == AttemptState.IN_PROGRESS:
        return redirect("dj_learning:quiz_attempt", attempt.pk)
    allowed = services.review_allowed(attempt)
    module = None
    if attempt.quiz.module_id:
        module = services.courses.live_module(attempt.quiz.module_id)
    return render(
        request,
        "dj_learning/quizzes/result.html",
        {
            "attempt": attempt,
            "quiz": attempt.quiz,
            "review_allowed": allowed,
            "items": services.review(attempt, with_answers=allowed),
            "module": module,
        },
    )
