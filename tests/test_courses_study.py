"""Effective study: what a heartbeat counts, when a lesson is studied, when a module completes."""

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone, translation

from dj_learning.courses import completion, services, signals
from dj_learning.courses.models import LessonProgress, ModuleCompletion
from dj_learning.test import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """Messages are asserted in English here; other tests check the Chinese."""
    with translation.override("en"):
        yield


T0 = timezone.now().replace(microsecond=0)


@pytest.fixture
def setup(tree):
    """A member of branch 1 whose region's plan requires one module of two 60-second lessons."""
    member = factories.member(unit=tree["b1"])
    course = factories.course()
    module = factories.module(course=course, minutes="2", lesson_count=2, credits="1.5")
    factories.plan(unit=tree["r1"], modules=[module], required_credits="1.5")
    lessons = list(services.lesson_requirements(module))
    return member, module, lessons


def beat(member, module, lesson, at, seconds, **kwargs):
    return services.record_heartbeat(
        member, module, lesson, seconds=seconds, now=T0 + timedelta(seconds=at), **kwargs
    )


def test_each_lesson_needs_its_share_of_the_modules_minimum(setup):
    member, module, lessons = setup
    assert services.lesson_requirements(module) == {lessons[0]: 60, lessons[1]: 60}


def test_a_lesson_with_its_own_minimum_keeps_it(tree):
    module = factories.module(minutes="3", lesson_count=3)
    module.lessons[0].value["min_minutes"] = Decimal("2")
    first, second, third = (block.id for block in module.lessons)
    # 2 minutes for the first; the module's 3 minutes shared by the other two.
    assert services.lesson_requirements(module) == {first: 120, second: 90, third: 90}


def test_the_first_beat_starts_the_clock_and_counts_nothing(setup):
    member, module, lessons = setup
    result = beat(member, module, lessons[0], at=0, seconds=50)
    assert (result.counted, result.seconds) == (0, 0)


def test_a_beat_counts_no_more_than_the_time_since_the_last(setup):
    member, module, lessons = setup
    beat(member, module, lessons[0], at=0, seconds=0)
    assert beat(member, module, lessons[0], at=20, seconds=20).counted == 20
    # Claims 50 seconds, but only 10 passed: faster than real time is capped.
    assert beat(member, module, lessons[0], at=30, seconds=50).counted == 10


def test_a_fraction_of_a_second_carries_into_the_next_beat_and_is_never_counted_early(setup):
    member, module, lessons = setup
    beat(member, module, lessons[0], at=0, seconds=0)
    # A page that gathered 4 s sends them a little less than 4 s after its last beat came.
    assert beat(member, module, lessons[0], at=3.99, seconds=4).counted == 3
    # The 0.99 s left over counts with the next beat: 4 s in 4.99 s, nothing lost.
    assert beat(member, module, lessons[0], at=4.99, seconds=1).counted == 1
    # Beats every half second claiming a second each count one second a second.
    counted = [beat(member, module, lessons[0], at=5 + i / 2, seconds=1).counted for i in range(8)]
    assert sum(counted) == 4


def test_a_beat_counts_no_more_than_the_cap(setup, learning_settings):
    learning_settings(HEARTBEAT_MAX_SECONDS=30)
    member, module, lessons = setup
    beat(member, module, lessons[0], at=0, seconds=0)
    assert beat(member, module, lessons[0], at=500, seconds=500).counted == 30


def test_nothing_counts_while_the_tab_is_hidden(setup):
    member, module, lessons = setup
    beat(member, module, lessons[0], at=0, seconds=0)
    hidden = beat(member, module, lessons[0], at=40, seconds=40, visible=False)
    assert (hidden.counted, hidden.seconds) == (0, 0)
    # The page counts only visible time, so its next beat claims the 10 visible seconds.
    assert beat(member, module, lessons[0], at=50, seconds=10).counted == 10


def test_a_hidden_second_tab_does_not_eat_the_visible_tabs_time(setup):
    member, module, lessons = setup
    beat(member, module, lessons[0], at=0, seconds=0)
    beat(member, module, lessons[1], at=10, seconds=0, visible=False)
    assert beat(member, module, lessons[0], at=20, seconds=20).counted == 20


def test_a_repeated_beat_is_never_counted_twice(setup):
    member, module, lessons = setup
    beat(member, module, lessons[0], at=0, seconds=0)
    assert beat(member, module, lessons[0], at=20, seconds=20).counted == 20
    again = beat(member, module, lessons[0], at=20, seconds=20)
    assert (again.counted, again.seconds) == (0, 20)
    # Replayed 5 seconds later, it finds only those 5 seconds on the clock.
    assert beat(member, module, lessons[0], at=25, seconds=20).counted == 5
    assert LessonProgress.objects.get().seconds == 25


def test_parallel_lessons_never_count_more_than_real_time(setup):
    member, module, lessons = setup
    for at in range(0, 121, 30):  # both lessons open side by side for two minutes
        for lesson in lessons:
            beat(member, module, lesson, at=at, seconds=30)
    assert sum(LessonProgress.objects.values_list("seconds", flat=True)) == 120


def test_a_beat_from_the_future_is_refused(setup):
    member, module, lessons = setup
    with pytest.raises(services.StudyError, match="future"):
        beat(member, module, lessons[0], at=0, seconds=1, sent_at=T0 + timedelta(minutes=5))
    # A device a second or two ahead is fine, and a time without a zone is the site's.
    beat(member, module, lessons[0], at=0, seconds=1, sent_at=T0 + timedelta(seconds=2))
    naive = timezone.localtime(T0).replace(tzinfo=None)
    beat(member, module, lessons[0], at=0, seconds=1, sent_at=naive)


def test_a_module_the_member_is_not_enrolled_in_is_refused(setup):
    member, _module, _lessons = setup
    elective = factories.module(kind="elective")
    lesson = next(iter(services.lesson_requirements(elective)))
    with pytest.raises(services.StudyError, match="not enrolled"):
        beat(member, elective, lesson, at=0, seconds=0)
    assert not LessonProgress.objects.filter(module=elective).exists()
    services.enrol(member, elective.get_parent())
    assert beat(member, elective, lesson, at=0, seconds=0).counted == 0


def test_a_course_offered_to_other_units_cannot_be_joined(setup, tree):
    member, _module, _lessons = setup
    elsewhere = factories.course(unit=tree["r2"])
    with pytest.raises(services.StudyError, match="other units"):
        services.enrol(member, elsewhere)
    services.enrol(member, factories.course(unit=tree["r1"]))


def test_an_unknown_lesson_is_refused(setup):
    member, module, _lessons = setup
    with pytest.raises(services.StudyError):
        beat(member, module, "no-such-lesson", at=0, seconds=0)


def study(member, module, lesson, *, start=0, seconds=60):
    """Beat every 30 s until ``seconds`` have counted."""
    result = None
    for i in range(seconds // 30 + 1):
        result = beat(member, module, lesson, at=start + 30 * i, seconds=30)
        if result.studied:
            break
    return result


def test_a_lesson_is_studied_at_its_minimum_and_the_module_completes_with_the_last(
    setup, django_capture_on_commit_callbacks
):
    member, module, lessons = setup
    received = []

    def listener(sender, completion, member, module, **kwargs):
        received.append((completion.pk, member.pk, module.pk))

    signals.module_completed.connect(listener)
    try:
        first = study(member, module, lessons[0])
        assert first.studied and not first.module_completed
        assert not ModuleCompletion.objects.exists()
        with django_capture_on_commit_callbacks(execute=True):
            second = study(member, module, lessons[1], start=1000)
        assert second.studied and second.module_completed
    finally:
        signals.module_completed.disconnect(listener)

    record = ModuleCompletion.objects.get()
    assert (record.member, record.module_id, record.credits, record.kind) == (
        member,
        module.pk,
        Decimal("1.5"),
        "required",
    )
    assert record.module_title == module.title
    assert record.year == services.study_year(record.completed_at)
    assert received == [(record.pk, member.pk, module.pk)]


def test_completion_is_recorded_once_and_signalled_once(setup, django_capture_on_commit_callbacks):
    member, module, lessons = setup
    calls = []
    signals.module_completed.connect(lambda **kw: calls.append(kw), weak=False, dispatch_uid="t")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            study(member, module, lessons[0])
            study(member, module, lessons[1], start=1000)
        with django_capture_on_commit_callbacks(execute=True):
            assert services.try_complete(member, module) is None
            study(member, module, lessons[1], start=5000)
    finally:
        signals.module_completed.disconnect(dispatch_uid="t")
    assert ModuleCompletion.objects.count() == 1
    assert len(calls) == 1


def test_the_database_refuses_a_second_completion(setup):
    from django.db import IntegrityError, transaction

    member, module, lessons = setup
    study(member, module, lessons[0])
    study(member, module, lessons[1], start=1000)
    with pytest.raises(IntegrityError), transaction.atomic():
        ModuleCompletion.objects.create(
            member=member,
            module=module,
            module_title="x",
            kind="required",
            credits=1,
            year=2026,
            completed_at=timezone.now(),
        )


def test_prerequisites_hold_completion_back_until_they_complete(tree):
    member = factories.member(unit=tree["b1"])
    course = factories.course()
    first = factories.module(course=course, title="党章总纲导读", lesson_count=1)
    second = factories.module(course=course, lesson_count=1, prerequisites=[first])
    factories.plan(unit=tree["b1"], modules=[first, second])
    (second_lesson,) = services.lesson_requirements(second)
    (first_lesson,) = services.lesson_requirements(first)

    result = study(member, second, second_lesson, seconds=120)
    assert result.studied and not result.module_completed
    with translation.override("en"):
        assert services.missing_for_completion(member, second) == ["complete “党章总纲导读” first"]

    study(member, first, first_lesson, seconds=120, start=1000)
    # Completing the prerequisite completes the module that waited for it.
    assert set(ModuleCompletion.objects.values_list("module_id", flat=True)) == {
        first.pk,
        second.pk,
    }


def test_a_registered_requirement_must_hold(setup):
    member, module, lessons = setup
    state = {"passed": False}

    def quiz_passed(member, module):
        return state["passed"]

    with completion.requirements.registered("tests.quiz_passed", quiz_passed):
        study(member, module, lessons[0])
        assert not study(member, module, lessons[1], start=1000).module_completed
        state["passed"] = True
        assert services.try_complete(member, module) is not None


def test_the_test_setting_shortens_every_lesson(setup, learning_settings):
    learning_settings(LESSON_MIN_SECONDS=5)
    _member, module, lessons = setup
    assert services.lesson_requirements(module) == {lessons[0]: 5, lessons[1]: 5}


def test_unpublishing_or_deleting_a_module_keeps_what_was_earned(
    setup, django_capture_on_commit_callbacks
):
    member, module, lessons = setup
    with django_capture_on_commit_callbacks(execute=True):  # the ledger hears of it
        study(member, module, lessons[0])
        study(member, module, lessons[1], start=1000)
    module.unpublish()
    assert ModuleCompletion.objects.get().credits == Decimal("1.5")
    module.delete()
    record = ModuleCompletion.objects.get()
    assert (record.module_title, record.credits) == (module.title, Decimal("1.5"))
    summary = services.plan_summary(member)
    assert summary.required_earned == Decimal("1.5")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_concurrent_completions_record_one(tree):
    member = factories.member(unit=tree["b1"])
    module = factories.module(lesson_count=1)
    factories.plan(unit=tree["b1"], modules=[module])
    (lesson,) = services.lesson_requirements(module)
    LessonProgress.objects.create(
        member=member, module=module, lesson_id=lesson, seconds=600, studied_at=timezone.now()
    )
    calls = []
    signals.module_completed.connect(lambda **kw: calls.append(1), weak=False, dispatch_uid="c")
    barrier = threading.Barrier(2)
    results = []

    def complete():
        try:
            barrier.wait()
            results.append(services.try_complete(member, module))
        finally:
            connection.close()

    threads = [threading.Thread(target=complete) for _ in range(2)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        signals.module_completed.disconnect(dispatch_uid="c")
    assert ModuleCompletion.objects.count() == 1
    assert sum(r is not None for r in results) == 1
    assert calls == [1]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_beats_count_the_time_once(setup):
    member, module, lessons = setup
    beat(member, module, lessons[0], at=0, seconds=0)
    barrier = threading.Barrier(4)

    def send(lesson):
        try:
            barrier.wait()
            beat(member, module, lesson, at=30, seconds=30)
        finally:
            connection.close()

    # Four beats for the same 30 seconds, two on each lesson, as from parallel tabs.
    threads = [threading.Thread(target=send, args=(lessons[i % 2],)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # The first counts them; the others find no time left on the member's clock.
    assert sum(LessonProgress.objects.values_list("seconds", flat=True)) == 30


@pytest.mark.parametrize("status", ["suspended", "transferred", "deceased"])
def test_only_active_members_study(setup, status):
    member, module, lessons = setup
    member.status = status
    member.save()
    with pytest.raises(services.StudyError, match="active"):
        beat(member, module, lessons[0], at=0, seconds=0)
    with pytest.raises(services.StudyError, match="active"):
        services.enrol(member, module.get_parent())


def test_a_heartbeat_costs_a_fixed_number_of_queries(setup, client, django_assert_max_num_queries):
    """Every member with a study page open sends one every 15 seconds: the site's
    busiest request (bench/scenarios/load.py). Session and account, the module and its
    view restrictions, the plan, then the clock (a read and a conditional update, no
    lock) and the lesson's progress (a read and an addition in the database)."""
    member, module, lessons = setup
    client.force_login(member.user)
    body = {"module": module.pk, "lesson": lessons[0], "seconds": 15}
    client.post("/api/v1/study/heartbeat", body, content_type="application/json")
    with django_assert_max_num_queries(13):  # 11, and the savepoint of the test's transaction
        response = client.post("/api/v1/study/heartbeat", body, content_type="application/json")
    assert response.status_code == 200
    assert response.json()["seconds"] == response.json()["counted"]
