"""The unit report as it was before the rewrite: the "before" of the ``credits_report`` group.

Until this bench measured it, ``credits.reports`` summed each member's credits with a
correlated subquery per kind; ``total`` and ``met`` referred to those annotations and the
report's ``Count(filter=met)`` and ``Avg(total)`` repeated them, so the database ran six
correlated subqueries per member. Kept here, unchanged but for its imports, so that every
run measures the old and the new query on the same data and checks they agree.
"""

from decimal import Decimal

from django.db.models import (
    Avg,
    Case,
    Count,
    F,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from dj_learning.courses.models import Kind
from dj_learning.courses.services import plans_for_units as _plans_by_unit
from dj_learning.credits.models import CreditEntry
from dj_learning.credits.reports import MONEY, STAFF_ROLES, UnitRow
from dj_learning.credits.reports import _by_plan as _threshold
from dj_learning.members.models import Member
from dj_learning.orgs import scope
from dj_learning.orgs.models import Unit


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


def members_with_credits(user, unit, year):
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


def unit_report(user, unit, year):
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
