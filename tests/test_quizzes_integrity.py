"""Quiz integrity by default: options shuffled per attempt (unless a question keeps
its order), answers shown once no attempt is left, and the demo quiz not passed by
answering one position everywhere."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from dj_learning.quizzes import grading, services
from dj_learning.quizzes.models import Quiz
from dj_learning.test import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def member():
    return factories.member()


def _choice(n, bank, *, keep=False):
    return factories.question(
        "single",
        bank=bank,
        keep_option_order=keep,
        data={
            "options": [
                {"id": letter, "text": f"选项{letter}", "fraction": 1.0 if letter == "a" else 0.0}
                for letter in "abcd"
            ]
        },
    )


def test_new_quizzes_shuffle_options_and_hide_answers_until_finished():
    quiz = Quiz.objects.create(title="默认")
    assert quiz.shuffle_options is True
    assert quiz.review == "finished"


def test_options_are_shuffled_per_attempt_but_a_question_may_keep_its_order():
    bank = factories.question_bank()
    shuffled, kept = _choice(1, bank), _choice(2, bank, keep=True)
    quiz = services.create_quiz("测验", questions=[shuffled, kept], shuffle_questions=False)
    orders = {
        tuple(o["id"] for o in services.attempt_questions(quiz, seed)[0]["data"]["options"])
        for seed in range(20)
    }
    assert len(orders) > 5  # each attempt its own order
    for seed in range(20):
        kept_options = services.attempt_questions(quiz, seed)[1]["data"]["options"]
        assert [o["id"] for o in kept_options] == ["a", "b", "c", "d"]


def _finish_attempt(member, quiz):
    attempt = services.start(member, quiz)
    return services.submit(member, attempt.pk, {"1": "b"})  # a wrong answer


def test_answers_are_shown_only_when_no_attempt_is_left(member, client):
    bank = factories.question_bank()
    quiz = services.create_quiz("两次机会", questions=[_choice(1, bank)], attempts_allowed=2)
    client.force_login(member.user)
    first = _finish_attempt(member, quiz)
    html = client.get(reverse("dj_learning:quiz_result", args=[first.pk])).content.decode()
    assert 'data-testid="right-answer"' not in html
    assert 'data-testid="review-later"' in html
    second = _finish_attempt(member, quiz)
    html = client.get(reverse("dj_learning:quiz_result", args=[second.pk])).content.decode()
    assert 'data-testid="right-answer"' in html and "选项a" in html


def test_answers_are_shown_after_the_quiz_closes(member):
    bank = factories.question_bank()
    closes = timezone.now() + timedelta(hours=1)
    quiz = services.create_quiz(
        "限时", questions=[_choice(1, bank)], attempts_allowed=3, closes_at=closes
    )
    attempt = _finish_attempt(member, quiz)
    assert services.review_allowed(attempt) is False
    assert services.review_allowed(attempt, now=closes + timedelta(minutes=1)) is True


def _same_position_everywhere(question, position):
    """A member who answers the option at ``position`` (0 = the first) in every question,
    "true" for the first position of a true/false question, and leaves blanks empty."""
    data = question["data"]
    if question["kind"] in ("single", "multiple"):
        options = data["options"]
        return options[min(position, len(options) - 1)]["id"]
    if question["kind"] == "truefalse":
        return position == 0
    return None


@pytest.mark.parametrize("position", [0, 1, 2, 3])
def test_answering_one_position_everywhere_fails_the_demo_quiz(demo_courses, position):
    quiz = Quiz.objects.filter(module__isnull=False).first()
    tries = 200
    percents, passes = [], 0
    for seed in range(tries):
        questions = services.attempt_questions(quiz, seed)
        responses = {str(q["position"]): _same_position_everywhere(q, position) for q in questions}
        grades = grading.grade_all(questions, responses)
        score = sum((g.score for g in grades), Decimal(0))
        maximum = sum((g.max_score for g in grades), Decimal(0))
        percents.append(score * 100 / maximum)
        passes += score * 100 >= quiz.pass_percent * maximum
    assert sum(percents) / tries < quiz.pass_percent  # fails in expectation
    assert passes / tries < 0.2


def test_the_demo_quizs_right_options_are_spread_over_positions(demo_courses):
    quiz = Quiz.objects.filter(module__isnull=False).first()
    quiz.shuffle_options = False
    positions = set()
    for question in services.attempt_questions(quiz, 1):
        if question["kind"] == "single":
            options = question["data"]["options"]
            positions.add(next(i for i, o in enumerate(options) if o["fraction"] == 1))
        elif question["kind"] == "truefalse":
            positions.add("true" if question["data"]["answer"] else "false")
    assert len(positions) == 3


# -- Listed per region and audience ------------------------------------------------------


def _module_quizzes():
    return {
        region: Quiz.objects.get(
            module__slug="new-development-philosophy",
            module__url_path__contains=f"region-{region}",
        )
        for region in (1, 2)
    }


def test_a_member_sees_only_their_regions_module_quiz(demo_courses, client, get_token):
    from dj_learning.members.models import Member

    ours, theirs = _module_quizzes().values()
    member = Member.objects.get(user__username="member")
    client.force_login(member.user)
    html = client.get(reverse("dj_learning:quizzes")).content.decode()
    assert html.count(ours.title) == 1  # the two regions' copies share a title
    assert reverse("dj_learning:quiz", args=[ours.pk]) in html
    assert reverse("dj_learning:quiz", args=[theirs.pk]) not in html
    assert client.get(reverse("dj_learning:quiz", args=[ours.pk])).status_code == 200
    assert client.get(reverse("dj_learning:quiz", args=[theirs.pk])).status_code == 404

    auth = {"HTTP_AUTHORIZATION": f"Bearer {get_token('member')}"}
    listed = [q["id"] for q in client.get("/api/v1/quizzes", **auth).json()]
    assert ours.pk in listed and theirs.pk not in listed
    assert client.get(f"/api/v1/quizzes/{theirs.pk}", **auth).status_code == 404
