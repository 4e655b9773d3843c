"""Business rules for the organization tree and staff roles."""

from django.db import transaction
from django.db.models import F

from . import scope
from .models import Counter, StaffRole, Unit


@transaction.atomic
def save_unit(*, code, name, kind, parent=None, site=None):
    """Create the unit with ``code`` under ``parent`` (a root if ``None``), or update it.

    Running it again with the same arguments changes nothing. A unit that
    exists keeps its place in the tree; moving units is a separate decision.
    """
    unit = Unit.objects.filter(code=code).first()
    if unit is None:
        fields = {"code": code, "name": name, "kind": kind, "site": site}
        if parent is None:
            return Unit.add_root(**fields)
        # treebeard reads the parent's path from the database, so refresh it.
        parent.refresh_from_db()
        return parent.add_child(**fields)
    changed = False
    for field, value in {"name": name, "kind": kind, "site": site}.items():
        if getattr(unit, field) != value:
            setattr(unit, field, value)
            changed = True
    if changed:
        unit.save(update_fields=["name", "kind", "site"])
    return unit


def grant_role(user, unit, role):
    """Give ``user`` the staff ``role`` over ``unit`` and its subtree. Idempotent."""
    staff_role, _ = StaffRole.objects.get_or_create(user=user, unit=unit, role=role)
    scope.clear_cache(user)
    return staff_role


def revoke_role(user, unit, role):
    StaffRole.objects.filter(user=user, unit=unit, role=role).delete()
    scope.clear_cache(user)


# -- Numbering ----------------------------------------------------------------------------


def next_number(unit, scope, year):
    """The next number of the series ``scope`` in ``unit`` for ``year``: 1, 2, 3...

    ``unit`` is a unit or its id. Call it inside the transaction that records
    the numbered document: the increment locks the counter's row until that
    transaction ends, so concurrent callers queue behind it (no twins), and a
    rollback gives the number back (no gaps). The first number of a series
    creates its row; two callers creating it at once both count on the one row.
    """
    unit_id = unit.pk if isinstance(unit, Unit) else unit
    counter = Counter.objects.filter(unit_id=unit_id, scope=scope, year=year)
    with transaction.atomic():
        if not counter.update(last=F("last") + 1):
            # ON CONFLICT DO NOTHING: a row a concurrent caller is creating is waited for.
            Counter.objects.bulk_create(
                [Counter(unit_id=unit_id, scope=scope, year=year)], ignore_conflicts=True
            )
            counter.update(last=F("last") + 1)
        return counter.values_list("last", flat=True).get()
