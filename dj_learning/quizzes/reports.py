"""Reports for editors: how each quiz went, and which questions members get wrong.

Everything counts only the attempts of members the user may see as staff
(``orgs.scope``, staff roles); a superuser sees all. Each function runs a
fixed number of queries whatever the number of attempts: the counting is done
by the database.
"""

from decimal import Decimal

from django.db.models import Avg, Count, DecimalField, ExpressionWrapper, F, FloatField, Q, Value
from django.db.models.functions import Floor, Least

from dj_learning.orgs import regions, scope

from .models import AnswerState, Attempt, AttemptAnswer, AttemptState, Question, Quiz

STAFF_ROLES = scope.STAFF_ROLES
BUCKETS = 10  # score distribution in tenths: 0–9 %, 10–19 %, … 90–100 %


def can_see_reports(user):
    return scope.has_role(user, STAFF_ROLES)


def of_user_regions(quizzes, user):
    """``quizzes`` less those of other regions than the user's (by the quiz's unit or
    its module's site; ``orgs.regions``): the reports and the quiz chooser list these."""
    return regions.filter_by_page(regions.filter_by_unit(quizzes, user), user, "module")


def _attempts(user, **filters):
    return scope.filter_members(
        user,
        Attempt.objects.filter(**filters).exclude(state=AttemptState.IN_PROGRESS),
        roles=STAFF_ROLES,
        unit_field="member__unit",
    )


def quiz_summaries(user):
    """Every quiz with its submitted, graded and passed attempts and average percent."""
    stats = {
        row["quiz"]: row
        for row in _attempts(user)
        .values("quiz")
        .annotate(
            submitted=Count("pk"),
            graded=Count("pk", filter=Q(state=AttemptState.GRADED)),
            passed=Count("pk", filter=Q(passed=True)),
            average=Avg(
                ExpressionWrapper(
                    F("score") * Value(Decimal(100)) / F("max_score"),
                    output_field=DecimalField(max_digits=8, decimal_places=2),
                ),
                filter=Q(state=AttemptState.GRADED, max_score__gt=0),
            ),
        )
    }
    quizzes = list(of_user_regions(Quiz.objects.order_by("-created_at"), user))
    for quiz in quizzes:
        row = stats.get(quiz.pk, {})
        quiz.submitted = row.get("submitted", 0)
        quiz.graded = row.get("graded", 0)
        quiz.passed_count = row.get("passed", 0)
        average = row.get("average")
        quiz.average = None if average is None else Decimal(average).quantize(Decimal("0.1"))
    return quizzes


def score_distribution(user, quiz):
    """``[(low, high, count)]``: graded attempts by percent, in tenths."""
    counts = dict(
        _attempts(user, quiz=quiz, state=AttemptState.GRADED, max_score__gt=0)
        .annotate(
            bucket=Least(
                Floor(
                    ExpressionWrapper(
                        F("score") * Value(Decimal(BUCKETS)) / F("max_score"),
                        output_field=FloatField(),
                    )
                ),
                Value(float(BUCKETS - 1)),
                output_field=FloatField(),
            )
        )
        .values_list("bucket")
        .annotate(n=Count("pk"))
        .values_list("bucket", "n")
    )
    counts = {int(bucket): n for bucket, n in counts.items()}
    step = 100 // BUCKETS
    return [(i * step, i * step + step, counts.get(i, 0)) for i in range(BUCKETS)]


def pass_rate(user, quiz):
    """``(graded, passed)``: the quiz's graded attempts and how many of them passed."""
    row = _attempts(user, quiz=quiz, state=AttemptState.GRADED).aggregate(
        graded=Count("pk"), passed=Count("pk", filter=Q(passed=True))
    )
    return row["graded"], row["passed"]


def question_stats(user, quiz):
    """Per question asked in ``quiz``: how many answered it right, partly, wrong,
    not at all, or wait for marking; the hardest (lowest share right) first."""
    rows = list(
        AttemptAnswer.objects.filter(attempt__in=_attempts(user, quiz=quiz))
        .values("question_id")
        .annotate(
            total=Count("pk"),
            right=Count("pk", filter=Q(state=AnswerState.RIGHT)),
            partial=Count("pk", filter=Q(state=AnswerState.PARTIAL)),
            wrong=Count("pk", filter=Q(state=AnswerState.WRONG)),
            unanswered=Count("pk", filter=Q(state=AnswerState.UNANSWERED)),
            pending=Count("pk", filter=Q(state=AnswerState.PENDING)),
        )
    )
    questions = Question.objects.in_bulk([r["question_id"] for r in rows if r["question_id"]])
    for row in rows:
        row["question"] = questions.get(row["question_id"])
        marked = row["total"] - row["pending"]
        row["right_percent"] = round(row["right"] * 100 / marked) if marked else None
    rows.sort(key=lambda r: (r["right_percent"] is None, r["right_percent"] or 0))
    return rows
