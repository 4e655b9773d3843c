"""The demo question bank, module quiz and yearly exam loaded by ``learning_demo``."""

import io
from datetime import timedelta

from django.core.management import call_command
from django.utils import timezone

from dj_learning.courses import services as courses
from dj_learning.courses.models import CoursePage, ModulePage
from dj_learning.members.models import Member
from dj_learning.quizzes import services
from dj_learning.quizzes.models import Question, QuestionBank, Quiz


def study_module(member, module):
    """Study every lesson of ``module`` as the member would, through heartbeats, earlier."""
    courses.enrol(member, CoursePage.objects.get(pk=module.get_parent().pk))
    start = timezone.now() - timedelta(hours=2)
    for lesson_id, required in courses.lesson_requirements(module).items():
        for beat in range(required // 30 + 2):
            courses.record_heartbeat(
                member,
                module,
                lesson_id,
                seconds=30 if beat else 0,
                now=start + timedelta(seconds=beat * 30),
            )
        start += timedelta(minutes=30)


def test_demo_bank_quiz_and_exam(demo_courses, django_capture_on_commit_callbacks):
    bank = QuestionBank.objects.get(name="党员学习题库")
    questions = Question.objects.filter(bank=bank)
    assert questions.count() == 44
    assert set(questions.values_list("kind", flat=True)) == {
        "single",
        "multiple",
        "truefalse",
        "fill",
        "matching",
        "numerical",
        "short",
    }
    assert sorted(bank.categories.values_list("path", flat=True)) == ["党史", "党章", "新发展理念"]

    module = ModulePage.objects.get(
        slug="new-development-philosophy", url_path__contains="region-1"
    )
    quiz = Quiz.objects.get(module=module)
    assert module.kind == "required"
    exam = Quiz.objects.get(title__endswith="年度党员学习考试")
    assert exam.module is None and exam.attempts_allowed == 1
    assert exam.items.count() == 3

    # Loading the demo again changes nothing.
    call_command("learning_demo", verbosity=0, stdout=io.StringIO())
    assert Question.objects.filter(bank=bank).count() == 44
    assert Quiz.objects.count() == 3  # a module quiz in each region, and the exam

    # The module needs its lessons studied and its quiz passed.
    member = Member.objects.get(user__username="member")
    with django_capture_on_commit_callbacks(execute=True):
        study_module(member, module)
    assert module.pk not in courses.completed_module_ids(member)
    attempt = services.start(member, quiz)
    answers = {}
    for question in attempt.questions:
        data = question["data"]
        kind, position = question["kind"], str(question["position"])
        if kind == "single":
            answers[position] = next(o["id"] for o in data["options"] if o["fraction"] == 1)
        elif kind == "truefalse":
            answers[position] = data["answer"]
        elif kind == "fill":
            answers[position] = data["answers"][0]["text"]
    with django_capture_on_commit_callbacks(execute=True):
        attempt = services.submit(member, attempt.pk, answers)
    assert attempt.passed is True
    assert module.pk in courses.completed_module_ids(member)
