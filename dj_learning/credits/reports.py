"""Unit reports: who met the plan, who is behind, average credits — aggregated in the database."""

from dataclasses import dataclass
from datetime import date
from decimal import Context, Decimal

from django.db import connections
from django.db.models import (
    Case,
    DecimalField,
    F,
    FilteredRelation,
    IntegerField,
    Q,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone

from dj_learning.courses import services as courses
from dj_learning.courses.models import Kind
from dj_learning.members.models import Member
from dj_learning.orgs import scope
from dj_learning.orgs.models import Unit

from .models import CreditEntry

MONEY = DecimalField(max_digits=8, decimal_places=2)
STAFF_ROLES = scope.STAFF_ROLES


#: The member's ledger entries of the report's year, joined once (the year in the ``ON``).
YEAR_ENTRIES = "year_entries"


def _sum(kind):
    """The member's credits of ``kind`` in the year: a ``SUM`` over the one join."""
    return Coalesce(
        Sum(f"{YEAR_ENTRIES}__amount", filter=Q(**{f"{YEAR_ENTRIES}__kind": kind})),
        Value(Decimal("0")),
        output_field=MONEY,
    )


def _by_plan(plans, attribute, output_field=MONEY):
    """The ``attribute`` of each member's plan (``plans``: ``{unit_id: plan}``), as a
    ``CASE`` on the member's unit; ``NULL`` where no plan applies."""
    groups = {}
    for unit_id, plan in plans.items():
        groups.setdefault(getattr(plan, attribute), []).append(unit_id)
    return Case(
        *[When(unit_id__in=ids, then=Value(value)) for value, ids in groups.items()],
        default=Value(None),
        output_field=output_field,
    )


def members_with_credits(user, unit, year):
    """The active members of ``unit``'s subtree in the user's scope, with ``required``,
    ``elective``, ``total`` and ``met`` (None where no plan applies) annotated.

    ``user=None`` is the system itself (scheduled jobs): no scope applies.

    The credits come from one ``LEFT JOIN`` of the year's ledger entries, grouped by
    member (``SUM`` with a filter per kind), not from a subquery per member and kind:
    the cost stays linear in the entries, and filters on the annotations
    (``.filter(met=False)``) become ``HAVING`` clauses.
    """
    return _with_credits(Member.objects.all(), user, unit, year)


def _with_credits(members, user, unit, year):
    units = list(Unit.objects.filter(path__startswith=unit.path))
    plans = courses.plans_for_units(units, year)
    members = members.filter(unit__path__startswith=unit.path, status=Member.Status.ACTIVE)
    if user is not None:
        members = scope.filter_members(user, members, roles=STAFF_ROLES)
    entries = FilteredRelation("credit_entries", condition=Q(credit_entries__year=year))
    return (
        # The plan's id is read only by the plan rule with PLAN_MET_REQUIRES_MODULES.
        members.alias(**{YEAR_ENTRIES: entries}, plan_id=_by_plan(plans, "pk", IntegerField()))
        .annotate(
            required=_sum(Kind.REQUIRED),
            elective=_sum(Kind.ELECTIVE),
            total=F("required") + F("elective"),
            need_required=_by_plan(plans, "required_credits"),
            need_elective=_by_plan(plans, "min_elective_credits"),
        )
        .annotate(
            met=Case(
                When(need_required__isnull=True, then=Value(None)),
                When(
                    # The plan rule, as the transcript and My study apply it.
                    courses.plan_met_condition(
                        F("required"),
                        F("elective"),
                        required_credits=F("need_required"),
                        min_elective_credits=F("need_elective"),
                        plan="plan_id",
                    ),
                    then=Value(True),
                ),
                default=Value(False),
            )
        )
    )


@dataclass
class UnitRow:
    unit: Unit
    members: int
    met: int
    #: Members who have not met the plan yet (``on_track`` of them keep pace with the year).
    behind: int
    average: Decimal
    on_track: int = 0

    @property
    def off_track(self):
        """Members who have not met the plan and fall behind the year's pace."""
        return self.behind - self.on_track


#: How the average arrives from SQLite (a float), as Django's own converter reads it.
FLOAT_CONTEXT = Context(prec=15)
CENT = Decimal("0.01")


def _average(value):
    if value is None:
        return Decimal("0.00")
    if isinstance(value, float):
        value = FLOAT_CONTEXT.create_decimal_from_float(value)
    return Decimal(value).quantize(CENT)


def year_elapsed(year, today=None):
    """The share of the study ``year`` gone by on ``today`` (0 before it, 1 after it)."""
    start, end = courses.year_bounds(year)
    today = today or timezone.localdate()
    days = (end.date() - start.date()).days
    return min(max((today - start.date()).days / days, 0.0), 1.0)


def unit_report(user, unit, year, today=None):
    """One row per unit of the subtree (each counting its own members), in one query.

    ``on_track`` counts the members who have not met the plan but keep pace with
    the year: their required credits and their total are at least the plan's
    share for the part of the year gone by (``year_elapsed``).

    The members' credits are summed once (``members_with_credits``: one join, grouped
    by member), and that result is grouped again by unit. Django has no derived
    tables, so the outer ``GROUP BY`` wraps the ORM's compiled SQL: the scope filter,
    the plans and the sums stay in the ORM, in one place.
    """
    # Grouped by (pk, unit) alone: the member's other columns would only slow the grouping.
    members = _with_credits(Member.objects.values("pk", "unit"), user, unit, year).values(
        "unit", "required", "total", "met", "need_required", "need_elective"
    )
    inner, params = members.query.sql_with_params()
    sql = (
        "SELECT per_member.unit, COUNT(*),"
        " COUNT(CASE WHEN per_member.met THEN 1 END),"
        " COUNT(CASE WHEN NOT per_member.met THEN 1 END),"
        " AVG(per_member.total),"
        " COUNT(CASE WHEN NOT per_member.met"
        # Cast: where no plan applies, PostgreSQL types the inner NULLs as text.
        " AND per_member.required >= CAST(per_member.need_required AS NUMERIC) * %s"
        " AND per_member.total >= (CAST(per_member.need_required AS NUMERIC)"
        " + CAST(per_member.need_elective AS NUMERIC)) * %s"
        " THEN 1 END)"
        f" FROM ({inner}) per_member GROUP BY per_member.unit"
    )
    pace = year_elapsed(year, today)
    with connections[members.db].cursor() as cursor:
        cursor.execute(sql, (pace, pace, *params))
        rows = cursor.fetchall()
    units = {u.pk: u for u in Unit.objects.filter(path__startswith=unit.path)}
    report = [
        UnitRow(
            unit=units[unit_id],
            members=count,
            met=met,
            behind=behind,
            average=_average(average),
            on_track=on_track,
        )
        for unit_id, count, met, behind, average, on_track in rows
    ]
    return sorted(report, key=lambda r: r.unit.path)


def credits_by_month(user, unit, year):
    """``[(first day of month, credits)]`` for each month of the study ``year``: the
    credits the active members of ``unit``'s subtree in the user's scope earned
    (by the entry's date), in one query."""
    start, _end = courses.year_bounds(year)
    entries = CreditEntry.objects.filter(
        year=year,
        member__unit__path__startswith=unit.path,
        member__status=Member.Status.ACTIVE,
    )
    if user is not None:
        entries = scope.filter_members(user, entries, roles=STAFF_ROLES, unit_field="member__unit")
    sums = {
        (month.year, month.month): total
        for month, total in entries.annotate(month=TruncMonth("earned_on"))
        .values_list("month")
        .annotate(total=Sum("amount"))
        .values_list("month", "total")
    }
    first = start.date().replace(day=1)
    keys = [
        (first.year + (first.month - 1 + i) // 12, (first.month - 1 + i) % 12 + 1)
        for i in range(12)
    ]
    totals = dict.fromkeys(keys, Decimal("0"))
    for key, total in sums.items():
        # An entry of the year dated outside its months (last year's adjustment made in
        # January) counts in its first or last month, so the months add up to the year.
        totals[min(max(key, keys[0]), keys[-1])] += total or 0
    return [(date(y, m, 1), _average(totals[(y, m)])) for y, m in keys]
