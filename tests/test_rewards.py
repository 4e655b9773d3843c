"""Points: every rule type, caps, windows, once-only, the ledger, redemptions, member pages."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from dj_learning.courses import services as courses
from dj_learning.courses import signals
from dj_learning.quizzes import signals as quiz_signals
from dj_learning.rewards import services
from dj_learning.rewards.models import Action, Balance, PointEntry, Redemption, RuleWindow
from dj_learning.test import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def member(tree):
    return factories.member(unit=tree["b1"], name="王芳")


def balance(member):
    return services.balance_of(member)[:2]


# -- Rules ---------------------------------------------------------------------------------

SERVICE_ACTIONS = [
    Action.DAILY_SIGN_IN,
    Action.CHECK_IN,
    Action.VOLUNTEER_HOUR,
    Action.SUGGESTION_ADOPTED,
    Action.MANUAL,
    Action.LESSON_STUDIED,
    Action.MODULE_COMPLETED,
    Action.QUIZ_PASSED,
    Action.FULL_MARKS,
]


@pytest.mark.parametrize("action", SERVICE_ACTIONS)
def test_each_rule_type_awards_its_points_once_per_source(tree, member, action):
    factories.point_rule(unit=tree["r1"], action=action, points=7)
    source = factories.unit(parent=tree["b1"], name="主题党日")  # any model instance will do
    entry = services.award(member, action, source=source, title="主题党日")
    assert entry.amount == 7 and entry.kind == "earned" and entry.action == action
    assert services.award(member, action, source=source, title="主题党日") is None
    assert balance(member) == (7, 7)


def test_no_rule_no_points(member):
    assert services.award(member, Action.CHECK_IN, title="x") is None
    assert balance(member) == (0, 0)


def test_the_nearest_rule_wins_and_other_regions_rules_do_not_apply(tree, member):
    factories.point_rule(unit=tree["national"], action=Action.CHECK_IN, points=1)
    factories.point_rule(unit=tree["r1"], action=Action.CHECK_IN, points=5)
    factories.point_rule(unit=tree["r2"], action=Action.CHECK_IN, points=50)
    other = factories.member(unit=tree["b2"])
    assert services.award(member, Action.CHECK_IN, title="a").amount == 5
    factories.point_rule(unit=tree["b1"], action=Action.CHECK_IN, points=3)
    assert services.award(member, Action.CHECK_IN, title="b").amount == 3
    # The national rule applies in region 2's... no: region 2 has its own.
    assert services.award(other, Action.CHECK_IN, title="c").amount == 50
    lone = factories.member(unit=factories.unit(parent=tree["national"], kind="region"))
    assert services.award(lone, Action.CHECK_IN, title="d").amount == 1


def test_volunteer_hours_multiply_the_rule(tree, member):
    factories.point_rule(unit=tree["r1"], action=Action.VOLUNTEER_HOUR, points=4)
    entry = services.award(member, Action.VOLUNTEER_HOUR, title="社区服务", quantity=Decimal("2.5"))
    assert entry.amount == 10


def test_the_daily_cap_holds_and_resets_at_midnight_in_shanghai(tree, member):
    factories.point_rule(unit=tree["r1"], action=Action.CHECK_IN, points=4, daily_cap=10)
    # 15:59 UTC is 23:59 in Asia/Shanghai; 16:00 UTC is the next day there.
    before = datetime(2026, 6, 1, 15, 59, tzinfo=UTC)
    after = datetime(2026, 6, 1, 16, 0, tzinfo=UTC)
    got = [services.award(member, Action.CHECK_IN, title=f"活动{i}", now=before) for i in range(4)]
    assert [e.amount if e else None for e in got] == [4, 4, 2, None]
    assert got[0].day.isoformat() == "2026-06-01"
    nxt = services.award(member, Action.CHECK_IN, title="次日活动", now=after)
    assert nxt.amount == 4 and nxt.day.isoformat() == "2026-06-02"
    assert balance(member) == (14, 14)


def test_a_window_multiplies_the_points(tree, member):
    rule = factories.point_rule(unit=tree["r1"], action=Action.CHECK_IN, points=5)
    start = datetime(2026, 7, 1, tzinfo=UTC)
    RuleWindow.objects.create(
        rule=rule, starts_at=start, ends_at=start + timedelta(days=7), multiplier=Decimal("1.5")
    )
    assert services.award(member, Action.CHECK_IN, title="a", now=start).amount == 8
    assert services.award(member, Action.CHECK_IN, title="b", now=start - timedelta(1)).amount == 5
    assert services.award(member, Action.CHECK_IN, title="c", now=start + timedelta(7)).amount == 5


def test_once_per_item_earns_for_the_first_source_only(tree, member):
    factories.point_rule(unit=tree["r1"], action=Action.QUIZ_PASSED, points=6, once_per_item=True)
    quiz = factories.unit(parent=tree["b1"], name="党章测验")
    first, second = factories.unit(parent=tree["b1"]), factories.unit(parent=tree["b1"])
    assert services.award(member, Action.QUIZ_PASSED, source=first, item=quiz).amount == 6
    assert services.award(member, Action.QUIZ_PASSED, source=second, item=quiz) is None
    other_quiz = factories.unit(parent=tree["b1"])
    assert services.award(member, Action.QUIZ_PASSED, source=second, item=other_quiz).amount == 6


def test_study_points_need_the_minimum_effective_time(tree, member):
    factories.point_rule(
        unit=tree["r1"], action=Action.LESSON_STUDIED, points=2, min_study_seconds=120
    )
    assert services.award(member, Action.LESSON_STUDIED, title="a", seconds=119) is None
    assert services.award(member, Action.LESSON_STUDIED, title="b", seconds=120).amount == 2
    assert services.award(member, Action.LESSON_STUDIED, title="c", seconds=lambda: 600).amount == 2


# -- Listeners ---------------------------------------------------------------------------------


def test_studying_a_module_earns_lesson_and_module_points(
    tree, member, django_capture_on_commit_callbacks
):
    factories.point_rule(unit=tree["r1"], action=Action.LESSON_STUDIED, points=1)
    factories.point_rule(unit=tree["r1"], action=Action.MODULE_COMPLETED, points=10)
    module = factories.module(title="党章学习", minutes="1", lesson_count=1)
    factories.plan(unit=tree["r1"], modules=[module])
    (lesson,) = courses.lesson_requirements(module)
    t0 = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        for i in range(4):
            courses.record_heartbeat(
                member, module, lesson, seconds=30, now=t0 + timedelta(seconds=30 * i)
            )
    texts = [e.description for e in services.history(member)]
    assert "Module 党章学习 completed" in texts
    assert any(t.startswith("Lesson 党章学习 · ") for t in texts)
    assert balance(member) == (11, 11)


def test_a_module_completed_signal_delivered_twice_awards_once(
    tree, member, django_capture_on_commit_callbacks
):
    from dj_learning.courses.models import ModuleCompletion

    factories.point_rule(unit=tree["r1"], action=Action.MODULE_COMPLETED, points=10)
    module = factories.module(title="党史", lesson_count=1)
    completion = ModuleCompletion.objects.create(
        member=member,
        module=module,
        module_title="党史",
        kind="required",
        credits=1,
        year=courses.study_year(),
        completed_at=timezone.now(),
    )
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            signals.module_completed.send_robust(
                sender=ModuleCompletion, completion=completion, member=member, module=module
            )
    assert PointEntry.objects.filter(member=member).count() == 1


def test_quiz_passed_awards_pass_and_full_marks(tree, member, django_capture_on_commit_callbacks):
    factories.point_rule(unit=tree["r1"], action=Action.QUIZ_PASSED, points=5)
    factories.point_rule(unit=tree["r1"], action=Action.FULL_MARKS, points=3)
    quiz = SimpleNamespace(pk=1, title="党纪测验")
    # The attempt is a stand-in: any saved model instance gives a natural key.
    attempt = factories.unit(parent=tree["b1"], name="attempt")
    for _ in range(2):  # delivered twice: awarded once
        with django_capture_on_commit_callbacks(execute=True):
            quiz_signals.quiz_passed.send_robust(
                sender=type(attempt),
                attempt=attempt,
                member=member,
                quiz=quiz,
                module=None,
                score=Decimal(10),
                max_score=Decimal(10),
                full_marks=True,
            )
    assert sorted(e.description for e in services.history(member)) == [
        "Full marks in quiz 党纪测验",
        "Quiz 党纪测验 passed",
    ]
    assert balance(member) == (8, 8)


def test_a_failing_award_never_breaks_the_sender(
    tree, member, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    def boom(*args, **kwargs):
        raise RuntimeError("database down")

    monkeypatch.setattr(services, "award", boom)
    attempt = factories.unit(parent=tree["b1"])
    with django_capture_on_commit_callbacks(execute=True):
        results = quiz_signals.quiz_passed.send(
            sender=type(attempt),
            attempt=attempt,
            member=member,
            quiz=SimpleNamespace(title="q"),
            module=None,
            score=1,
            max_score=2,
            full_marks=False,
        )
    assert results and "could not be awarded" in caplog.text


# -- The ledger ------------------------------------------------------------------------------


def test_the_balance_cannot_go_below_zero_in_the_database(member):
    factories.points(member, 5)
    with pytest.raises(IntegrityError), transaction.atomic():
        Balance.objects.filter(pk=member.pk).update(balance=-1)


def test_adjustments_need_a_reason_and_cannot_overdraw(member):
    with pytest.raises(services.PointsError, match="reason"):
        services.adjust(member, 5, reason=" ", by=None)
    factories.points(member, 5)
    with pytest.raises(services.PointsError, match="Not enough points"):
        services.adjust(member, -6, reason="更正", by=None)
    services.adjust(member, -5, reason="更正", by=None)
    assert balance(member) == (0, 0)


def test_the_ledger_check_finds_an_injected_drift_and_repairs_it(member, tree):
    other = factories.member(unit=tree["b2"])
    factories.points(member, 30)
    factories.points(other, 10)
    call_command("learning_check_ledger")  # agrees: no error
    Balance.objects.filter(pk=member.pk).update(balance=31)
    with pytest.raises(CommandError, match="1 balance"):
        call_command("learning_check_ledger")
    from dj_learning.rewards import tasks

    assert tasks.check_ledger() == 1
    drift = services.check_ledger()[0]
    assert (drift.member_id, drift.cached_balance, drift.ledger_balance) == (member.pk, 31, 30)
    call_command("learning_check_ledger", "--repair")
    assert services.check_ledger() == []
    assert balance(member) == (30, 30)


# -- Redemption ------------------------------------------------------------------------------


def test_redeem_deducts_points_reserves_stock_and_gives_a_code(tree, member):
    item = factories.catalog_item(unit=tree["r1"], title="党徽", cost=30, stock=2)
    factories.points(member, 50)
    redemption = services.redeem(member, item.pk)
    item.refresh_from_db()
    assert item.stock == 1 and balance(member) == (20, 50)
    assert len(redemption.code) == 8 and redemption.status == "pending"
    assert services.history(member).first().description == "Redeemed 党徽"


def test_redeem_refuses_clearly(tree, member):
    item = factories.catalog_item(unit=tree["r1"], title="书签", cost=30, stock=1)
    with pytest.raises(services.PointsError, match="You need 30 points; you have 0"):
        services.redeem(member, item.pk)
    factories.points(member, 100)
    services.redeem(member, item.pk)
    with pytest.raises(services.PointsError, match="out of stock"):
        services.redeem(member, item.pk)
    elsewhere = factories.catalog_item(unit=tree["r2"], cost=1)
    with pytest.raises(services.PointsError, match="not available to you"):
        services.redeem(member, elsewhere.pk)
    past = factories.catalog_item(unit=tree["r1"], cost=1, ends_at=timezone.now())
    with pytest.raises(services.PointsError, match="not available"):
        services.redeem(member, past.pk)
    assert balance(member) == (70, 100)


def test_the_per_member_limit_counts_redemptions_not_cancelled(tree, member):
    item = factories.catalog_item(unit=tree["r1"], title="笔记本", cost=10, per_member_limit=2)
    factories.points(member, 100)
    first = services.redeem(member, item.pk)
    services.redeem(member, item.pk)
    with pytest.raises(services.PointsError, match="at most 2 times"):
        services.redeem(member, item.pk)
    services.cancel(first, by=None, reason="不要了")
    services.redeem(member, item.pk)


def test_fulfil_and_cancel_with_refund(tree, member):
    item = factories.catalog_item(unit=tree["r1"], title="党徽", cost=30, stock=5)
    factories.points(member, 60)
    a, b = services.redeem(member, item.pk), services.redeem(member, item.pk)
    clerk = factories.staff(role="clerk", unit=tree["b1"])
    services.fulfil(a, clerk)
    services.cancel(b, clerk, reason="缺货")
    item.refresh_from_db()
    assert item.stock == 4 and balance(member) == (30, 60)
    assert Redemption.objects.get(pk=a.pk).status == "fulfilled"
    assert services.history(member).first().description == "Refund: redemption of 党徽 cancelled"
    with pytest.raises(services.PointsError, match="already"):
        services.cancel(a, clerk)
    with pytest.raises(services.PointsError, match="already"):
        services.cancel(b, clerk)
    assert balance(member) == (30, 60)
    assert services.check_ledger() == []


def test_fifty_redemptions_of_the_last_item_one_after_the_other(tree, member):
    """On SQLite (IMMEDIATE transactions) as on PostgreSQL: one succeeds, nothing lost."""
    item = factories.catalog_item(unit=tree["r1"], cost=10, stock=1)
    members = [factories.member(unit=tree["b1"]) for _ in range(5)]
    for m in members:
        factories.points(m, 100)
    outcomes = []
    for i in range(50):
        try:
            services.redeem(members[i % 5], item.pk)
            outcomes.append("ok")
        except services.PointsError as error:
            outcomes.append(str(error))
    assert outcomes.count("ok") == 1
    assert set(outcomes) - {"ok"} == {f"Sorry, “{item.title}” is out of stock."}
    item.refresh_from_db()
    assert item.stock == 0 and Redemption.objects.count() == 1
    assert sum(services.balance_of(m)[0] for m in members) == 490
    assert services.check_ledger() == []


# -- Member pages ----------------------------------------------------------------------------


@pytest.fixture
def signed_in(client, member):
    client.force_login(member.user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def test_my_points_shows_balance_lifetime_and_sources_in_words(tree, member, signed_in):
    factories.point_rule(unit=tree["r1"], action=Action.CHECK_IN, points=5)
    services.award(member, Action.CHECK_IN, title="主题党日 2026-11-20")
    item = factories.catalog_item(unit=tree["r1"], title="党徽", cost=3)
    services.redeem(member, item.pk)
    page = signed_in.get("/learning/points/").content.decode()
    assert 'data-testid="points-balance">2<' in page
    assert 'data-testid="points-lifetime">5<' in page
    assert "Checked in at 主题党日 2026-11-20" in page and "Redeemed 党徽" in page


def test_history_in_chinese(tree, member, signed_in):
    factories.point_rule(unit=tree["r1"], action=Action.MODULE_COMPLETED, points=5)
    services.award(member, Action.MODULE_COMPLETED, title="党章学习")
    with translation.override("zh-hans"):
        page = signed_in.get("/learning/points/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "完成模块 党章学习" in page


def test_history_and_balance_cost_the_same_queries_for_5_and_200_entries(tree, member, signed_in):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def add(count):
        PointEntry.objects.bulk_create(
            PointEntry(
                member=member,
                amount=1,
                kind="adjustment",
                title="x",
                reason="批量",
                day="2026-01-01",
            )
            for _ in range(count)
        )

    def queries(call):
        with CaptureQueriesContext(connection) as context:
            call()
        return len(context)

    def page():
        assert signed_in.get("/learning/points/").status_code == 200

    add(5)
    signed_in.get("/learning/points/")  # warm caches (site, content types)
    small = (queries(page), queries(lambda: services.balance_of(member)))
    add(195)
    assert (queries(page), queries(lambda: services.balance_of(member))) == small
    assert small[0] <= 9 and small[1] == 1


def test_leaderboard_ranks_by_period_and_hides_who_asks(tree, member, signed_in):
    other = factories.member(unit=tree["b1"], name="李强")
    far = factories.member(unit=tree["b2"], name="远方")
    factories.points(member, 10)
    factories.points(other, 20)
    factories.points(far, 99)

    def board(url="/learning/points/leaderboard/?period=week"):
        page = signed_in.get(url).content.decode()
        return page.split('data-testid="leaderboard"')[1].split("</table>")[0]

    shown = board()
    assert shown.index("李强") < shown.index("王芳") and "远方" not in shown
    signed_in.post("/learning/points/hide/", {"hidden": "1"})
    shown = board()
    assert "王芳" not in shown and "李强" in shown
    board = services.leaderboard(tree["national"], "year")
    assert [r["member__name"] for r in board.rows] == ["远方", "李强"]


def test_leaderboard_periods_start_in_local_time():
    now = datetime(2026, 6, 3, 16, 30, tzinfo=UTC)  # Thursday 00:30 in Shanghai
    assert services.period_start("week", now).isoformat() == "2026-06-01T00:00:00+08:00"
    assert services.period_start("month", now).isoformat() == "2026-06-01T00:00:00+08:00"


def test_catalog_redeem_and_my_redemptions(tree, member, signed_in):
    item = factories.catalog_item(unit=tree["r1"], title="党徽", cost=30, stock=3)
    factories.catalog_item(unit=tree["r2"], title="别区奖品")
    factories.points(member, 40)
    page = signed_in.get("/learning/rewards/").content.decode()
    assert "党徽" in page and "别区奖品" not in page
    assert signed_in.get(f"/learning/rewards/{item.pk}/redeem/").status_code == 405
    response = signed_in.post(f"/learning/rewards/{item.pk}/redeem/", follow=True)
    code = Redemption.objects.get().code
    page = response.content.decode()
    assert f"Your pick-up code is {code}" in page and code in page
    response = signed_in.post(f"/learning/rewards/{item.pk}/redeem/", follow=True)
    assert "You need 30 points; you have 10." in response.content.decode()


def test_redeem_needs_csrf(tree, member):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(member.user)
    item = factories.catalog_item(unit=tree["r1"], cost=1)
    factories.points(member, 5)
    assert client.post(f"/learning/rewards/{item.pk}/redeem/").status_code == 403
    assert Redemption.objects.count() == 0


def test_points_pages_need_a_member(client, tree):
    assert client.get("/learning/points/").status_code == 302
    client.force_login(factories.user())
    assert client.get("/learning/points/").status_code == 404


def test_points_in_the_transcript(tree, member, signed_in):
    factories.point_rule(unit=tree["r1"], action=Action.CHECK_IN, points=5)
    services.award(member, Action.CHECK_IN, title="a")
    services.award(member, Action.CHECK_IN, title="b")
    factories.points(member, 3)
    page = signed_in.get("/learning/transcript/").content.decode()
    assert "Points earned" in page and "Activity check-in" in page and ">13<" in page


# -- The demo --------------------------------------------------------------------------------


def test_the_demo_has_rules_catalogs_and_a_history_for_member(demo_courses, client):
    from django.contrib.auth import get_user_model

    from dj_learning.rewards.models import CatalogItem, PointRule

    assert PointRule.objects.filter(unit__code="region-2").count() == 8
    assert CatalogItem.objects.filter(unit__code="region-1", image__isnull=False).count() == 4
    member = get_user_model().objects.get(username="member").learning_member
    texts = [e.description for e in services.history(member)]
    assert "Checked in at 主题党日" in " ".join(texts) and any("completed" in t for t in texts)
    before = services.balance_of(member)
    call_command("learning_demo", verbosity=0)
    assert services.balance_of(member) == before
    assert services.check_ledger() == []
    client.force_login(member.user)
    page = client.get("/learning/rewards/", HTTP_HOST="127.0.0.1").content.decode()
    assert "党徽" in page and "帆布袋" not in page and "<img" in page


def test_points_in_the_transcript_pdf(tree, member):
    import io

    from pypdf import PdfReader

    from dj_learning.credits import services as credits
    from dj_learning.credits.documents import transcript_pdf

    factories.point_rule(unit=tree["r1"], action=Action.CHECK_IN, points=5)
    services.award(member, Action.CHECK_IN, title="a")
    with translation.override("zh-hans"):
        content = transcript_pdf(credits.transcript(member))
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    assert "获得积分" in text and "活动签到" in text
