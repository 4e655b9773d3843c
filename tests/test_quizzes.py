"""Quizzes: attempts, limits, time, policies, review, module completion, marking, pages."""

import json
import re
import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib.auth.models import Permission
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from dj_learning.courses.models import ModuleCompletion
from dj_learning.quizzes import services, signals
from dj_learning.quizzes.models import Attempt, AttemptAnswer, Question
from dj_learning.test import factories

RIGHT = factories.RIGHT_RESPONSES


def answers(attempt, right=True):
    """Responses for every question of ``attempt``: all right, or all wrong."""
    if right:
        return {str(q["position"]): RIGHT[q["kind"]] for q in attempt.questions}
    wrong = {"single": "b", "truefalse": False, "fill": "上海", "multiple": ["c"]}
    return {str(q["position"]): wrong.get(q["kind"], "") for q in attempt.questions}


@pytest.fixture
def member(db):
    return factories.member()


@pytest.fixture
def passed_events():
    seen = []

    def listen(sender, **kwargs):
        seen.append(kwargs)

    signals.quiz_passed.connect(listen)
    yield seen
    signals.quiz_passed.disconnect(listen)


def test_a_right_attempt_is_graded_and_passes(member):
    quiz = factories.quiz(kinds=("single", "multiple", "truefalse", "fill", "numerical"))
    attempt = services.start(member, quiz)
    assert attempt.number == 1 and attempt.max_score == Decimal("5")
    attempt = services.submit(member, attempt.pk, answers(attempt))
    assert attempt.state == "graded"
    assert attempt.score == Decimal("5.00") and attempt.passed is True
    assert AttemptAnswer.objects.filter(attempt=attempt, state="right").count() == 5


def test_a_wrong_attempt_fails(member):
    quiz = factories.quiz()
    attempt = services.start(member, quiz)
    attempt = services.submit(member, attempt.pk, answers(attempt, right=False))
    assert attempt.score == Decimal("0.00") and attempt.passed is False


def test_a_later_edit_of_a_question_never_changes_a_past_grade(member):
    quiz = factories.quiz(kinds=("fill",))
    attempt = services.start(member, quiz)
    question = Question.objects.get()
    question.data = {"answers": [{"text": "上海", "fraction": 1.0}]}
    question.points = Decimal("10")
    question.save()
    attempt = services.submit(member, attempt.pk, {"1": "北京"})
    assert attempt.score == Decimal("1.00") and attempt.passed


def test_submit_once_only(member):
    quiz = factories.quiz()
    attempt = services.start(member, quiz)
    services.submit(member, attempt.pk, answers(attempt))
    with pytest.raises(services.QuizError, match="已经提交过了"):
        services.submit(member, attempt.pk, answers(attempt, right=False))
    with pytest.raises(services.QuizError):
        services.save_answers(member, attempt.pk, answers(attempt, right=False))
    attempt.refresh_from_db()
    assert attempt.passed and AttemptAnswer.objects.filter(attempt=attempt).count() == 3


def test_start_resumes_the_attempt_in_progress(member):
    quiz = factories.quiz()
    first = services.start(member, quiz)
    services.save_answers(member, first.pk, {"1": "a"})
    again = services.start(member, quiz)
    assert again.pk == first.pk and again.responses == {"1": "a"}


def test_attempt_limit(member):
    quiz = factories.quiz(attempts_allowed=2)
    for _ in range(2):
        attempt = services.start(member, quiz)
        services.submit(member, attempt.pk, answers(attempt, right=False))
    with pytest.raises(services.QuizError, match="已用完此测验的全部作答次数"):
        services.start(member, quiz)
    assert services.status(member, quiz).attempts_left == 0
    assert Attempt.objects.filter(quiz=quiz).count() == 2


@pytest.mark.parametrize(
    ("policy", "kept_score"), [("highest", "3.00"), ("last", "1.00"), ("first", "0.00")]
)
def test_grading_policy_picks_the_grade_that_counts(member, policy, kept_score):
    quiz = factories.quiz(attempts_allowed=0, grading_policy=policy)
    for right_ones in (0, 3, 1):
        attempt = services.start(member, quiz)
        responses = answers(attempt)
        wrong = answers(attempt, right=False)
        mixed = {k: (responses[k] if int(k) <= right_ones else wrong[k]) for k in responses}
        services.submit(member, attempt.pk, mixed)
    assert services.status(member, quiz).kept.score == Decimal(kept_score)


def test_random_draws_are_reproducible_from_the_stored_seed(member):
    bank = factories.question_bank()
    root = factories.question_category(bank=bank, path="党史")
    below = factories.question_category(bank=bank, path="党史/基础")
    other = factories.question_category(bank=bank, path="时政")
    for category in (root, below) * 5:
        factories.question("single", category=category)
    factories.question("single", category=other)
    quiz = services.create_quiz("随机", draws=[(root, 6)])
    attempt = services.start(member, quiz)
    drawn = [q["id"] for q in attempt.questions]
    assert len(set(drawn)) == 6
    assert not Question.objects.filter(pk__in=drawn, category=other).exists()
    again = [q["id"] for q in services.draw_questions(quiz, attempt.seed)]
    assert sorted(again) == sorted(drawn)
    # the order the member saw is rebuilt from the seed too
    from dj_learning.quizzes import grading

    rebuilt = grading.shuffled(services.draw_questions(quiz, attempt.seed), attempt.seed)
    assert [q["id"] for q in rebuilt] == drawn
    assert [o["id"] for o in rebuilt[0]["data"]["options"]] == [
        o["id"] for o in attempt.questions[0]["data"]["options"]
    ]


def test_a_draw_larger_than_its_category_is_refused(member):
    category = factories.question_category()
    factories.question(category=category)
    quiz = services.create_quiz("太多", draws=[(category, 2)])
    with pytest.raises(services.QuizError, match="题目不够本测验抽取"):
        services.start(member, quiz)


# -- Time -------------------------------------------------------------------------------


def test_answers_after_the_time_limit_are_not_counted(member, learning_settings):
    learning_settings(QUIZ_GRACE_SECONDS=30)
    quiz = factories.quiz(time_limit_minutes=10)
    start = timezone.now()
    attempt = services.start(member, quiz, now=start)
    assert attempt.deadline == start + timedelta(minutes=10)
    services.save_answers(member, attempt.pk, {"1": "a"}, now=start + timedelta(minutes=5))
    # within the grace: still counted
    services.save_answers(member, attempt.pk, {"2": True}, now=start + timedelta(seconds=620))
    with pytest.raises(services.QuizError, match="时间已到"):
        services.submit(member, attempt.pk, answers(attempt), now=start + timedelta(minutes=11))
    attempt.refresh_from_db()
    assert attempt.state == "graded"
    assert attempt.score == Decimal("2.00")  # the two answers saved in time


def test_an_overdue_attempt_closes_itself_when_opened(member, client):
    quiz = factories.quiz(time_limit_minutes=1)
    attempt = services.start(member, quiz, now=timezone.now() - timedelta(minutes=5))
    services.save_answers(member, attempt.pk, {"1": "a"}, now=attempt.started_at)
    client.force_login(member.user)
    response = client.get(reverse("dj_learning:quiz_attempt", args=[attempt.pk]))
    assert response.status_code == 302
    assert response.url == reverse("dj_learning:quiz_result", args=[attempt.pk])
    attempt.refresh_from_db()
    assert attempt.state == "graded" and attempt.score == Decimal("1.00")


def test_the_schedule_closes_overdue_attempts(member):
    quiz = factories.quiz(time_limit_minutes=1)
    late = services.start(member, quiz, now=timezone.now() - timedelta(minutes=5))
    other = factories.member()
    running = services.start(other, quiz)
    assert services.close_overdue() == 1
    late.refresh_from_db()
    running.refresh_from_db()
    assert late.state == "graded" and running.state == "in_progress"


def test_a_closed_quiz_cannot_be_started(member):
    quiz = factories.quiz(closes_at=timezone.now() - timedelta(hours=1))
    with pytest.raises(services.QuizError, match="此测验已关闭"):
        services.start(member, quiz)


# -- Module quizzes -------------------------------------------------------------------------


@pytest.fixture
def module_quiz(member, learning_settings):
    learning_settings(LESSON_MIN_SECONDS=1)
    module = factories.module(lesson_count=1)
    factories.plan(unit=member.unit, modules=[module])
    quiz = factories.quiz(module=module)
    return module, quiz


def _study(member, module):
    from dj_learning.courses import services as courses

    lesson_id = next(iter(courses.lesson_requirements(module)))
    now = timezone.now()
    courses.record_heartbeat(member, module, lesson_id, seconds=5, now=now - timedelta(seconds=10))
    courses.record_heartbeat(member, module, lesson_id, seconds=5, now=now)


def test_passing_the_module_quiz_completes_the_module_and_signals_once(
    member, module_quiz, passed_events, django_capture_on_commit_callbacks
):
    module, quiz = module_quiz
    _study(member, module)
    assert not ModuleCompletion.objects.filter(member=member).exists()  # the quiz is missing
    attempt = services.start(member, quiz)
    with django_capture_on_commit_callbacks(execute=True):
        services.submit(member, attempt.pk, answers(attempt))
    assert ModuleCompletion.objects.filter(member=member, module=module).exists()
    assert len(passed_events) == 1
    event = passed_events[0]
    assert event["module"].pk == module.pk and event["full_marks"] is True
    assert event["score"] == Decimal("3.00") and event["member"] == member
    assert services.after_pass(attempt.pk) is False  # a retried job sends nothing again
    assert len(passed_events) == 1


def test_the_module_page_links_to_its_quiz_until_it_is_passed(member, module_quiz, client):
    module, quiz = module_quiz
    client.force_login(member.user)
    page = client.get(module.url).content.decode()
    assert reverse("dj_learning:quiz", args=[quiz.pk]) in page
    assert f"通过测验“{quiz.title}”" in page


def test_a_failed_module_quiz_does_not_complete_the_module(member, module_quiz, passed_events):
    module, quiz = module_quiz
    _study(member, module)
    attempt = services.start(member, quiz)
    services.submit(member, attempt.pk, answers(attempt, right=False))
    assert not ModuleCompletion.objects.filter(member=member).exists()
    assert passed_events == []


def test_a_member_not_enrolled_cannot_start_a_module_quiz(module_quiz):
    _module, quiz = module_quiz
    stranger = factories.member()
    with pytest.raises(services.QuizError, match="请先报名"):
        services.start(stranger, quiz)


# -- Hand marking -----------------------------------------------------------------------


@pytest.fixture
def marker(member):
    account = factories.staff(role="clerk", unit=member.unit, is_staff=True)
    account.user_permissions.add(
        Permission.objects.get(codename="mark_attempt"),
        Permission.objects.get(codename="access_admin"),
    )
    return account


def test_short_answers_wait_for_marking_then_grade(
    member, marker, client, passed_events, django_capture_on_commit_callbacks
):
    blank = services.start(member, factories.quiz(kinds=("single", "short")))
    blank = services.submit(member, blank.pk, {"1": "a", "2": "  "})
    assert blank.state == "graded"  # a blank short answer needs no marker

    quiz = factories.quiz(kinds=("single", "short"), pass_percent=50)
    second = services.start(member, quiz)
    second = services.submit(member, second.pk, {"1": "b", "2": "我的体会"})
    assert second.state == "marking" and second.score is None

    client.force_login(marker)
    page = client.get(reverse("learning_marking"))
    assert page.status_code == 200
    assert "我的体会" in page.content.decode()
    pending = AttemptAnswer.objects.get(attempt=second, kind="short")
    refused = client.post(reverse("learning_mark_answer", args=[pending.pk]), {"score": "5"})
    assert refused.status_code == 302
    pending.refresh_from_db()
    assert pending.state == "pending"  # 5 is more than the question's 1 point
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("learning_mark_answer", args=[pending.pk]), {"score": "1", "comment": "好"}
        )
    second.refresh_from_db()
    assert second.state == "graded" and second.score == Decimal("1.00") and second.passed
    result = client.get(reverse("dj_learning:quiz_result", args=[second.pk]))
    assert result.status_code == 404  # a marker is not the member
    assert len(passed_events) == 1
    assert "我的体会" not in client.get(reverse("learning_marking")).content.decode()


def test_markers_see_only_their_subtree(member, client, tree):
    outsider = factories.staff(role="clerk", unit=tree["b2"], is_staff=True)
    outsider.user_permissions.add(
        Permission.objects.get(codename="mark_attempt"),
        Permission.objects.get(codename="access_admin"),
    )
    attempt = services.start(member, factories.quiz(kinds=("short",)))
    services.submit(member, attempt.pk, {"1": "只给本支部看"})
    client.force_login(outsider)
    assert "只给本支部看" not in client.get(reverse("learning_marking")).content.decode()
    answer = AttemptAnswer.objects.get()
    response = client.post(reverse("learning_mark_answer", args=[answer.pk]), {"score": "1"})
    assert response.status_code == 404
    plain = factories.staff(role="clerk", unit=member.unit, is_staff=True)
    plain.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(plain)
    refused = client.get(reverse("learning_marking"))
    assert refused.status_code == 302 and refused.url == "/admin/"  # Wagtail's "permission denied"


# -- Pages ------------------------------------------------------------------------------


def test_the_attempt_page_never_shows_answers(member, client):
    quiz = factories.quiz(
        kinds=("single", "multiple", "truefalse", "fill", "matching", "numerical")
    )
    client.force_login(member.user)
    response = client.post(reverse("dj_learning:quiz_start", args=[quiz.pk]))
    attempt = Attempt.objects.get()
    assert response.url == reverse("dj_learning:quiz_attempt", args=[attempt.pk])
    html = client.get(response.url).content.decode()
    assert 'name="q1"' in html and "正确选项" in html  # the options are there...
    for secret in ("fraction", "北京", "3.14", "解析", "feedback", "partial", "right"):
        assert secret not in html, secret  # ...but no weights, answers or explanations
    assert 'data-testid="question-6"' in html


def test_a_member_takes_a_quiz_without_javascript(member, client):
    quiz = factories.quiz(kinds=("single", "multiple", "matching"))
    client.force_login(member.user)
    client.post(reverse("dj_learning:quiz_start", args=[quiz.pk]))
    attempt = Attempt.objects.get()
    save = client.post(
        reverse("dj_learning:quiz_save", args=[attempt.pk]), {"q1": "a", "q2-present": "1"}
    )
    assert save.status_code == 302
    resumed = client.get(reverse("dj_learning:quiz_attempt", args=[attempt.pk])).content.decode()
    assert 'value="a" checked' in resumed  # the saved answer is there after a reload
    result = client.post(
        reverse("dj_learning:quiz_submit", args=[attempt.pk]),
        {"q1": "a", "q2": ["a", "b"], "q3-1": "一", "q3-2": "二", "q3-present": "1"},
        follow=True,
    )
    html = result.content.decode()
    assert 'data-testid="quiz-passed"' in html and "3 / 3" in html
    assert re.search(r"解析\d", html)  # explanations after grading, as the quiz allows


def test_autosave_answers_in_json(member, client):
    quiz = factories.quiz()
    client.force_login(member.user)
    attempt = services.start(member, quiz)
    response = client.post(
        reverse("dj_learning:quiz_save", args=[attempt.pk]),
        {"q3": "北京"},
        HTTP_ACCEPT="application/json",
    )
    assert response.json()["saved"] is True
    attempt.refresh_from_db()
    assert attempt.responses == {"3": "北京"}


def test_a_member_cannot_see_or_change_another_members_attempt(member, client):
    quiz = factories.quiz()
    attempt = services.start(member, quiz)
    other = factories.member(unit=member.unit)
    client.force_login(other.user)
    for name in ("quiz_attempt", "quiz_result"):
        assert client.get(reverse(f"dj_learning:{name}", args=[attempt.pk])).status_code == 404
    for name in ("quiz_save", "quiz_submit"):
        url = reverse(f"dj_learning:{name}", args=[attempt.pk])
        assert client.post(url, {"q1": "b"}).status_code == 404
    attempt.refresh_from_db()
    assert attempt.state == "in_progress" and attempt.responses == {}


def test_state_changes_need_post(member, client):
    quiz = factories.quiz()
    client.force_login(member.user)
    assert client.get(reverse("dj_learning:quiz_start", args=[quiz.pk])).status_code == 405
    assert not Attempt.objects.exists()


@pytest.mark.parametrize("review", ["never", "after_close"])
def test_results_hide_answers_when_the_quiz_says_so(member, client, review):
    quiz = factories.quiz(review=review, closes_at=timezone.now() + timedelta(days=1))
    attempt = services.start(member, quiz)
    services.submit(member, attempt.pk, answers(attempt, right=False))
    client.force_login(member.user)
    html = client.get(reverse("dj_learning:quiz_result", args=[attempt.pk])).content.decode()
    assert 'data-testid="quiz-failed"' in html
    assert "北京" not in html and not re.search(r"解析\d", html)
    assert 'data-testid="right-answer"' not in html
    for flag in ("djl-question--", "0 / 1", "djl-tag"):  # nor which answers were wrong
        assert flag not in html, flag


def test_after_close_shows_answers_once_closed(member, client):
    quiz = factories.quiz(review="after_close", closes_at=timezone.now() + timedelta(hours=1))
    attempt = services.start(member, quiz)
    services.submit(member, attempt.pk, answers(attempt, right=False))
    quiz.closes_at = timezone.now() - timedelta(minutes=1)
    quiz.save()
    client.force_login(member.user)
    html = client.get(reverse("dj_learning:quiz_result", args=[attempt.pk])).content.decode()
    assert "北京" in html and re.search(r"解析\d", html)


def test_the_start_page_shows_rules_attempts_left_and_the_grade(member, client):
    quiz = factories.quiz(attempts_allowed=2, time_limit_minutes=15, pass_percent=80)
    attempt = services.start(member, quiz)
    services.submit(member, attempt.pk, answers(attempt))
    client.force_login(member.user)
    html = client.get(reverse("dj_learning:quiz", args=[quiz.pk])).content.decode()
    assert "80%" in html and "15" in html
    assert 'data-testid="quiz-passed"' in html and "3 / 3" in html
    assert 'data-testid="attempts-left"' in html


def test_exams_for_other_units_are_hidden(member, client, tree):
    exam = factories.quiz(unit=tree["r2"])
    client.force_login(member.user)
    assert client.get(reverse("dj_learning:quiz", args=[exam.pk])).status_code == 404
    assert exam.title not in client.get(reverse("dj_learning:quizzes")).content.decode()


def test_the_transcript_lists_the_years_results(member, client):
    quiz = factories.quiz(title="年度考试")
    attempt = services.start(member, quiz)
    services.submit(member, attempt.pk, answers(attempt))
    client.force_login(member.user)
    html = client.get(reverse("dj_learning:transcript")).content.decode()
    assert "年度考试" in html and "3 / 3" in html


# -- Query counts ------------------------------------------------------------------------


@pytest.mark.parametrize("count", [10, 100])
def test_submitting_and_grading_costs_a_fixed_number_of_queries(
    member, count, django_assert_num_queries, django_capture_on_commit_callbacks
):
    bank = factories.question_bank()
    kinds = ("single", "multiple", "truefalse", "fill", "matching", "numerical")
    questions = [factories.question(kinds[i % len(kinds)], bank=bank) for i in range(count)]
    quiz = factories.quiz(questions=questions, shuffle_questions=True, shuffle_options=True)
    attempt = services.start(member, quiz)
    responses = answers(attempt)
    with (
        django_assert_num_queries(SUBMIT_QUERIES),
        django_capture_on_commit_callbacks(execute=True),
    ):
        attempt = services.submit(member, attempt.pk, responses)
    assert attempt.score == Decimal(count) and attempt.passed
    assert AttemptAnswer.objects.filter(attempt=attempt, state="right").count() == count


# Grading: savepoint, lock the attempt, insert the answers, update the attempt, release.
# After commit, for a pass: claim the announcement, read the attempt with quiz and member;
# and when the points app is installed (as in cms_site) it hears quiz_passed: the member's
# rules for passing a quiz and for full marks (none here, so nothing is written); and when
# certificates is installed, whether an exam rule could apply (none here: no job queued).
SUBMIT_QUERIES = (
    7
    + (2 if apps.is_installed("dj_learning.rewards") else 0)
    + (1 if apps.is_installed("dj_learning.certificates") else 0)
)


# -- Concurrency (PostgreSQL) ---------------------------------------------------------------


def _in_parallel(count, work):
    barrier = threading.Barrier(count)
    results = []

    def run():
        try:
            barrier.wait()
            results.append(work())
        except services.QuizError as error:
            results.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_parallel_starts_never_exceed_the_attempt_limit():
    member = factories.member()
    quiz = factories.quiz(attempts_allowed=2)
    first = services.start(member, quiz)
    services.submit(member, first.pk, {})

    def start_and_submit():
        attempt = services.start(member, quiz)
        return services.submit(member, attempt.pk, {})

    results = _in_parallel(4, start_and_submit)
    assert Attempt.objects.filter(quiz=quiz, member=member).count() == 2
    assert sum(isinstance(r, Attempt) for r in results) == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_parallel_submits_grade_once():
    member = factories.member()
    quiz = factories.quiz()
    attempt = services.start(member, quiz)
    seen = []
    signals.quiz_passed.connect(lambda **kw: seen.append(1), weak=False, dispatch_uid="q")
    try:
        results = _in_parallel(4, lambda: services.submit(member, attempt.pk, answers(attempt)))
    finally:
        signals.quiz_passed.disconnect(dispatch_uid="q")
    assert sum(isinstance(r, Attempt) for r in results) == 1
    assert AttemptAnswer.objects.filter(attempt=attempt).count() == 3
    assert len(seen) == 1


def test_the_transcript_pdf_lists_the_years_results(demo, tmp_path):
    import subprocess

    from dj_learning.credits import services as credits
    from dj_learning.credits.documents import transcript_pdf
    from dj_learning.orgs.models import Unit

    member = factories.member(unit=Unit.objects.get(code="national"), name="考试党员")
    quiz = factories.quiz(title="二〇二六年度党员考试")
    attempt = services.start(member, quiz)
    services.submit(member, attempt.pk, answers(attempt, right=False))
    path = tmp_path / "t.pdf"
    path.write_bytes(transcript_pdf(credits.transcript(member)))
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "测验与考试成绩" in text and "二〇二六年度党员考试" in text
    assert "0/3" in text.replace(" ", "") and "未通过" in text


def test_editors_get_question_data_problems_in_their_language(client, django_user_model):
    admin = django_user_model.objects.create_superuser("editor1", "e@example.cn", "x")
    client.force_login(admin)
    bank = factories.question_bank()
    form = {"bank": bank.pk, "kind": "single", "text": "题干", "points": "1", "explanation": ""}
    url = reverse("wagtailsnippets_learning_quizzes_question:add")
    response = client.post(url, {**form, "data": '{"options": [{"id": "a", "text": "唯一"}]}'})
    assert "选择题至少需要两个选项" in response.content.decode()
    assert "题干" in response.content.decode()  # the rejected form keeps its input
    assert not Question.objects.exists()
    good = {"options": [{"id": "a", "text": "对", "fraction": 1}, {"id": "b", "text": "错"}]}
    client.post(url, {**form, "data": json.dumps(good)})
    assert Question.objects.get().data["options"][0]["text"] == "对"
    for model in ("quiz", "question", "questionbank", "questioncategory"):
        assert (
            client.get(reverse(f"wagtailsnippets_learning_quizzes_{model}:add")).status_code == 200
        )


def test_the_attempt_and_result_pages_cost_the_same_queries_for_10_and_100_questions(
    member, client
):
    from django.test.utils import CaptureQueriesContext

    client.force_login(member.user)
    client.get(reverse("dj_learning:quizzes"))  # warm the site's and the theme's caches
    counts = []
    for count in (10, 100):
        bank = factories.question_bank()
        kinds = ("single", "multiple", "truefalse", "fill", "matching", "numerical")
        questions = [factories.question(kinds[i % len(kinds)], bank=bank) for i in range(count)]
        attempt = services.start(member, factories.quiz(questions=questions))
        page = reverse("dj_learning:quiz_attempt", args=[attempt.pk])
        with CaptureQueriesContext(connection) as on_page:
            assert client.get(page).status_code == 200
        services.submit(member, attempt.pk, answers(attempt))
        result = reverse("dj_learning:quiz_result", args=[attempt.pk])
        with CaptureQueriesContext(connection) as on_result:
            assert f"{count} / {count}" in client.get(result).content.decode()
        counts.append((len(on_page), len(on_result)))
    assert counts[0] == counts[1]
    assert counts[1][0] <= ATTEMPT_PAGE_QUERIES and counts[1][1] <= RESULT_PAGE_QUERIES, counts


# session, user, member (with unit), attempt with quiz (+ Wagtail's site lookup for the page)
ATTEMPT_PAGE_QUERIES = 6
RESULT_PAGE_QUERIES = 7
