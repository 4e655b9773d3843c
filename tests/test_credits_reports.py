"""Unit reports: aggregated in the database, scoped, exported."""

import csv
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from dj_learning.credits import reports, services
from dj_learning.orgs.models import StaffRole
from dj_learning.test import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def year_data(tree, django_user_model):
    admin = django_user_model.objects.create_superuser("boss", password="x")
    factories.plan(unit=tree["r1"], year=2026, required_credits="2", min_elective_credits="1")
    factories.plan(unit=tree["b1a"], year=2026, required_credits="5", min_elective_credits="0")
    people = {
        "met": factories.member(unit=tree["b1"], name="达标"),
        "behind": factories.member(unit=tree["b1"], name="落后"),
        "sub": factories.member(unit=tree["b1a"], name="小组"),
        "far": factories.member(unit=tree["b2"], name="外区"),
    }
    for key, req, ele in (
        ("met", "2", "1"),
        ("behind", "1", "3"),
        ("sub", "4", "0"),
        ("far", "9", "9"),
    ):
        for kind, amount in (("required", req), ("elective", ele)):
            services.adjust(
                people[key], year=2026, kind=kind, amount=Decimal(amount), reason="补录", by=admin
            )
    return admin, people


def test_the_report_counts_who_met_the_plan_per_unit(tree, year_data):
    admin, _people = year_data
    rows = reports.unit_report(admin, tree["r1"], 2026)
    assert [(r.unit, r.members, r.met, r.behind, r.average) for r in rows] == [
        (tree["b1"], 2, 1, 1, Decimal("3.50")),
        (tree["b1a"], 1, 0, 1, Decimal("4.00")),  # the group's own, stricter plan
    ]


def test_members_without_a_plan_are_neither_met_nor_behind(tree, year_data):
    admin, people = year_data
    far = reports.members_with_credits(admin, tree["r2"], 2026).get()
    assert far.pk == people["far"].pk and far.met is None


def test_a_region_without_a_plan_reports_its_members_on_both_databases(tree, year_data):
    """No plan: nobody met, nobody behind or on track (the pace needs a plan)."""
    admin, _people = year_data
    (row,) = reports.unit_report(admin, tree["r2"], 2026, today=None)
    assert (row.unit, row.members, row.met, row.behind, row.on_track) == (tree["b2"], 1, 0, 0, 0)


def test_the_report_is_scoped_to_the_clerks_subtree(tree, year_data):
    clerk = factories.staff(role=StaffRole.Role.CLERK, unit=tree["b1a"])
    names = set(
        reports.members_with_credits(clerk, tree["national"], 2026).values_list("name", flat=True)
    )
    assert names == {"小组"}


def test_the_report_costs_the_same_queries_for_few_and_many_members(tree, year_data):
    admin, _people = year_data
    with CaptureQueriesContext(connection) as few:
        reports.unit_report(admin, tree["national"], 2026)
    for _ in range(30):
        factories.member(unit=tree["b1"])
    with CaptureQueriesContext(connection) as many:
        reports.unit_report(admin, tree["national"], 2026)
    assert len(few) == len(many) <= 4


def test_the_report_screen_and_its_exports_read_back(client, tree, year_data):
    clerk = factories.staff(role=StaffRole.Role.CLERK, unit=tree["b1"])
    from django.contrib.auth.models import Group, Permission

    staff = Group.objects.create(name="staff")
    staff.permissions.add(Permission.objects.get(codename="access_admin"))
    clerk.groups.add(staff)
    client.force_login(clerk)
    html = client.get("/admin/learning/report/", {"year": 2026}).content.decode()
    assert "达标" in html and "外区" not in html

    xlsx = client.get("/admin/learning/report/export.xlsx", {"year": 2026})
    rows = list(load_workbook(io.BytesIO(xlsx.content)).active.iter_rows(values_only=True))
    assert rows[0][:2] == ("member_number", "name")
    assert {(r[1], r[7]) for r in rows[1:]} == {("达标", "yes"), ("落后", "no"), ("小组", "no")}

    text = client.get("/admin/learning/report/export.csv", {"year": 2026}).content.decode(
        "utf-8-sig"
    )
    parsed = list(csv.reader(io.StringIO(text)))
    assert len(parsed) == 4 and {row[1] for row in parsed[1:]} == {"达标", "落后", "小组"}


def test_members_cannot_open_the_report(client, tree):
    member = factories.member(unit=tree["b1"])
    client.force_login(member.user)
    assert client.get("/admin/learning/report/").status_code in (302, 403)


def test_the_unit_report_api_is_for_staff_in_scope(client, tree, year_data):
    clerk = factories.staff(role=StaffRole.Role.CLERK, unit=tree["b1"], password="Test!pass2026")
    token = client.post(
        "/api/v1/auth/token",
        {"username": clerk.username, "password": "Test!pass2026"},
        content_type="application/json",
    ).json()["token"]
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    rows = client.get(f"/api/v1/units/{tree['b1'].pk}/report?year=2026", **auth).json()
    assert [(r["unit"], r["members"], r["met"], r["behind"]) for r in rows] == [
        ("一区一支部", 2, 1, 1),
        ("一区一支部一组", 1, 0, 1),
    ]
    assert client.get(f"/api/v1/units/{tree['r1'].pk}/report", **auth).status_code == 404
    assert client.get(f"/api/v1/units/{tree['b2'].pk}/report", **auth).status_code == 404


def test_the_report_agrees_with_a_plain_python_count(tree, year_data):
    """The SQL (one join, grouped twice) against the same numbers counted entry by entry."""
    from dj_learning.credits.models import CreditEntry
    from dj_learning.members.models import Member

    admin, people = year_data
    # Entries of another year, a member with none, one with a single kind, one inactive.
    services.adjust(
        people["met"], year=2025, kind="required", amount=Decimal("7"), reason="补录", by=admin
    )
    factories.member(unit=tree["b1"], name="无学分")
    single = factories.member(unit=tree["b1a"], name="只有选修")
    for amount in ("0.25", "1.50", "3.75"):
        services.adjust(
            single, year=2026, kind="elective", amount=Decimal(amount), reason="补录", by=admin
        )
    gone = factories.member(unit=tree["b1"], name="离开")
    services.adjust(gone, year=2026, kind="required", amount=Decimal("9"), reason="补录", by=admin)
    Member.objects.filter(pk=gone.pk).update(status=Member.Status.TRANSFERRED)

    plans = {tree["b1"].pk: (Decimal("2"), Decimal("1")), tree["b1a"].pk: (Decimal("5"), 0)}
    expected_members, expected_units = {}, {}
    for member in Member.objects.filter(status=Member.Status.ACTIVE):
        sums = {"required": Decimal("0"), "elective": Decimal("0")}
        for entry in CreditEntry.objects.filter(member=member, year=2026):
            sums[entry.kind] += entry.amount
        plan = plans.get(member.unit_id)
        met = (
            None if plan is None else (sums["required"] >= plan[0] and sums["elective"] >= plan[1])
        )
        total = sums["required"] + sums["elective"]
        expected_members[member.name] = (sums["required"], sums["elective"], total, met)
        unit = expected_units.setdefault(member.unit_id, [0, 0, 0, []])
        unit[0] += 1
        unit[1] += met is True
        unit[2] += met is False
        unit[3].append(total)

    annotated = reports.members_with_credits(admin, tree["national"], 2026)
    assert {m.name: (m.required, m.elective, m.total, m.met) for m in annotated} == (
        expected_members
    )
    rows = reports.unit_report(admin, tree["national"], 2026)
    assert {r.unit.pk: (r.members, r.met, r.behind, r.average) for r in rows} == {
        unit_id: (n, met, behind, (sum(totals) / n).quantize(Decimal("0.01")))
        for unit_id, (n, met, behind, totals) in expected_units.items()
    }
    behind = reports.members_with_credits(admin, tree["national"], 2026).filter(met=False)
    assert {m.name for m in behind} == {
        name for name, (*_sums, met) in expected_members.items() if met is False
    }
