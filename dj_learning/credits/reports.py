"""Unit reports: who met the plan, who is behind, average credits — aggregated in the database."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import (
    Avg,
    Case,
    Count,
    DecimalField,
    F,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from dj_learning.courses.models import Kind, StudyPlan
from dj_learning.members.models import Member
from dj_learning.orgs import scope
from dj_learning.orgs.models import Unit

from .models import CreditEntry

MONEY = DecimalField(max_digits=8, decimal_places=2)
STAFF_ROLES = scope.STAFF_ROLES


def _sum(year, kind):
    return Coalesce(
        Subquery(
            CreditEntry.objects.filter(member=OuterRef("pk"), year=year, kind=kind)
            .values("member")
            .annotate(total=Sum("amount"))
            .values("total"),
            output_field=MONEY,
        ),
        Value(Decimal("0")),
        output_field=MONEY,
    )


def _plans_by_unit(units, year):
    """``{unit_id: plan}``: the plan that applies to each unit (its own or an ancestor's)."""
    prefixes = {u.path[: u.steplen * i] for u in units for i in range(1, u.depth + 1)}
    plans = {
        p.unit.path: p
        for p in StudyPlan.objects.filter(year=year, unit__path__in=prefixes).select_related("unit")
    }
    result = {}
    for unit in units:
        for depth in range(unit.depth, 0, -1):
            plan = plans.get(unit.path[: unit.steplen * depth])
            if plan is not None:
                result[unit.pk] = plan
                break
    return result


def _threshold(plans, attribute):
    groups = {}
    for unit_id, plan in plans.items():
        groups.setdefault(getattr(plan, attribute), []).append(unit_id)
    return Case(
        *[When(unit_id__in=ids, then=Value(amount)) for amount, ids in groups.items()],
        default=Value(None),
        output_field=MONEY,
    )


def members_with_credits(user, unit, year):
    """The active members of ``unit``'s subtree in the user's scope, with ``required``,
    ``elective``, ``total`` and ``met`` (None where no plan applies) annotated.

    ``user=None`` is the system itself (scheduled jobs): no scope applies.
    """
    units = list(Unit.objects.filter(path__startswith=unit.path))
    plans = _plans_by_unit(units, year)
    members = Member.objects.filter(unit__path__startswith=unit.path, status=Member.Status.ACTIVE)
    if user is not None:
        members = scope.filter_members(user, members, roles=STAFF_ROLES)
    return members.annotate(
        required=_sum(year, Kind.REQUIRED),
        elective=_sum(year, Kind.ELECTIVE),
        total=F("required") + F("elective"),
        need_required=_threshold(plans, "required_credits"),
        need_elective=_threshold(plans, "min_elective_credits"),
    ).annotate(
        met=Case(
            When(need_required__isnull=True, then=Value(None)),
            When(
                Q(required__gte=F("need_required")) & Q(elective__gte=F("need_elective")),
                then=Value(True),
            ),
            default=Value(False),
        )
    )


@dataclass
class UnitRow:
    unit: Unit
    members: int
    met: int
    behind: int
    average: Decimal


def unit_report(user, unit, year):
    """One row per unit of the subtree (each counting its own members), in one query."""
    rows = (
        members_with_credits(user, unit, year)
        .values("unit")
        .annotate(
            n=Count("pk"),
            met_n=Count("pk", filter=Q(met=True)),
            behind_n=Count("pk", filter=Q(met=False)),
            average=Avg("total"),
        )
        .order_by()
    )
    units = {u.pk: u for u in Unit.objects.filter(path__startswith=unit.path)}
    report = [
        UnitRow(
            unit=units[row["unit"]],
            members=row["n"],
            met=row["met_n"],
            behind=row["behind_n"],
            average=Decimal(row["average"] or 0).quantize(Decimal("0.01")),
        )
        for row in rows
    ]
    return sorted(report, key=lambda r: r.unit.path)
