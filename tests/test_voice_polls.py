"""Polls and surveys: question types and limits, one response per member, the audience and
the dates, result visibility, anonymity (page, API, export, the tables), charts, speed."""

import io
import re
from datetime import timedelta

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from dj_learning.notifications.models import Notification
from dj_learning.test import factories
from dj_learning.voice import services
from dj_learning.voice.models import Answer, Ballot, Poll, Response

pytestmark = pytest.mark.django_db

ALL_TYPES = (("single", ("党史", "理论")), ("multiple", ("早上", "午休", "晚上"), 2), ("rating", ()),
             ("text", ()))  # fmt: skip


@pytest.fixture(autouse=True)
def english(client):
    from django.utils import translation

    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def people(tree):
    return {
        "a": factories.member(unit=tree["b1"], name="张伟"),
        "b": factories.member(unit=tree["b1a"], name="李娜"),
        "outside": factories.member(unit=tree["b2"], name="王五"),
        "staff": factories.staff(role="admin", unit=tree["r1"], username="r1admin"),
        "r2staff": factories.staff(role="admin", unit=tree["r2"], username="r2admin"),
    }


def ids(poll):
    questions = list(poll.questions.prefetch_related("options"))
    return questions, [[o.pk for o in q.options.all()] for q in questions]


def full_answers(poll, single=0, multiple=(0,), rating=4, text="多开夜课"):
    (q1, q2, q3, q4), (o1, o2, _, _) = ids(poll)
    return [
        {"question": q1.pk, "options": [o1[single]]},
        {"question": q2.pk, "options": [o2[i] for i in multiple]},
        {"question": q3.pk, "rating": rating},
        {"question": q4.pk, "text": text},
    ]


@pytest.mark.parametrize(
    "change, message",
    [
        (
            lambda a: a[0].update(options=a[0]["options"] * 1 + [a[1]["options"][0]]),
            "among its options",
        ),
        (lambda a: a[1].update(options=[]), "Question 2 needs an answer"),
        (lambda a: a[2].update(rating=6), "Question 3: give a rating from 1 to 5"),
        (lambda a: a[2].update(rating="x"), "Question 3: give a rating from 1 to 5"),
        (lambda a: a.append({"question": 999999, "text": "?"}), "not in this poll"),
    ],
)
def test_bad_answers_are_refused_with_the_question_named(tree, people, change, message):
    poll = factories.poll(unit=tree["r1"], questions=ALL_TYPES)
    answers = full_answers(poll)
    change(answers)
    with pytest.raises(services.PollError, match=message):
        services.respond(people["a"], poll, answers)
    assert not Ballot.objects.exists() and not Answer.objects.exists()


def test_single_choice_takes_one_and_multiple_choice_its_maximum(tree, people):
    poll = factories.poll(unit=tree["r1"], questions=ALL_TYPES)
    (q1, q2, *_), (o1, o2, *_) = ids(poll)
    answers = full_answers(poll)
    answers[0]["options"] = o1
    with pytest.raises(services.PollError, match="Question 1: choose one option only"):
        services.respond(people["a"], poll, answers)
    with pytest.raises(services.PollError, match="Question 2: choose at most 2 options"):
        services.respond(people["a"], poll, full_answers(poll, multiple=(0, 1, 2)))
    services.respond(people["a"], poll, full_answers(poll, multiple=(0, 2)))
    assert sorted(Answer.objects.filter(question=q2).values_list("option_id", flat=True)) == [
        o2[0], o2[2]]  # fmt: skip


def test_one_response_per_member_and_409_in_the_api(client, tree, people):
    poll = factories.poll(unit=tree["r1"], questions=ALL_TYPES)
    client.force_login(people["a"].user)
    url = f"/api/v1/polls/{poll.pk}/responses"
    first = client.post(url, {"answers": full_answers(poll)}, content_type="application/json")
    assert first.status_code == 201
    again = client.post(url, {"answers": full_answers(poll)}, content_type="application/json")
    assert again.status_code == 409 and "already answered" in again.json()["detail"]
    page = client.get(f"/learning/polls/{poll.pk}/").content.decode()
    assert "You have answered this poll." in page and 'data-testid="poll-form"' not in page
    assert Response.objects.count() == 1 and Ballot.objects.count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_second_responses_give_one_response(tree, people):
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.fail("run with DATABASE_URL set to PostgreSQL")
    poll = factories.poll(unit=tree["r1"], questions=ALL_TYPES)
    answers = full_answers(poll)

    def vote(_):
        from django.db import connections

        try:
            services.respond(people["a"], poll, answers)
            return "ok"
        except services.AlreadyVoted:
            return "again"
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=6) as pool:
        outcomes = sorted(pool.map(vote, range(6)))
    assert outcomes == ["again"] * 5 + ["ok"]
    assert Response.objects.filter(poll=poll).count() == 1
    assert Answer.objects.filter(question__poll=poll).count() == 4


def test_a_closed_poll_a_future_one_and_another_audience_are_refused(client, tree, people):
    closed = factories.poll(unit=tree["r1"], opens_in=-10, days=3)
    future = factories.poll(unit=tree["r1"], opens_in=2)
    (q,), ((o, *_),) = ids(closed)
    with pytest.raises(services.PollError, match="closed"):
        services.respond(people["a"], closed, [{"question": q.pk, "options": [o]}])
    with pytest.raises(services.PollError, match="not open yet"):
        services.respond(people["a"], future, [])
    with pytest.raises(services.PollError, match="not for your unit"):
        services.respond(people["outside"], closed, [])
    client.force_login(people["outside"].user)
    assert client.get(f"/learning/polls/{closed.pk}/").status_code == 404
    assert client.get(f"/api/v1/polls/{closed.pk}").status_code == 404
    api = client.post(f"/api/v1/polls/{closed.pk}/responses", {"answers": []},
                      content_type="application/json")  # fmt: skip
    assert api.status_code == 404
    client.force_login(people["a"].user)
    refused = client.post(f"/api/v1/polls/{closed.pk}/responses",
                          {"answers": [{"question": q.pk, "options": [o]}]},
                          content_type="application/json")  # fmt: skip
    assert refused.status_code == 403 and "closed" in refused.json()["detail"]
    assert client.get(f"/learning/polls/{future.pk}/").status_code == 404
    assert [p["id"] for p in client.get("/api/v1/polls").json()] == []


def test_a_refused_form_keeps_what_was_chosen_and_typed(client, tree, people):
    poll = factories.poll(unit=tree["r1"], questions=ALL_TYPES)
    (q1, q2, q3, q4), (o1, o2, *_) = ids(poll)
    client.force_login(people["a"].user)
    response = client.post(
        f"/learning/polls/{poll.pk}/",
        {f"q{q1.pk}": o1[1], f"q{q2.pk}": o2, f"q{q3.pk}": "5", f"q{q4.pk}": "<b>多开夜课</b>"},
    )
    page = response.content.decode()
    assert response.status_code == 400 and "Question 2: choose at most 2 options" in page
    assert re.search(rf'value="{o1[1]}" checked', page) and re.search(r'value="5" checked', page)
    assert "&lt;b&gt;多开夜课&lt;/b&gt;</textarea>" in page
    assert not Ballot.objects.exists()


@pytest.mark.parametrize(
    "visibility, before_vote, after_vote, after_close",
    [
        (Poll.Results.AFTER_VOTE, 403, 200, 200),
        (Poll.Results.AFTER_CLOSE, 403, 403, 200),
        (Poll.Results.NEVER, 403, 403, 403),
    ],
)
def test_result_visibility(client, tree, people, visibility, before_vote, after_vote, after_close):
    poll = factories.poll(unit=tree["r1"], results=visibility)
    (q,), ((o, *_),) = ids(poll)
    url = f"/api/v1/polls/{poll.pk}/results"
    client.force_login(people["a"].user)
    assert client.get(url).status_code == before_vote
    services.respond(people["a"], poll, [{"question": q.pk, "options": [o]}])
    assert client.get(url).status_code == after_vote
    page = client.get(f"/learning/polls/{poll.pk}/").content.decode()
    assert ('data-testid="poll-results"' in page) == (after_vote == 200)
    Poll.objects.filter(pk=poll.pk).update(closes_at=timezone.now() - timedelta(minutes=1))
    assert client.get(url).status_code == after_close
    client.force_login(people["staff"])  # staff of the audience always
    assert client.get(url).status_code == 200
    client.force_login(people["r2staff"])  # staff of another region never
    assert client.get(url).status_code == 404


def _vote_many(poll, members, choose):
    questions, options = ids(poll)
    for n, member in enumerate(members):
        services.respond(member, poll, choose(n, questions, options))


def test_results_count_and_percent_with_charts_for_staff(client, tree, people):
    poll = factories.poll(unit=tree["r1"], questions=ALL_TYPES, title="学习需求调查")
    members = [factories.member(unit=tree["b1"]) for _ in range(4)]
    _vote_many(poll, members, lambda n, qs, os: [
        {"question": qs[0].pk, "options": [os[0][0 if n < 3 else 1]]},
        {"question": qs[1].pk, "options": [os[1][0], os[1][2]] if n % 2 else [os[1][1]]},
        {"question": qs[2].pk, "rating": 2 + n},
        {"question": qs[3].pk, "text": f"意见{n}"},
    ])  # fmt: skip
    results = services.results(poll)
    single, multiple, rating, text = results["questions"]
    assert results["voters"] == 4
    assert [(b["label"], b["count"], b["percent"]) for b in single["bars"]] == [
        ("党史", 3, 75.0), ("理论", 1, 25.0)]  # fmt: skip
    assert [(b["count"], b["percent"]) for b in multiple["bars"]] == [
        (2, 50.0),
        (2, 50.0),
        (2, 50.0),
    ]
    assert [b["count"] for b in rating["bars"]] == [0, 1, 1, 1, 1] and rating["average"] == 3.5
    assert sorted(text["texts"]) == ["意见0", "意见1", "意见2", "意见3"]
    from tests.test_voice_suggestions import into_admin

    into_admin(client, people["staff"])
    page = client.get(f"/admin/learning/voice/polls/{poll.pk}/results/").content.decode()
    start = page.index('<svg class="djl-chart"')
    svg = page[start : page.index("</svg>", start)]
    assert "党史" in svg and "3 (75.0%)" in svg and "1 (25.0%)" in svg
    assert "意见2" in page
    into_admin(client, people["r2staff"])
    assert client.get(f"/admin/learning/voice/polls/{poll.pk}/results/").status_code == 404


def test_an_anonymous_poll_links_no_answer_to_a_member(client, tree, people):
    poll = factories.poll(unit=tree["r1"], questions=ALL_TYPES, anonymous=True)
    services.respond(people["a"], poll, full_answers(poll, text="张伟的意见"))
    services.respond(people["b"], poll, full_answers(poll, single=1, text="李娜的意见"))
    # The tables: who voted is known, what they answered is not linked to them.
    assert set(Ballot.objects.values_list("member__name", flat=True)) == {"张伟", "李娜"}
    assert list(Response.objects.values_list("member", flat=True)) == [None, None]
    response_columns = {f.column for f in Response._meta.concrete_fields}
    answer_columns = {f.column for f in Answer._meta.concrete_fields}
    assert response_columns == {"id", "poll_id", "member_id"}
    assert not any("member" in c or "user" in c or "_at" in c for c in answer_columns)
    # The API results and the export name nobody.
    client.force_login(people["staff"])
    api = client.get(f"/api/v1/polls/{poll.pk}/results").content.decode()
    assert "张伟" not in api.replace("张伟的意见", "") and "李娜" not in api.replace(
        "李娜的意见", ""
    )
    from tests.test_voice_suggestions import into_admin

    into_admin(client, people["staff"])
    export = client.get(f"/admin/learning/voice/polls/{poll.pk}/results/?format=xlsx")
    book = load_workbook(io.BytesIO(export.content))
    answers = book.worksheets[1]
    header = [c.value for c in answers[1]]
    assert header[0] == "问题1" or header[0].startswith("问题")
    cells = [c.value for row in answers.iter_rows() for c in row]
    assert people["a"].member_number not in cells and "张伟" not in cells
    assert "张伟的意见" in cells


def test_a_named_poll_exports_who_answered_what(client, tree, people):
    poll = factories.poll(unit=tree["r1"], questions=ALL_TYPES, anonymous=False)
    services.respond(people["a"], poll, full_answers(poll, text="=1+1"))
    assert Response.objects.get().member == people["a"]
    from tests.test_voice_suggestions import into_admin

    into_admin(client, people["staff"])
    export = client.get(f"/admin/learning/voice/polls/{poll.pk}/results/?format=xlsx")
    rows = list(load_workbook(io.BytesIO(export.content)).worksheets[1].values)
    assert rows[1][:2] == (people["a"].member_number, "张伟")
    assert rows[1][-1] == "'=1+1"  # a formula typed as an answer stays text


def test_results_cost_the_same_whatever_the_number_of_responses(
    tree, people, django_assert_max_num_queries
):
    poll = factories.poll(unit=tree["r1"], questions=ALL_TYPES)
    voters = [factories.member(unit=tree["b1"]) for _ in range(30)]
    _vote_many(poll, voters[:3], lambda n, qs, os: full_answers(poll))
    with django_assert_max_num_queries(20) as few:
        services.results(poll)
    _vote_many(poll, voters[3:], lambda n, qs, os: full_answers(poll, rating=1 + n % 5))
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert services.results(poll)["voters"] == 30


def test_the_audience_hears_a_poll_opened_once(tree, people, django_capture_on_commit_callbacks):
    poll = factories.poll(unit=tree["b1"])
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            services.schedule_poll_notice(poll)
    got = Notification.objects.filter(kind=services.POLL_OPENED)
    assert sorted(got.values_list("user__learning_member__name", flat=True)) == ["张伟", "李娜"]
    later = factories.poll(unit=tree["r1"], opens_in=3)
    services.schedule_poll_notice(later)
    from django_q.models import Schedule

    schedule = Schedule.objects.get(name=f"learning-poll-opened-{later.pk}")
    assert schedule.next_run == later.opens_at
    assert not Notification.objects.filter(url__contains=f"/polls/{later.pk}/").exists()


def test_staff_create_a_poll_with_questions_and_options_in_the_admin(client, tree, people):
    from tests.test_voice_suggestions import into_admin

    into_admin(client, people["staff"])
    now = timezone.localtime()
    form = {
        "unit": tree["r1"].pk, "title": "食堂满意度", "description": "",
        "opens_at": (now - timedelta(hours=1)).strftime("%Y-%m-%d %H:%M"),
        "closes_at": (now + timedelta(days=5)).strftime("%Y-%m-%d %H:%M"),
        "anonymous": "on", "results": "after_vote",
        "questions-TOTAL_FORMS": "2", "questions-INITIAL_FORMS": "0",
        "questions-MIN_NUM_FORMS": "0", "questions-MAX_NUM_FORMS": "1000",
        "questions-0-order": "0", "questions-0-text": "饭菜口味", "questions-0-type": "single",
        "questions-0-required": "on", "questions-0-choices": "好\n一般\n差",
        "questions-1-order": "0", "questions-1-text": "", "questions-1-type": "single",
        "questions-1-required": "on",
        "questions-1-choices": "",
    }  # fmt: skip
    response = client.post("/admin/learning/voice/polls/new/", form)
    assert response.status_code == 302, (
        response.context["form"].errors,
        response.context["questions"].errors,
    )
    poll = Poll.objects.get(title="食堂满意度")
    question = poll.questions.get()
    assert [o.text for o in question.options.all()] == ["好", "一般", "差"]
    one_option = {**form, "title": "只有一个选项", "questions-0-choices": "好"}
    refused = client.post("/admin/learning/voice/polls/new/", one_option)
    assert "Give at least two options" in refused.content.decode()
