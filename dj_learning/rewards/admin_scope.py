"""Which staff see which points data: the member's units' subtree, through orgs.scope.

The policies below are the Wagtail permission policies of the points screens
(registered in ``wagtail_hooks``); the staff API asks the same ones.
"""

from dj_learning.orgs.models import StaffRole
from dj_learning.orgs.viewsets import ScopePolicy

from .models import CatalogItem, PointRule, Redemption, TranscriptAward

#: Roles that set rules and the catalog, and award from transcripts.
ADMIN_ROLES = (StaffRole.Role.ADMIN,)
#: Roles that hand items out at the counter (fulfil, cancel).
FULFIL_ROLES = (StaffRole.Role.ADMIN, StaffRole.Role.CLERK)

# Items that were redeemed stay (their redemptions keep them): switched off, never deleted.
CATALOG = ScopePolicy(CatalogItem, ADMIN_ROLES, actions=("add", "change", "view"))
RULES = ScopePolicy(PointRule, ADMIN_ROLES, actions=("add", "change", "delete", "view"))
# Listed, then fulfilled or cancelled ("change") through services.
REDEMPTIONS = ScopePolicy(
    Redemption, FULFIL_ROLES, actions=("view", "change"), unit_field="member__unit"
)
# An award is an audit record: requested through awards.request_award, never edited.
AWARDS = ScopePolicy(TranscriptAward, ADMIN_ROLES, actions=("add", "view"))


def redemptions_for_staff(user):
    return (
        REDEMPTIONS.instances_user_has_permission_for(user, "change")
        .select_related("member", "member__unit", "item")
        .order_by("-created_at", "-pk")
    )
