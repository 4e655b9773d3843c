"""Which staff see which points data: the member's units' subtree, through orgs.scope."""

from dj_learning.orgs import scope
from dj_learning.orgs.models import StaffRole

from .models import CatalogItem, PointRule, Redemption

#: Roles that set rules and the catalog, and award from transcripts.
ADMIN_ROLES = (StaffRole.Role.ADMIN,)
#: Roles that hand items out at the counter (fulfil, cancel).
FULFIL_ROLES = (StaffRole.Role.ADMIN, StaffRole.Role.CLERK)


def redemptions_for_staff(user):
    return scope.filter_members(
        user,
        Redemption.objects.select_related("member", "member__unit", "item"),
        roles=FULFIL_ROLES,
        unit_field="member__unit",
    ).order_by("-created_at", "-pk")


def rules_for_staff(user):
    return scope.filter_members(user, PointRule.objects.all(), roles=ADMIN_ROLES)


def items_for_staff(user):
    return scope.filter_members(user, CatalogItem.objects.all(), roles=ADMIN_ROLES)
