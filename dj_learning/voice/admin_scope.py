"""Which staff see which suggestions and polls: their units' subtree, through orgs.scope."""

from dj_learning.orgs.models import StaffRole
from dj_learning.orgs.viewsets import ScopePolicy

from .models import Comment, Poll, Suggestion, SuggestionCategory
from .services import STAFF_ROLES

ADMIN_ROLES = (StaffRole.Role.ADMIN,)

# Suggestions are sent by members; staff list them and act through services ("change").
SUGGESTIONS = ScopePolicy(Suggestion, STAFF_ROLES, actions=("view", "change"))
CATEGORIES = ScopePolicy(
    SuggestionCategory, ADMIN_ROLES, actions=("add", "change", "delete", "view")
)
POLLS = ScopePolicy(Poll, STAFF_ROLES, actions=("add", "change", "view"))
# Comments of the members of the staff's subtree, listed for moderation (hidden on the page).
COMMENTS = ScopePolicy(Comment, STAFF_ROLES, actions=("view",), unit_field="member__unit")
