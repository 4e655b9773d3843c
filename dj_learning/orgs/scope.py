"""The one place where access to units and members is decided.

Every view, API endpoint, export and job that takes a unit or a member asks
here. The rules:

- a superuser sees everything;
- a staff role (clerk, reviewer, admin) on a unit gives sight of that unit and
  its whole subtree, and of the members who belong to those units;
- a member sees their own unit and their own record, nothing else.

Functions take an optional ``roles`` argument to narrow the question to some
roles ("may this user *review* that member?"). With ``roles`` given, the
member's own rights do not count: being a member is not a staff role.
"""

from django.core.exceptions import FieldDoesNotExist, ObjectDoesNotExist
from django.db.models import Q

from .models import StaffRole, Unit

_CACHE_ATTR = "_learning_role_paths"

#: Every staff role; "staff screens" are for users holding any of them.
STAFF_ROLES = (StaffRole.Role.CLERK, StaffRole.Role.REVIEWER, StaffRole.Role.ADMIN)


def _role_paths(user):
    """``[(role, unit_path), ...]`` for the user, read once per user object."""
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is None:
        cached = list(StaffRole.objects.filter(user=user).values_list("role", "unit__path"))
        setattr(user, _CACHE_ATTR, cached)
    return cached


def role_unit_paths(user, roles=None):
    """Every path of a unit on which ``user`` holds one of ``roles`` (all roles if ``None``)."""
    if not (user and user.is_authenticated and user.is_active):
        return set()
    return {path for role, path in _role_paths(user) if roles is None or role in roles}


def clear_cache(user):
    """Forget the roles read for ``user`` (after granting or removing a role)."""
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def sees_everything(user):
    return bool(user and user.is_active and user.is_superuser)


def scope_paths(user, roles=None):
    """The materialized paths of the subtrees a user's roles cover.

    Paths already covered by a shorter one are left out, so callers build the
    smallest filter.
    """
    if not (user and user.is_authenticated and user.is_active):
        return []
    paths = sorted(
        {path for role, path in _role_paths(user) if roles is None or role in roles}, key=len
    )
    kept = []
    for path in paths:
        if not any(path.startswith(k) for k in kept):
            kept.append(path)
    return kept


def own_unit_id(user):
    try:
        return user.learning_member.unit_id
    except (ObjectDoesNotExist, AttributeError):
        return None


def _paths_q(paths, field):
    q = Q(pk__in=[])
    for path in paths:
        q |= Q(**{f"{field}__startswith": path})
    return q


def visible_units(user, roles=None):
    """The units a user may see, as a queryset."""
    if sees_everything(user):
        return Unit.objects.all()
    q = _paths_q(scope_paths(user, roles), "path")
    if roles is None and (unit_id := own_unit_id(user)):
        q |= Q(pk=unit_id)
    return Unit.objects.filter(q)


def can_see_unit(user, unit, roles=None):
    """May ``user`` see ``unit``? Answers without a query once roles are read."""
    if unit is None:
        return False
    if sees_everything(user):
        return True
    if any(unit.path.startswith(p) for p in scope_paths(user, roles)):
        return True
    return roles is None and own_unit_id(user) == unit.pk


def can_see_member(user, member, roles=None):
    """May ``user`` see ``member`` (a member record with ``user_id`` and ``unit``)?"""
    if member is None:
        return False
    if sees_everything(user):
        return True
    if roles is None and user.is_authenticated and member.user_id == user.pk:
        return True
    return any(member.unit.path.startswith(p) for p in scope_paths(user, roles))


def filter_members(user, queryset, roles=None, unit_field="unit"):
    """Narrow a queryset of member records (or rows with a unit) to the user's scope.

    ``unit_field`` is the lookup from the queryset's model to its unit, for
    example ``"member__unit"`` for rows that belong to a member.
    """
    if sees_everything(user):
        return queryset
    q = _paths_q(scope_paths(user, roles), f"{unit_field}__path")
    if roles is None and user.is_authenticated:
        # A member also sees their own rows, where the rows belong to a member.
        user_field = "user" if unit_field == "unit" else unit_field.rsplit("__", 1)[0] + "__user"
        try:
            queryset.model._meta.get_field(user_field.split("__")[0])
        except FieldDoesNotExist:
            pass
        else:
            q |= Q(**{user_field: user})
    return queryset.filter(q)


def has_role(user, roles=None):
    """Does the user hold any staff role (of ``roles``, if given)?"""
    return sees_everything(user) or bool(scope_paths(user, roles))
