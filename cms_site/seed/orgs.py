"""The org tree's seeder: the units every other seeder places its rows under.

Leaves in ``seeder.context``: ``national`` and ``regions`` (units) and
``branches``, ``(pk, path)`` of every branch in tree order.
"""

from dj_learning.orgs.models import Unit

from .seeder import SeedError


def seed_units(seeder):
    """A national unit, its regions, and branches of about ``branch_size`` members."""
    if Unit.objects.filter(code=f"{seeder.prefix}-hq").exists():
        raise SeedError(
            f"A data set with the prefix {seeder.prefix!r} exists already; "
            "choose another --prefix or seed a fresh database."
        )
    national = Unit.add_root(
        name=f"{seeder.prefix} 总部", code=f"{seeder.prefix}-hq", kind="national"
    )
    branches_total = max(seeder.regions, -(-seeder.members // seeder.branch_size))
    per_region = -(-branches_total // seeder.regions)
    regions, branches = [], []
    for r in range(seeder.regions):
        region = national.add_child(
            name=f"{seeder.prefix} 第{r + 1:02d}区",
            code=f"{seeder.prefix}-r{r + 1:02d}",
            kind="region",
        )
        region.refresh_from_db()
        children = [
            Unit(
                path=Unit._get_path(region.path, region.depth + 1, b + 1),
                depth=region.depth + 1,
                numchild=0,
                name=f"{seeder.prefix} 第{r + 1:02d}区第{b + 1:04d}支部",
                code=f"{seeder.prefix}-r{r + 1:02d}-b{b + 1:04d}",
                kind="branch",
            )
            for b in range(per_region)
        ]
        Unit.objects.bulk_create(children, batch_size=1000)
        Unit.objects.filter(pk=region.pk).update(numchild=len(children))
        regions.append(region)
        branches.extend(children)
    seeder.context.update(national=national, regions=regions)
    seeder.context["branches"] = list(
        Unit.objects.filter(code__startswith=f"{seeder.prefix}-r", kind="branch")
        .order_by("path")
        .values_list("pk", "path")
    )
    seeder.report.add("units", 1 + len(regions) + len(branches))
