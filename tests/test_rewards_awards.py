"""Awards from transcripts, and the points screens of the Wagtail admin."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone, translation

from dj_learning import jobs
from dj_learning.courses.services import study_year
from dj_learning.credits.models import CreditEntry
from dj_learning.rewards import awards, services, tasks
from dj_learning.rewards.models import PointEntry, PointRule, Redemption, TranscriptAward
from dj_learning.test import factories

pytestmark = pytest.mark.django_db
YEAR = study_year()


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def credits(member, amount, kind="required"):
    CreditEntry.objects.create(
        member=member,
        year=YEAR,
        kind=kind,
        amount=Decimal(amount),
        source="adjustment",
        title="学习",
        reason="测试",
        earned_on=f"{YEAR}-03-01",
    )


@pytest.fixture
def school(tree):
    """Region 1's plan needs 3 required credits; four members with 5, 3, 1 and 0 credits."""
    factories.plan(unit=tree["r1"], year=YEAR, required_credits="3")
    people = {}
    for name, amount in [("甲", 5), ("乙", 3), ("丙", 1), ("丁", 0)]:
        people[name] = factories.member(unit=tree["b1"], name=name)
        if amount:
            credits(people[name], amount)
    people["外区"] = factories.member(unit=tree["b2"], name="外区")
    credits(people["外区"], 9)
    admin = factories.staff(role="admin", unit=tree["r1"])
    return tree, people, admin


def names(award):
    rows = award.redemptions.all() if award.item_id else award.entries.all()
    return sorted(r.member.name for r in rows.select_related("member"))


def request(admin, unit, **kwargs):
    kwargs.setdefault("reason", "年度学习标兵")
    return awards.request_award(admin, unit, YEAR, **kwargs)


@pytest.mark.parametrize(
    "criterion,extra,expected",
    [
        ("met", {}, ["乙", "甲"]),
        ("top", {"top_n": 1}, ["甲"]),
        ("min_credits", {"min_credits": Decimal(1)}, ["丙", "乙", "甲"]),
    ],
)
def test_award_points_by_criterion_once(
    school, criterion, extra, expected, django_capture_on_commit_callbacks
):
    tree, people, admin = school
    with django_capture_on_commit_callbacks(execute=True):  # the job runs (Q is sync in tests)
        award = request(admin, tree["r1"], criterion=criterion, points=20, **extra)
    award.refresh_from_db()
    assert (award.status, award.total, award.done, award.awarded) == (
        "done",
        len(expected),
        len(expected),
        len(expected),
    )
    assert names(award) == expected
    tasks.run_award(award.pk)  # running it again awards nothing more
    assert names(award) == expected
    first = people[expected[0]]
    assert services.balance_of(first)[:2] == (20, 20)
    assert services.history(first).first().description == "Award: 年度学习标兵"
    assert services.check_ledger() == []
    # Each awarded member hears of it once (the rerun above told nobody again), in Chinese.
    from dj_learning.notifications.models import Notification

    notes = Notification.objects.filter(kind="rewards.points_awarded")
    assert sorted(n.user_id for n in notes) == sorted(people[n].user_id for n in expected)
    assert {(n.title, n.body) for n in notes} == {("你获得了 20 积分", "年度学习标兵")}


def test_award_a_catalog_item(school, django_capture_on_commit_callbacks):
    from dj_learning.notifications.models import Notification

    tree, people, admin = school
    item = factories.catalog_item(unit=tree["r1"], title="优秀学员证书", stock=2)
    award = request(admin, tree["r1"], criterion="met", item=item)
    with django_capture_on_commit_callbacks(execute=True):
        awards.run(award.pk)
        awards.run(award.pk)
    item.refresh_from_db()
    assert item.stock == 0 and names(award) == ["乙", "甲"]
    assert Redemption.objects.filter(award=award, cost=0, status="pending").count() == 2
    # The two awarded members hear it is ready to pick up, once, in Chinese.
    notes = Notification.objects.filter(kind="rewards.redemption_ready").order_by("user_id")
    assert [n.user_id for n in notes] == [people["甲"].user_id, people["乙"].user_id]
    assert notes[0].title == "“优秀学员证书”可以领取了"
    too_few = request(admin, tree["r1"], criterion="min_credits", min_credits=0, item=item)
    with pytest.raises(services.PointsError, match="Not enough stock"):
        awards.run(too_few.pk)
    assert TranscriptAward.objects.get(pk=too_few.pk).status == "failed"


def test_a_job_killed_halfway_and_rerun_awards_each_member_exactly_once(
    school, monkeypatch, settings
):
    tree, people, admin = school
    award = request(admin, tree["r1"], criterion="min_credits", min_credits=0, points=5)
    settings.DJ_LEARNING = {**settings.DJ_LEARNING, "AWARD_CHUNK_SIZE": 2}
    real = awards.award_chunk
    calls = []

    def dies_on_the_second_chunk(*args):
        calls.append(1)
        if len(calls) == 2:
            raise SystemExit("worker killed")
        return real(*args)

    monkeypatch.setattr(awards, "award_chunk", dies_on_the_second_chunk)
    with pytest.raises(SystemExit):
        awards.run(award.pk)
    assert PointEntry.objects.filter(award=award).count() == 2  # the first chunk committed
    monkeypatch.setattr(awards, "award_chunk", real)
    # The award is left "running": a rerun now leaves it to the run that holds it...
    assert awards.run(award.pk) is None
    assert PointEntry.objects.filter(award=award).count() == 2
    # ...and once the dead run's claim has lapsed (the cluster's timeout), it resumes.
    TranscriptAward.objects.filter(pk=award.pk).update(
        claimed_at=timezone.now() - timedelta(seconds=jobs.timeout() + 1)
    )
    awards.run(award.pk)
    awards.run(award.pk)
    assert names(award) == ["丁", "丙", "乙", "甲"]
    assert sorted(
        PointEntry.objects.filter(award=award).values_list("member_id", flat=True)
    ) == sorted(people[n].pk for n in ["甲", "乙", "丙", "丁"])
    assert all(services.balance_of(people[n])[0] == 5 for n in ["甲", "乙", "丙", "丁"])


def test_the_recipients_are_fixed_by_the_first_run(school):
    tree, people, admin = school
    award = request(admin, tree["r1"], criterion="top", top_n=1, points=5)
    awards.run(award.pk)
    credits(people["乙"], 10)  # 乙 now leads, but the award was already given
    awards.run(award.pk)
    assert names(award) == ["甲"]


@pytest.mark.parametrize("size", [3, 30])
def test_an_award_costs_the_same_queries_for_3_or_30_members(tree, size, django_assert_num_queries):
    admin = factories.staff(role="admin", unit=tree["r1"])
    for _ in range(size):
        credits(factories.member(unit=tree["b1"]), 2)
    award = request(admin, tree["r1"], criterion="min_credits", min_credits=1, points=3)
    # 20, and 2 for the members' notices (their accounts, one insert).
    with django_assert_num_queries(22):
        awards.run(award.pk)
    assert award.entries.count() == size


def test_awards_stay_in_the_admins_subtree(school):
    tree, people, admin = school
    with pytest.raises(services.PointsError, match="outside your units"):
        request(admin, tree["r2"], criterion="met", points=5)
    with pytest.raises(services.PointsError, match="reason"):
        request(admin, tree["r1"], criterion="met", points=5, reason=" ")
    award = request(admin, tree["r1"], criterion="min_credits", min_credits=0, points=1)
    awards.run(award.pk)
    assert "外区" not in names(award)


# -- The admin screens -----------------------------------------------------------------------


def into_admin(client, user):
    """Sign ``user`` in to the Wagtail admin, in English."""
    from django.contrib.auth.models import Permission
    from wagtail.users.models import UserProfile

    user.user_permissions.add(Permission.objects.get(codename="access_admin"))
    profile = UserProfile.get_for_user(user)
    profile.preferred_language = "en"
    profile.save()
    client.force_login(user)


@pytest.fixture
def admin_client(client, school):
    tree, people, admin = school
    into_admin(client, admin)
    return client


def test_the_award_screen_starts_a_job_and_shows_progress_and_recipients(
    admin_client, school, django_capture_on_commit_callbacks
):
    tree, people, admin = school
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            "/admin/learning/points/awards/new/",
            {
                "unit": tree["r1"].pk,
                "year": YEAR,
                "criterion": "met",
                "points": 15,
                "reason": "学习计划完成",
            },
        )
    page = admin_client.get(response.url).content.decode()
    assert "2 / 2 (100%)" in page and "学习计划完成" in page
    from wagtail.log_actions import registry

    logged = registry.get_logs_for_instance(TranscriptAward.objects.get())
    assert [(e.action, e.user) for e in logged] == [("wagtail.create", admin)]
    assert "甲" in page and "乙" in page and "丙" not in page


def test_the_award_screen_keeps_input_on_errors(admin_client, school):
    tree, people, admin = school
    response = admin_client.post(
        "/admin/learning/points/awards/new/",
        {"unit": tree["r1"].pk, "year": YEAR, "criterion": "top", "points": 15, "reason": "前列"},
    )
    page = response.content.decode()
    assert "Give N, the number of members to award." in page and "前列" in page
    assert not TranscriptAward.objects.exists()
    response = admin_client.post(
        "/admin/learning/points/awards/new/",
        {"unit": tree["r2"].pk, "year": YEAR, "criterion": "met", "points": 5, "reason": "x"},
    )
    assert "Select a valid choice" in response.content.decode()


def test_catalog_and_rules_screens_are_scoped(admin_client, school):
    tree, people, admin = school
    mine = factories.catalog_item(unit=tree["r1"], title="本区奖品")
    theirs = factories.catalog_item(unit=tree["r2"], title="他区奖品")
    page = admin_client.get("/admin/learning/points/catalog/").content.decode()
    assert "本区奖品" in page and "他区奖品" not in page
    assert admin_client.get(f"/admin/learning/points/catalog/edit/{theirs.pk}/").status_code == 404
    assert admin_client.get(f"/admin/learning/points/catalog/edit/{mine.pk}/").status_code == 200
    response = admin_client.post(
        "/admin/learning/points/catalog/new/",
        {"unit": tree["r2"].pk, "title": "越权", "cost": 5, "stock": 1, "active": "on"},
    )
    assert "Select a valid choice" in response.content.decode()
    response = admin_client.post(
        "/admin/learning/points/rules/new/",
        {
            "unit": tree["r1"].pk,
            "action": "check_in",
            "points": 5,
            "daily_cap": 10,
            "min_study_seconds": 0,
            "active": "on",
            "windows-TOTAL_FORMS": 1,
            "windows-INITIAL_FORMS": 0,
            "windows-0-starts_at": "2026-07-01T00:00",
            "windows-0-ends_at": "2026-07-08T00:00",
            "windows-0-multiplier": "2",
        },
    )
    assert response.status_code == 302
    page = admin_client.get("/admin/learning/points/rules/").content.decode()
    assert "Activity check-in" in page and "× 2" in page
    assert "2026-07-01 00:00 – 2026-07-08 00:00 × 2" in page  # local times, as entered


def test_redemptions_are_fulfilled_and_cancelled_by_staff_of_the_member(client, tree):
    member = factories.member(unit=tree["b1"], name="王芳")
    item = factories.catalog_item(unit=tree["r1"], title="党徽", cost=10, stock=3)
    factories.points(member, 30)
    a, b = services.redeem(member, item.pk), services.redeem(member, item.pk)
    outsider = factories.staff(role="clerk", unit=tree["b2"])
    into_admin(client, outsider)
    assert "王芳" not in client.get("/admin/learning/points/redemptions/").content.decode()
    url = "/admin/learning/points/redemptions/{}/decide/"
    assert client.post(url.format(a.pk), {"decision": "fulfil"}).status_code == 404
    client.force_login(member.user)
    assert client.post(url.format(a.pk), {"decision": "fulfil"}).status_code in (302, 403)
    assert Redemption.objects.get(pk=a.pk).status == "pending"
    clerk = factories.staff(role="clerk", unit=tree["b1"])
    into_admin(client, clerk)
    page = client.get(f"/admin/learning/points/redemptions/?code={a.code.lower()}").content.decode()
    assert a.code in page and b.code not in page
    client.post(url.format(a.pk), {"decision": "fulfil"})
    client.post(url.format(b.pk), {"decision": "cancel", "reason": "缺货"})
    assert Redemption.objects.get(pk=a.pk).status == "fulfilled"
    assert Redemption.objects.get(pk=b.pk).status == "cancelled"
    item.refresh_from_db()
    assert item.stock == 2 and services.balance_of(member)[:2] == (20, 30)


def download(response):
    """The bytes of a streamed spreadsheet download."""
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def xlsx_text(content):
    import io

    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(content)).active
    return " ".join(str(cell) for row in sheet.iter_rows(values_only=True) for cell in row)


def test_points_exports_and_object_urls_stay_in_the_admins_subtree(admin_client, school):
    tree, people, admin = school
    factories.catalog_item(unit=tree["r1"], title="本区奖品")
    theirs = factories.catalog_item(unit=tree["r2"], title="=他区奖品")
    mine_rule = factories.point_rule(unit=tree["r1"], action="check_in", points=7)
    their_rule = factories.point_rule(unit=tree["r2"], action="check_in", points=9)
    csv = download(admin_client.get("/admin/learning/points/catalog/?export=csv")).decode()
    assert "本区奖品" in csv and "他区奖品" not in csv
    xlsx = xlsx_text(download(admin_client.get("/admin/learning/points/catalog/?export=xlsx")))
    assert "本区奖品" in xlsx and "他区奖品" not in xlsx
    rules = download(admin_client.get("/admin/learning/points/rules/?export=csv")).decode()
    assert "一区" in rules and "二区" not in rules
    for url in (
        f"/admin/learning/points/rules/edit/{their_rule.pk}/",
        f"/admin/learning/points/rules/delete/{their_rule.pk}/",
        f"/admin/learning/points/rules/history/{their_rule.pk}/",
        f"/admin/learning/points/catalog/history/{theirs.pk}/",
    ):
        assert admin_client.get(url).status_code == 404, url
    assert (
        admin_client.post(f"/admin/learning/points/rules/delete/{their_rule.pk}/").status_code
        == 404
    )
    assert admin_client.get(f"/admin/learning/points/rules/edit/{mine_rule.pk}/").status_code == 200
    admin_client.post(f"/admin/learning/points/rules/delete/{mine_rule.pk}/")
    assert list(PointRule.objects.values_list("points", flat=True)) == [9]


def test_a_formula_in_a_catalog_title_is_exported_as_text(admin_client, school):
    tree, people, admin = school
    factories.catalog_item(unit=tree["r1"], title="=HYPERLINK(1)")
    csv = download(admin_client.get("/admin/learning/points/catalog/?export=csv")).decode()
    assert "'=HYPERLINK(1)" in csv


def test_redemption_exports_follow_the_clerks_subtree(client, tree):
    near = factories.member(unit=tree["b1"], name="王芳")
    far = factories.member(unit=tree["b2"], name="李强")
    for member in (near, far):
        item = factories.catalog_item(unit=member.unit, title="党徽", cost=10, stock=3)
        factories.points(member, 30)
        services.redeem(member, item.pk)
    into_admin(client, factories.staff(role="clerk", unit=tree["r1"]))
    page = client.get("/admin/learning/points/redemptions/").content.decode()
    assert "王芳" in page and "李强" not in page
    csv = download(client.get("/admin/learning/points/redemptions/?export=csv")).decode()
    assert "王芳" in csv and "李强" not in csv
    xlsx = xlsx_text(download(client.get("/admin/learning/points/redemptions/?export=xlsx")))
    assert "王芳" in xlsx and "李强" not in xlsx
    # A clerk hands items out; the catalog, rules and awards are the admin's (back to the dashboard).
    for url in ("/admin/learning/points/catalog/", "/admin/learning/points/awards/new/"):
        response = client.get(url)
        assert (response.status_code, response.url) == (302, "/admin/"), url


def test_the_award_list_shows_the_admins_awards_only(admin_client, school):
    tree, people, admin = school
    mine = request(admin, tree["r1"], criterion="met", points=5, reason="本区奖励")
    theirs = request(
        factories.staff(role="admin", unit=tree["r2"]),
        tree["r2"],
        criterion="met",
        points=5,
        reason="他区奖励",
    )
    page = admin_client.get("/admin/learning/points/awards/").content.decode()
    assert f"/admin/learning/points/awards/{mine.pk}/" in page and "一区" in page
    assert f"/admin/learning/points/awards/{theirs.pk}/" not in page
    assert admin_client.get(f"/admin/learning/points/awards/{theirs.pk}/").status_code == 404
    csv = download(admin_client.get("/admin/learning/points/awards/?export=csv")).decode()
    assert "本区奖励" in csv and "他区奖励" not in csv
    from django.utils.timezone import localtime

    assert f"{localtime(mine.created_at):%Y-%m-%d %H:%M}," in csv  # the site's local time


def test_the_counter_sees_waiting_redemptions_and_finds_any_by_its_code(client, tree):
    from wagtail.log_actions import registry

    member = factories.member(unit=tree["b1"], name="王芳")
    item = factories.catalog_item(unit=tree["r1"], title="党徽", cost=10, stock=3)
    factories.points(member, 30)
    done, waiting = services.redeem(member, item.pk), services.redeem(member, item.pk)
    clerk = factories.staff(role="clerk", unit=tree["b1"])
    services.fulfil(done, clerk)
    into_admin(client, clerk)
    page = client.get("/admin/learning/points/redemptions/").content.decode()
    assert waiting.code in page and done.code not in page
    for query in (f"q={done.code.lower()}", f"code={done.code.lower()}", "status=fulfilled"):
        page = client.get(f"/admin/learning/points/redemptions/?{query}").content.decode()
        assert done.code in page and waiting.code not in page, query
    client.post(f"/admin/learning/points/redemptions/{waiting.pk}/decide/", {"decision": "fulfil"})
    entry = registry.get_logs_for_instance(waiting).get()
    assert (entry.action, entry.user) == ("learning_rewards.fulfil", clerk)
    client.force_login(factories.user(is_superuser=True))
    history = client.get("/admin/reports/site-history/").content.decode()
    # The admin speaks the site's language (Chinese in the ready site).
    assert "兑换已领取" in history


def test_a_rule_and_its_time_windows_are_edited_together(admin_client, school):
    tree, people, admin = school
    rule = factories.point_rule(unit=tree["r1"], action="check_in", points=5)
    window = rule.windows.create(
        starts_at="2026-07-01T00:00+08:00", ends_at="2026-07-08T00:00+08:00", multiplier=2
    )
    url = f"/admin/learning/points/rules/edit/{rule.pk}/"
    assert 'value="2.00"' in admin_client.get(url).content.decode()
    response = admin_client.post(
        url,
        {
            "unit": tree["r1"].pk,
            "action": "check_in",
            "points": 6,
            "min_study_seconds": 0,
            "active": "on",
            "windows-TOTAL_FORMS": 2,
            "windows-INITIAL_FORMS": 1,
            "windows-0-id": window.pk,
            "windows-0-rule": rule.pk,
            "windows-0-starts_at": "2026-07-01T00:00",
            "windows-0-ends_at": "2026-07-08T00:00",
            "windows-0-multiplier": "3",
            "windows-1-starts_at": "",
            "windows-1-ends_at": "",
            "windows-1-multiplier": "",
        },
    )
    assert response.status_code == 302
    rule.refresh_from_db()
    assert rule.points == 6 and [w.multiplier for w in rule.windows.all()] == [3]
    from wagtail.log_actions import registry

    assert [e.action for e in registry.get_logs_for_instance(rule)] == ["wagtail.edit"]
    page = admin_client.get(f"/admin/learning/points/rules/history/{rule.pk}/")
    assert page.status_code == 200 and "Edited" in page.content.decode()


def test_lists_filter_by_a_unit_of_the_subtree_only(client, tree):
    names = {"b1": "王芳", "b1a": "赵敏", "b2": "李强"}
    for key, name in names.items():
        member = factories.member(unit=tree[key], name=name)
        item = factories.catalog_item(unit=tree[key], title="党徽", cost=10, stock=3)
        factories.points(member, 30)
        services.redeem(member, item.pk)
    into_admin(client, factories.staff(role="clerk", unit=tree["r1"]))
    url = "/admin/learning/points/redemptions/?unit={}"
    branch = client.get(url.format(tree["b1"].pk)).content.decode()
    assert "王芳" in branch and "赵敏" in branch and "李强" not in branch  # the subtree
    group = client.get(url.format(tree["b1a"].pk)).content.decode()
    assert "赵敏" in group and "王芳" not in group
    assert "二区一支部" not in branch  # another region's units are not offered
    csv = download(client.get(url.format(tree["b1a"].pk) + "&export=csv")).decode()
    assert "赵敏" in csv and "王芳" not in csv
    outside = client.get(url.format(tree["b2"].pk)).content.decode()
    assert "李强" not in outside


def test_the_redemption_list_costs_the_same_queries_for_many_rows(
    client, tree, django_assert_max_num_queries
):
    item = factories.catalog_item(unit=tree["r1"], title="党徽", cost=1, stock=100)
    for _ in range(12):
        member = factories.member(unit=tree["b1"])
        factories.points(member, 5)
        services.redeem(member, item.pk)
    into_admin(client, factories.staff(role="clerk", unit=tree["r1"]))
    client.get("/admin/learning/points/redemptions/")  # warm caches (site, content types)
    with django_assert_max_num_queries(13):
        page = client.get("/admin/learning/points/redemptions/").content.decode()
    assert page.count('data-testid="fulfil"') == 12


def test_the_award_list_and_page_name_who_awarded(admin_client, school):
    tree, people, admin = school
    factories.member(unit=tree["r1"], user=admin, name="周主任")
    award = request(admin, tree["r1"], criterion="met", points=5, reason="本区奖励")
    expected = f"周主任 ({admin.username})"
    assert expected in admin_client.get("/admin/learning/points/awards/").content.decode()
    page = admin_client.get(f"/admin/learning/points/awards/{award.pk}/").content.decode()
    assert expected in page
