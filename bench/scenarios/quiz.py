"""Quiz grading: ``quizzes.services.submit`` of 10- and 100-question attempts.

Submitting locks the attempt, grades every question from the attempt's
snapshot in Python, writes one answer row per question in one insert and the
attempt's grade. Each run starts ``--requests`` attempts (by as many members,
untimed), then times submitting and grading them all: attempts graded per
second. The queries of one submit must be the same for 10 and 100 questions
(``tests/test_quizzes.py`` pins them); the ratio 100/10 shows what the extra
questions cost in time.
"""

import time

from bench import data, measure
from dj_learning.quizzes import services
from dj_learning.test import factories

TITLE = "Quizzes: submitting and grading an attempt"
SCENARIO = "submit + grade"
SIZES = (10, 100)
KINDS = ("single", "multiple", "truefalse", "fill", "matching", "numerical")


def _quiz(count):
    bank = factories.question_bank()
    questions = [factories.question(KINDS[i % len(KINDS)], bank=bank) for i in range(count)]
    # Shuffled like a real quiz: the grading must follow the order the member saw.
    return factories.quiz(
        questions=questions, attempts_allowed=0, shuffle_questions=True, shuffle_options=True
    )


def _responses(attempt):
    return {str(q["position"]): factories.RIGHT_RESPONSES[q["kind"]] for q in attempt.questions}


def run(ctx):
    _region, branches = data.region_with_branches(1)
    members = [factories.member(unit=branches[0]) for _ in range(ctx.requests + 1)]
    results = []
    for count in SIZES:
        quiz = _quiz(count)
        probe = services.start(members[-1], quiz)
        responses = _responses(probe)
        queries = measure.count_queries(
            lambda probe=probe, responses=responses: services.submit(
                members[-1], probe.pk, responses
            )
        )
        probe.refresh_from_db()
        if probe.score != probe.max_score:
            raise measure.BenchError(f"{SCENARIO}: a right attempt scored {probe.score}")
        result = measure.Result(SCENARIO, {"questions": count}, "attempts/s", queries=queries)
        for _ in range(ctx.runs):
            started = [(m, services.start(m, quiz)) for m in members[:-1]]
            work = [(m, a.pk, _responses(a)) for m, a in started]
            begin = time.perf_counter()
            for member, attempt_id, answers in work:
                services.submit(member, attempt_id, answers)
            result.samples.append(len(work) / (time.perf_counter() - begin))
        results.append(result)
    few, many = results
    many.compare_to(few)
    return results
