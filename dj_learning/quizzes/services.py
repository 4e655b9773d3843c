"""Business rules of quizzes: who may take a quiz, attempts, saving, grading, marking.

Views, the API, jobs and commands call these; they take members, quizzes,
attempts and plain values, never a request. Every change to an attempt locks
its row first, so two tabs, two devices or two requests at once cannot
submit twice or grade twice.
"""

import logging
import random
import secrets
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from dj_learning.conf import settings
from dj_learning.courses import services as courses
from dj_learning.members.services import person_name

from . import grading, signals
from .models import (
    AnswerState,
    Attempt,
    AttemptAnswer,
    AttemptState,
    GradingPolicy,
    Question,
    QuestionKind,
    Quiz,
    QuizItem,
    ReviewPolicy,
)

logger = logging.getLogger(__name__)


class QuizError(Exception):
    """A quiz action that is refused; ``str()`` is a message for the member."""


# -- Building quizzes -------------------------------------------------------------------


def create_quiz(title, *, questions=(), draws=(), module=None, unit=None, **rules):
    """Create a quiz from questions and random draws; for demos, tests and imports.

    ``questions`` are ``Question`` objects asked as they are; ``draws`` are
    ``(category, count)`` pairs, each drawing ``count`` random questions from
    the category and those below it. ``rules`` are other ``Quiz`` fields
    (``time_limit_minutes``, ``attempts_allowed``, ``grading_policy``,
    ``pass_percent``, ``review``, ``opens_at``, ``closes_at``,
    ``shuffle_questions``, ``shuffle_options``, ``intro``).
    """
    with transaction.atomic():
        quiz = Quiz.objects.create(title=title, module=module, unit=unit, **rules)
        items = [QuizItem(quiz=quiz, question=q, sort_order=i) for i, q in enumerate(questions)]
        items += [
            QuizItem(quiz=quiz, category=category, count=count, sort_order=len(items) + i)
            for i, (category, count) in enumerate(draws)
        ]
        QuizItem.objects.bulk_create(items)
    return quiz


def quiz_for_module(module):
    """The live quiz of a module page, or ``None``."""
    return Quiz.objects.filter(module_id=module.pk, live=True).first()


def _question_snapshot(question):
    image = None
    if question.image_id:
        image = question.image.file.url
    return {
        "id": question.pk,
        "kind": question.kind,
        "name": question.name,
        "text": question.text,
        "points": str(question.points),
        "explanation": question.explanation,
        "keep_order": question.keep_option_order,
        "image": image,
        "data": question.data,
    }


def _category_filter(category):
    return Q(category__bank_id=category.bank_id) & (
        Q(category__path=category.path) | Q(category__path__startswith=category.path + "/")
    )


def draw_questions(quiz, seed):
    """The quiz's questions for an attempt with ``seed``: fixed ones and random draws.

    The same seed and the same bank give the same questions, so a draw can
    be checked again later. A question is asked once even if a draw could
    pick a fixed question again. Raises ``QuizError`` if a category holds
    fewer questions than its draw needs.
    """
    rng = random.Random(seed)
    items = list(quiz.items.select_related("category").order_by("sort_order", "pk"))
    chosen = [item.question_id for item in items if item.question_id]
    taken = set(chosen)
    for item in items:
        if item.category_id is None:
            continue
        candidates = [
            pk
            for pk in Question.objects.filter(_category_filter(item.category))
            .order_by("pk")
            .values_list("pk", flat=True)
            if pk not in taken
        ]
        if len(candidates) < item.count:
            raise QuizError(
                _("The category “%(category)s” has too few questions for this quiz.")
                % {"category": item.category.path}
            )
        picked = rng.sample(candidates, item.count)
        chosen.extend(picked)
        taken.update(picked)
    by_pk = Question.objects.select_related("image").in_bulk(chosen)
    return [_question_snapshot(by_pk[pk]) for pk in chosen if pk in by_pk]


def attempt_questions(quiz, seed):
    """The questions of an attempt with ``seed``, drawn and in the order the member sees
    them: shuffled as the quiz says, options too except in questions that keep their order."""
    return grading.shuffled(
        draw_questions(quiz, seed),
        seed,
        shuffle_questions=quiz.shuffle_questions,
        shuffle_options=quiz.shuffle_options,
    )


# -- Who may take a quiz ----------------------------------------------------------------


def refusal(member, quiz, now=None):
    """Why ``member`` may not take ``quiz`` now (a message), or ``None`` if they may."""
    now = now or timezone.now()
    if member is None or member.status != member.Status.ACTIVE:
        return _("Only active members can take quizzes.")
    if not quiz.live:
        return _("This quiz is not open.")
    if quiz.opens_at and now < quiz.opens_at:
        return _("This quiz opens on %(when)s.") % {
            "when": timezone.localtime(quiz.opens_at).strftime("%Y-%m-%d %H:%M")
        }
    if quiz.closes_at and now >= quiz.closes_at:
        return _("This quiz is closed.")
    if quiz.module_id:
        module = courses.live_module(quiz.module_id)
        if module is None or not courses.is_enrolled(member, module):
            return _("Enrol in the course of this quiz's module first.")
    elif quiz.unit_id and not member.unit.path.startswith(quiz.unit.path):
        return _("This exam is for members of other units.")
    return None


def visible_to(member, quiz):
    """May ``member`` see the quiz's start page (not necessarily start it)?

    A module's quiz is for the members the module is for (its course's region and
    audience, or their plan); an exam for its unit's subtree.
    """
    if member is None or not quiz.live:
        return False
    if quiz.module_id:
        return quiz.module_id in courses.modules_open_to(member, [quiz.module_id])
    return quiz.unit_id is None or member.unit.path.startswith(quiz.unit.path)


def quizzes_for(member):
    """The live quizzes meant for ``member``, newest first: exams for their unit's subtree
    and the quizzes of modules open to them (not another region's copy)."""
    quizzes = list(
        Quiz.objects.filter(live=True)
        .filter(Q(unit__isnull=True) | Q(unit__path__in=member.unit.ancestor_paths()))
        .order_by("-created_at")
    )
    modules = courses.modules_open_to(member, [q.module_id for q in quizzes if q.module_id])
    return [q for q in quizzes if q.module_id is None or q.module_id in modules]


def due_for(member, now=None, limit=5):
    """The quizzes ``member`` still has to pass and may take now, closing soonest first
    (those without a close date last): ``[(quiz, attempts_left or None)]``. Two queries
    beside ``quizzes_for``, however many quizzes."""
    now = now or timezone.now()
    quizzes = [
        q
        for q in quizzes_for(member)
        if (q.opens_at is None or q.opens_at <= now) and (q.closes_at is None or now < q.closes_at)
    ]
    used, passed = {}, set()
    for quiz_id, was_passed in Attempt.objects.filter(
        member=member, quiz__in=[q.pk for q in quizzes]
    ).values_list("quiz_id", "passed"):
        used[quiz_id] = used.get(quiz_id, 0) + 1
        if was_passed:
            passed.add(quiz_id)
    due = []
    for quiz in quizzes:
        left = (
            max(0, quiz.attempts_allowed - used.get(quiz.pk, 0)) if quiz.attempts_allowed else None
        )
        if quiz.pk not in passed and left != 0:
            due.append((quiz, left))
    far = now + timedelta(days=36500)
    due.sort(key=lambda row: (row[0].closes_at or far, row[0].title))
    return due[:limit]


# -- Attempts ----------------------------------------------------------------------------


def grace():
    return timedelta(seconds=settings.QUIZ_GRACE_SECONDS)


def is_overdue(attempt, now=None):
    """Has the time to answer run out (deadline plus grace)?"""
    now = now or timezone.now()
    return attempt.deadline is not None and now > attempt.deadline + grace()


def kept_attempt(attempts, policy):
    """The graded attempt whose grade counts under ``policy``, or ``None``."""
    graded = sorted((a for a in attempts if a.state == AttemptState.GRADED), key=lambda a: a.number)
    if not graded:
        return None
    if policy == GradingPolicy.FIRST:
        return graded[0]
    if policy == GradingPolicy.LAST:
        return graded[-1]
    return max(graded, key=lambda a: (a.percent, -a.number))


@dataclass
class QuizStatus:
    quiz: object
    attempts: list = field(default_factory=list)
    attempts_left: int | None = None
    kept: object = None
    best: object = None
    in_progress: object = None
    refusal: str | None = None

    @property
    def can_start(self):
        return self.in_progress is not None or (
            self.refusal is None and (self.attempts_left is None or self.attempts_left > 0)
        )

    @property
    def passed(self):
        return self.kept is not None and self.kept.passed


def status(member, quiz, now=None):
    """What the start page shows: attempts, attempts left, the grade that counts.

    Closes the member's overdue attempt first, so the page never offers to
    resume an attempt whose time is up.
    """
    now = now or timezone.now()
    attempts = list(
        Attempt.objects.filter(quiz=quiz, member=member).defer("questions").order_by("number")
    )
    for attempt in attempts:
        if attempt.state == AttemptState.IN_PROGRESS and _past_time(attempt, quiz, now):
            close(attempt.pk, now=now)
            attempts = list(
                Attempt.objects.filter(quiz=quiz, member=member)
                .defer("questions")
                .order_by("number")
            )
            break
    result = QuizStatus(quiz=quiz, attempts=attempts, refusal=refusal(member, quiz, now))
    if quiz.attempts_allowed:
        result.attempts_left = max(0, quiz.attempts_allowed - len(attempts))
    result.kept = kept_attempt(attempts, quiz.grading_policy)
    result.best = kept_attempt(attempts, GradingPolicy.HIGHEST)
    result.in_progress = next((a for a in attempts if a.state == AttemptState.IN_PROGRESS), None)
    return result


def _past_time(attempt, quiz, now):
    closes = quiz.closes_at and now > quiz.closes_at + grace()
    return is_overdue(attempt, now) or bool(closes)


def start(member, quiz, now=None):
    """Start an attempt, or return the member's attempt in progress (resuming it).

    Raises ``QuizError`` when the member may not take the quiz or has used
    every attempt. Parallel calls for the same member wait for each other on
    the member's row, so they never start more attempts than allowed.
    """
    from dj_learning.members.models import Member

    now = now or timezone.now()
    if reason := refusal(member, quiz, now):
        raise QuizError(reason)
    try:
        with transaction.atomic():
            Member.objects.select_for_update().only("pk").get(pk=member.pk)
            attempts = list(
                Attempt.objects.filter(quiz=quiz, member=member)
                .only("pk", "number", "state", "deadline")
                .order_by("number")
            )
            current = next((a for a in attempts if a.state == AttemptState.IN_PROGRESS), None)
            if current is not None:
                if not is_overdue(current, now):
                    return Attempt.objects.get(pk=current.pk)
                close(current.pk, now=now)
            if quiz.attempts_allowed and len(attempts) >= quiz.attempts_allowed:
                raise QuizError(_("You have used all your attempts at this quiz."))
            seed = secrets.randbits(48)
            questions = attempt_questions(quiz, seed)
            if not questions:
                raise QuizError(_("This quiz has no questions yet."))
            deadline = None
            if quiz.time_limit_minutes:
                deadline = now + timedelta(minutes=quiz.time_limit_minutes)
            if quiz.closes_at and (deadline is None or quiz.closes_at < deadline):
                deadline = quiz.closes_at
            attempt = Attempt.objects.create(
                quiz=quiz,
                member=member,
                number=(attempts[-1].number if attempts else 0) + 1,
                seed=seed,
                started_at=now,
                deadline=deadline,
                year=courses.study_year(now),
                questions=questions,
                max_score=sum((Decimal(q["points"]) for q in questions), Decimal("0")),
                pass_percent=quiz.pass_percent,
                quiz_title=quiz.title,
            )
    except IntegrityError as error:  # a parallel start took the number a moment ago
        raise QuizError(_("An attempt was started a moment ago; reload the page.")) from error
    return attempt


def attempt_for(member, attempt_id, now=None):
    """The member's own attempt with ``attempt_id`` (``None`` for anyone else's).

    An attempt whose time ran out is closed and graded on the way.
    """
    attempt = Attempt.objects.select_related("quiz").filter(pk=attempt_id, member=member).first()
    if (
        attempt
        and attempt.state == AttemptState.IN_PROGRESS
        and _past_time(attempt, attempt.quiz, now or timezone.now())
    ):
        close(attempt.pk, now=now)
        attempt.refresh_from_db()
    return attempt


def clean_response(question, value):
    """A response as stored for ``question``'s kind; anything unusable becomes ``None``."""
    kind = question["kind"]
    data = question.get("data") or {}
    if value is None:
        return None
    if kind == QuestionKind.SINGLE:
        ids = {str(o["id"]) for o in data.get("options", [])}
        return str(value) if str(value) in ids else None
    if kind == QuestionKind.MULTIPLE:
        ids = {str(o["id"]) for o in data.get("options", [])}
        values = value if isinstance(value, list) else [value]
        return sorted({str(v) for v in values if str(v) in ids})
    if kind == QuestionKind.TRUEFALSE:
        if isinstance(value, bool):
            return value
        return {"true": True, "false": False}.get(str(value).strip().lower())
    if kind == QuestionKind.MATCHING:
        if not isinstance(value, dict):
            return None
        ids = {str(p["id"]) for p in data.get("pairs", []) if str(p.get("left", "")).strip()}
        choices = set(data.get("choices", []))
        return {str(k): str(v) for k, v in value.items() if str(k) in ids and str(v) in choices}
    limit = 10000 if kind == QuestionKind.SHORT else 500
    return str(value)[:limit]


def _merge(attempt, responses):
    by_position = {str(q["position"]): q for q in attempt.questions}
    for key, value in responses.items():
        question = by_position.get(str(key))
        if question is not None:
            attempt.responses[str(key)] = clean_response(question, value)


def save_answers(member, attempt_id, responses, now=None):
    """Save answers while the attempt runs (autosave). Returns the attempt.

    ``responses`` maps positions to responses; answers to other positions are
    ignored. After the deadline plus grace nothing is saved: the attempt is
    closed with the answers saved in time and ``QuizError`` says so.
    """
    now = now or timezone.now()
    with transaction.atomic():
        attempt = _locked(member, attempt_id)
        if attempt.state != AttemptState.IN_PROGRESS:
            raise QuizError(_("This attempt has been submitted already."))
        if _past_time(attempt, attempt.quiz, now):
            late = True
        else:
            late = False
            _merge(attempt, responses)
            attempt.save(update_fields=["responses"])
    if late:
        close(attempt.pk, now=now)
        raise QuizError(_("Time is up: answers sent after the time limit are not counted."))
    return attempt


def _locked(member, attempt_id):
    attempt = (
        Attempt.objects.select_for_update(of=("self",))
        .select_related("quiz")
        .filter(pk=attempt_id)
        .first()
    )
    if attempt is None or (member is not None and attempt.member_id != member.pk):
        raise Attempt.DoesNotExist
    return attempt


def submit(member, attempt_id, responses=None, now=None):
    """Submit an attempt with its last answers and grade it. Returns the attempt.

    Submits once only: a second submit (another tab, a double click, a
    parallel request) raises ``QuizError`` and changes nothing. Answers sent
    after the deadline plus grace are not counted; the answers saved in time
    are graded. A fixed number of queries, whatever the number of questions.
    """
    now = now or timezone.now()
    with transaction.atomic():
        attempt = _locked(member, attempt_id)
        if attempt.state != AttemptState.IN_PROGRESS:
            raise QuizError(_("This attempt has been submitted already."))
        late = _past_time(attempt, attempt.quiz, now)
        if responses and not late:
            _merge(attempt, responses)
        _grade(attempt, now)
    if late and responses:
        raise QuizError(_("Time is up: answers sent after the time limit are not counted."))
    return attempt


def close(attempt_id, now=None):
    """Submit an attempt whose time ran out with the answers saved in time. Idempotent."""
    now = now or timezone.now()
    with transaction.atomic():
        attempt = _locked(None, attempt_id)
        if attempt.state != AttemptState.IN_PROGRESS:
            return attempt
        _grade(attempt, now)
    return attempt


def close_overdue(now=None):
    """Close every attempt whose time ran out; the django-q2 schedule calls it. Returns a count."""
    now = now or timezone.now()
    overdue = Attempt.objects.filter(state=AttemptState.IN_PROGRESS).filter(
        Q(deadline__lt=now - grace()) | Q(quiz__closes_at__lt=now - grace())
    )
    count = 0
    for pk in overdue.values_list("pk", flat=True):
        close(pk, now=now)
        count += 1
    return count


def _grade(attempt, now):
    """Grade a locked attempt in progress: one answer row per question, then the total."""
    grades = grading.grade_all(attempt.questions, attempt.responses)
    AttemptAnswer.objects.bulk_create(
        [
            AttemptAnswer(
                attempt=attempt,
                position=question["position"],
                question_id=question.get("id"),
                kind=question["kind"],
                response=attempt.responses.get(str(question["position"])),
                score=result.score,
                max_score=result.max_score,
                state=result.state,
            )
            for question, result in zip(attempt.questions, grades, strict=True)
        ],
    )
    attempt.submitted_at = now
    if any(result.state == AnswerState.PENDING for result in grades):
        attempt.state = AttemptState.MARKING
        attempt.save(update_fields=["state", "submitted_at", "responses"])
        return
    _finish(attempt, sum((r.score for r in grades), Decimal("0")), now)


def _finish(attempt, score, now):
    attempt.score = score
    attempt.state = AttemptState.GRADED
    attempt.graded_at = now
    attempt.passed = bool(attempt.max_score) and (
        score * 100 >= attempt.pass_percent * attempt.max_score
    )
    attempt.save(
        update_fields=["score", "state", "graded_at", "passed", "submitted_at", "responses"]
    )
    if attempt.passed:
        pk = attempt.pk
        transaction.on_commit(lambda: after_pass(pk), robust=True)


def after_pass(attempt_id, now=None):
    """Once per passed attempt: send ``quiz_passed`` and try to complete the module.

    Runs after the grading transaction committed. Safe to run again (a job
    that retries): the attempt is marked as announced in the same update that
    claims it, so the signal goes out once.
    """
    now = now or timezone.now()
    claimed = Attempt.objects.filter(pk=attempt_id, passed=True, notified_at__isnull=True).update(
        notified_at=now
    )
    if not claimed:
        return False
    attempt = Attempt.objects.select_related("quiz", "member__unit").get(pk=attempt_id)
    module = courses.live_module(attempt.quiz.module_id) if attempt.quiz.module_id else None
    for receiver, error in signals.quiz_passed.send_robust(
        sender=Attempt,
        attempt=attempt,
        member=attempt.member,
        quiz=attempt.quiz,
        module=module,
        score=attempt.score,
        max_score=attempt.max_score,
        full_marks=attempt.score == attempt.max_score,
    ):
        if isinstance(error, Exception):
            logger.error(
                "quiz_passed listener %r failed for attempt %s",
                receiver,
                attempt_id,
                exc_info=error,
            )
    if module is not None:
        courses.try_complete(attempt.member, module, now=now)
    return True


# -- Review ------------------------------------------------------------------------------


def review_allowed(attempt, now=None):
    """May the member see the right answers and explanations of ``attempt`` now?

    Never before the attempt is graded. "When finished" (the default) means
    once the member has no attempt left or the quiz has closed, so that a
    member who failed cannot copy the key into the next attempt. "After the
    quiz closes" means after its close date; a quiz without one shows them
    once the member has no attempts left.
    """
    if attempt.state != AttemptState.GRADED:
        return False
    quiz = attempt.quiz
    if quiz.review == ReviewPolicy.IMMEDIATELY:
        return True
    if quiz.review == ReviewPolicy.NEVER:
        return False
    now = now or timezone.now()
    closed = bool(quiz.closes_at) and now >= quiz.closes_at
    if quiz.review == ReviewPolicy.FINISHED and closed:
        return True
    if quiz.review == ReviewPolicy.AFTER_CLOSE and quiz.closes_at:
        return closed
    if not quiz.attempts_allowed:
        return False
    used = Attempt.objects.filter(quiz=quiz, member_id=attempt.member_id).count()
    return used >= quiz.attempts_allowed


@dataclass
class ReviewItem:
    question: dict
    answer: object
    response: object
    right_answer: object = None
    explanation: str = ""
    feedback: str = ""


def review(attempt, *, with_answers):
    """Each question of a submitted attempt with the member's response and score.

    The right answers, explanations and feedback are included only when
    ``with_answers`` (see ``review_allowed``).
    """
    answers = {a.position: a for a in attempt.answers.all()}
    items = []
    for question in attempt.questions:
        response = attempt.responses.get(str(question["position"]))
        item = ReviewItem(
            question=grading.for_member(question),
            answer=answers.get(question["position"]),
            response=response,
        )
        if with_answers:
            item.right_answer = grading.correct_answer(question)
            item.explanation = question.get("explanation", "")
            item.feedback = grading.grade(question, response).feedback
        items.append(item)
    return items


# -- Module completion -------------------------------------------------------------------


def module_quiz_passed(member, module):
    """Completion requirement: the module's quiz, if it has one, is passed (the grade
    that counts under the quiz's policy)."""
    quiz = quiz_for_module(module)
    if quiz is None:
        return True
    attempts = Attempt.objects.filter(quiz=quiz, member=member, state=AttemptState.GRADED).only(
        "pk", "number", "state", "score", "max_score", "passed"
    )
    kept = kept_attempt(list(attempts), quiz.grading_policy)
    return kept is not None and bool(kept.passed)


def _describe_requirement(member, module):
    from django.urls import reverse
    from django.utils.html import format_html

    quiz = quiz_for_module(module)
    if quiz is None:
        return []
    return [
        format_html(
            '<a href="{}" data-testid="module-quiz-link">{}</a>',
            reverse("dj_learning:quiz", args=[quiz.pk]),
            _("Pass the quiz “%(title)s”") % {"title": quiz.title},
        )
    ]


module_quiz_passed.describe = _describe_requirement


# -- Hand marking ------------------------------------------------------------------------


def marking_queue(user):
    """Answers waiting for a marker, of members ``user`` may see (staff scope), oldest first."""
    from dj_learning.orgs import scope

    answers = AttemptAnswer.objects.filter(state=AnswerState.PENDING).select_related(
        "attempt__quiz", "attempt__member__unit"
    )
    answers = scope.filter_members(
        user, answers, roles=scope.STAFF_ROLES, unit_field="attempt__member__unit"
    )
    return answers.order_by("attempt__submitted_at", "position")


def mark(answer_id, *, score, comment="", marker, now=None):
    """Mark one hand-marked answer. When the attempt's last one is marked, grade it.

    ``score`` is between 0 and the question's points. Raises ``QuizError``
    otherwise, or if the answer was marked already. Returns the attempt.
    """
    now = now or timezone.now()
    try:
        score = Decimal(str(score)).quantize(grading.CENT)
    except ArithmeticError as error:
        raise QuizError(_("Enter the score as a number.")) from error
    with transaction.atomic():
        attempt_id = AttemptAnswer.objects.values_list("attempt_id", flat=True).get(pk=answer_id)
        attempt = _locked(None, attempt_id)
        answer = AttemptAnswer.objects.get(pk=answer_id)
        if answer.state != AnswerState.PENDING:
            raise QuizError(_("This answer has been marked already."))
        if not Decimal("0") <= score <= answer.max_score:
            raise QuizError(
                _("The score must be between 0 and %(points)s.") % {"points": answer.max_score}
            )
        answer.score = score
        answer.marking = {
            "by": marker.pk,
            "name": person_name(marker),
            "at": now.isoformat(),
            "comment": comment,
        }
        answer.state = (
            AnswerState.RIGHT
            if score == answer.max_score
            else AnswerState.PARTIAL
            if score > 0
            else AnswerState.WRONG
        )
        answer.save(update_fields=["score", "marking", "state"])
        rows = list(attempt.answers.values_list("state", "score"))
        if attempt.state == AttemptState.MARKING and not any(
            state == AnswerState.PENDING for state, _score in rows
        ):
            _finish(attempt, sum((s for _state, s in rows), Decimal("0")), now)
    return attempt


# -- Transcript -------------------------------------------------------------------------


def results_for_year(member, year):
    """The graded attempts of ``member`` in study ``year`` that count, one per quiz."""
    attempts = list(
        Attempt.objects.filter(member=member, year=year, state=AttemptState.GRADED)
        .select_related("quiz")
        .defer("questions", "responses", "quiz__intro")
        .order_by("graded_at")
    )
    by_quiz = {}
    for attempt in attempts:
        by_quiz.setdefault(attempt.quiz_id, []).append(attempt)
    kept = [kept_attempt(group, group[0].quiz.grading_policy) for group in by_quiz.values()]
    return sorted((a for a in kept if a), key=lambda a: a.graded_at)


def transcript_section(member, year):
    """The transcript's "quiz and exam results" section, or ``None`` without results."""
    from dj_learning.credits.services import TranscriptSection

    results = results_for_year(member, year)
    if not results:
        return None
    return TranscriptSection(
        title=_("Quiz and exam results"),
        columns=[_("Quiz"), _("Date"), _("Score"), _("Result")],
        rows=[
            [
                a.quiz_title,
                timezone.localtime(a.graded_at).date().isoformat(),
                f"{a.score.normalize():f} / {a.max_score.normalize():f}",
                _("Passed") if a.passed else _("Not passed"),
            ]
            for a in results
        ],
    )
