"""The quizzes' seeder: a yearly exam, and the attempts of the members who took it.

Leaves ``exams`` in ``seeder.context``: ``(year, quiz, draw)`` per study year.
"""

import random
from datetime import timedelta
from decimal import Decimal

from dj_learning.quizzes import grading
from dj_learning.quizzes import services as quizzes
from dj_learning.quizzes.models import (
    Attempt,
    AttemptAnswer,
    Question,
    QuestionBank,
    QuestionCategory,
)

from .bulk import RowWriter, allocate_ids, foreign_keys_checked_once
from .seeder import TOPICS


def seed_quizzes(seeder):
    """A yearly exam of ten questions per year; about 60% of members took it once.

    Every seeded attempt of an exam shares one draw (the questions are the
    same ten, in one shuffled order), graded with the quizzes app's own
    grading of a response each member gives, right about 75% of the time.
    """
    bank = QuestionBank.objects.create(name=f"{seeder.prefix} 题库")
    category = QuestionCategory.objects.create(bank=bank, path="年度考试")
    questions = Question.objects.bulk_create(
        Question(
            bank=bank,
            category=category,
            kind="single",
            text=f"{TOPICS[i % len(TOPICS)]}第{i + 1}题：下列说法正确的是？",
            points=Decimal(10),
            explanation="依据学习材料。",
            data={
                "options": [
                    {"id": "a", "text": "正确的说法", "fraction": 1.0, "feedback": ""},
                    {"id": "b", "text": "错误的说法", "fraction": 0.0, "feedback": ""},
                    {"id": "c", "text": "另一种错误的说法", "fraction": 0.0, "feedback": ""},
                ],
                "partial": False,
            },
        )
        for i in range(10)
    )
    attempts = RowWriter(
        Attempt,
        ["id", "quiz", "member", "number", "seed", "state", "started_at", "submitted_at",
         "graded_at", "notified_at", "year", "questions", "responses", "score", "max_score",
         "pass_percent", "passed", "quiz_title"],
    )  # fmt: skip
    answers = RowWriter(
        AttemptAnswer,
        ["attempt", "position", "question", "kind", "response", "score", "max_score", "state"],
    )
    national = seeder.context["national"]
    exams = []
    for year in seeder.year_list:
        quiz = quizzes.create_quiz(
            f"{seeder.prefix} {year}年度考试", questions=questions, unit=national,
            attempts_allowed=1, pass_percent=Decimal(60),
        )  # fmt: skip
        draw = grading.shuffled(quizzes.draw_questions(quiz, seeder.seed), seeder.seed)
        exams.append((year, quiz, draw))
    made = {"attempts": 0, "answers": 0}
    with foreign_keys_checked_once(Attempt, AttemptAnswer):
        for first, chunk in seeder.members_in_chunks():
            rows, answer_rows, graded = [], [], []
            for n, member in enumerate(chunk, start=first):
                rng = random.Random(seeder.seed * 104_729 + n)
                for year, quiz, draw in exams:
                    if rng.random() >= 0.6:
                        continue
                    start = seeder.spans[year][0] + timedelta(days=rng.randrange(seeder.days[year]))
                    responses = {}
                    for q in draw:
                        right = rng.random() < 0.75
                        option = next(
                            o for o in q["data"]["options"] if (o["fraction"] > 0) == right
                        )
                        responses[str(q["position"])] = option["id"]
                    grades = grading.grade_all(draw, responses)
                    score = sum((g.score for g in grades), Decimal(0))
                    maximum = sum((g.max_score for g in grades), Decimal(0))
                    graded.append(
                        (member, year, quiz, draw, responses, grades, score, maximum, start)
                    )
            ids = allocate_ids(Attempt, len(graded))
            for pk, (member, year, quiz, draw, responses, grades, score, maximum, start) in zip(
                ids, graded, strict=True
            ):
                done = start + timedelta(minutes=20)
                passed = score * 100 >= quiz.pass_percent * maximum
                rows.append((pk, quiz.pk, member, 1, seeder.seed, "graded", start, done, done, done,
                             year, draw, responses, score, maximum, quiz.pass_percent, passed,
                             quiz.title))  # fmt: skip
                answer_rows.extend(
                    (pk, q["position"], q["id"], q["kind"], responses[str(q["position"])], g.score,
                     g.max_score, g.state)
                    for q, g in zip(draw, grades, strict=True)
                )  # fmt: skip
            made["attempts"] += attempts.write(rows)
            made["answers"] += answers.write(answer_rows)
    seeder.context["exams"] = exams
    seeder.report.add("quiz attempts", made["attempts"])
    seeder.report.add("quiz answers", made["answers"])
