"""The quizzes API: a quiz's rules and the caller's status, start, questions, save, submit, result.

Thin like the views. Attempts are found among the caller's own only (404 for
anyone else's). Questions never carry answers, weights or explanations; the
result carries them only when the quiz allows review.
"""

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja.errors import HttpError

from dj_learning.api_schema import Id, errors, example
from dj_learning.members.services import member_for

from . import grading, services
from .models import AttemptState, Quiz

router = Router(tags=["quizzes"])


def _member(request):
    member = member_for(request.user)
    if member is None:
        raise HttpError(403, _("This account has no member record."))
    return member


def _attempt(request, attempt_id):
    member = _member(request)
    attempt = services.attempt_for(member, attempt_id)
    if attempt is None:
        raise Http404
    attempt.member = member  # the member read once, not again through the attempt
    return attempt


class AttemptOut(Schema):
    id: int
    quiz_id: int
    number: int
    state: str
    started_at: datetime
    deadline: datetime | None
    submitted_at: datetime | None
    score: Decimal | None
    max_score: Decimal
    passed: bool | None


class QuizOut(Schema):
    id: int
    title: str
    intro: str
    module: int | None
    time_limit_minutes: int | None
    attempts_allowed: int
    attempts_left: int | None
    grading_policy: str
    pass_percent: Decimal
    review: str
    opens_at: datetime | None
    closes_at: datetime | None
    can_start: bool
    refusal: str | None
    passed: bool
    grade: AttemptOut | None
    attempts: list[AttemptOut]


class QuestionOut(Schema):
    position: int
    kind: str
    text: str
    points: str
    image: str | None = None
    options: list[dict] | None = None
    items: list[dict] | None = None
    choices: list[str] | None = None


class AttemptDetailOut(AttemptOut):
    questions: list[QuestionOut]
    responses: dict[str, Any]


def _without_nul(value):
    """``value`` with NUL characters dropped from its text (no database stores them)."""
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, list):
        return [_without_nul(v) for v in value]
    if isinstance(value, dict):
        return {_without_nul(k): _without_nul(v) for k, v in value.items()}
    return value


class AnswersIn(Schema):
    model_config = {
        "json_schema_extra": example(
            responses={"1": "a", "2": ["a", "c"], "3": True, "4": "北京", "5": {"p1": "1935"}}
        )
    }

    responses: dict[str, Any] = {}


class ReviewItemOut(Schema):
    question: QuestionOut
    response: Any = None
    state: str | None = None
    score: Decimal | None = None
    max_score: Decimal | None = None
    right_answer: Any = None
    explanation: str = ""
    feedback: str = ""


class ResultOut(AttemptOut):
    review_allowed: bool
    items: list[ReviewItemOut]


class QuizSummaryOut(Schema):
    id: int
    title: str
    module: int | None
    closes_at: datetime | None


@router.get(
    "/quizzes",
    response={200: list[QuizSummaryOut], **errors(403)},
    summary="The quizzes and exams open to the caller",
)
def list_quizzes(request):
    return [
        {"id": q.pk, "title": q.title, "module": q.module_id, "closes_at": q.closes_at}
        for q in services.quizzes_for(_member(request))
    ]


@router.get(
    "/quizzes/{int:quiz_id}",
    response={200: QuizOut, **errors(403)},
    summary="A quiz's rules and the caller's status",
)
def get_quiz(request, quiz_id: Id):
    member = _member(request)
    quiz = Quiz.objects.filter(pk=quiz_id, live=True).first()
    if quiz is None or not services.visible_to(member, quiz):
        raise Http404
    status = services.status(member, quiz)
    return {
        "id": quiz.pk,
        "title": quiz.title,
        "intro": quiz.intro,
        "module": quiz.module_id,
        "time_limit_minutes": quiz.time_limit_minutes,
        "attempts_allowed": quiz.attempts_allowed,
        "attempts_left": status.attempts_left,
        "grading_policy": quiz.grading_policy,
        "pass_percent": quiz.pass_percent,
        "review": quiz.review,
        "opens_at": quiz.opens_at,
        "closes_at": quiz.closes_at,
        "can_start": status.can_start,
        "refusal": status.refusal,
        "passed": status.passed,
        "grade": status.kept,
        "attempts": status.attempts,
    }


def _detail(attempt):
    attempt.questions_out = [grading.for_member(q) for q in attempt.questions]
    return {
        **{field: getattr(attempt, field) for field in AttemptOut.model_fields},
        "questions": attempt.questions_out,
        "responses": attempt.responses,
    }


@router.post(
    "/quizzes/{int:quiz_id}/attempts",
    response={200: AttemptDetailOut, **errors(403)},
    summary="Start an attempt (or get the one in progress) with its questions",
)
def start_attempt(request, quiz_id: Id):
    member = _member(request)
    quiz = Quiz.objects.filter(pk=quiz_id, live=True).first()
    if quiz is None or not services.visible_to(member, quiz):
        raise Http404
    try:
        attempt = services.start(member, quiz)
    except services.QuizError as error:
        raise HttpError(403, str(error)) from error
    return _detail(attempt)


@router.get(
    "/quiz-attempts/{int:attempt_id}",
    response={200: AttemptDetailOut, **errors(403)},
    summary="An attempt with its questions (never their answers) and the answers saved",
)
def get_attempt(request, attempt_id: Id):
    return _detail(_attempt(request, attempt_id))


@router.put(
    "/quiz-attempts/{int:attempt_id}/answers",
    response={200: AttemptDetailOut, **errors(403, 409)},
    summary="Save answers while the attempt runs, keyed by question position",
)
def save_answers(request, attempt_id: Id, answers: AnswersIn):
    attempt = _attempt(request, attempt_id)
    try:
        attempt = services.save_answers(attempt.member, attempt.pk, _without_nul(answers.responses))
    except services.QuizError as error:
        raise HttpError(409, str(error)) from error
    return _detail(attempt)


@router.post(
    "/quiz-attempts/{int:attempt_id}/submit",
    response={200: ResultOut, **errors(403, 409)},
    summary="Submit the attempt (once) with its last answers, and grade it",
)
def submit(request, attempt_id: Id, answers: AnswersIn):
    attempt = _attempt(request, attempt_id)
    try:
        services.submit(attempt.member, attempt.pk, _without_nul(answers.responses))
    except services.QuizError as error:
        raise HttpError(409, str(error)) from error
    return result(request, attempt_id)


@router.get(
    "/quiz-attempts/{int:attempt_id}/result",
    response={200: ResultOut, **errors(403, 409)},
    summary="The grade; answers and explanations only when the quiz allows review",
)
def result(request, attempt_id: Id):
    attempt = _attempt(request, attempt_id)
    if attempt.state == AttemptState.IN_PROGRESS:
        raise HttpError(409, _("This attempt has not been submitted yet."))
    allowed = services.review_allowed(attempt)
    items = [
        {
            "question": item.question,
            "response": item.response,
            "state": item.answer.state if item.answer and allowed else None,
            "score": item.answer.score if item.answer and allowed else None,
            "max_score": item.answer.max_score if item.answer else None,
            "right_answer": item.right_answer,
            "explanation": item.explanation,
            "feedback": item.feedback,
        }
        for item in services.review(attempt, with_answers=allowed)
    ]
    return {
        **{field: getattr(attempt, field) for field in AttemptOut.model_fields},
        "review_allowed": allowed,
        "items": items,
    }
