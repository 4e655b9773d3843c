from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.permissions import register_permission_policy

from dj_learning.orgs.viewsets import ScopePolicy

from .admin_scope import ADMIN_ROLES, FULFIL_ROLES
from .models import CatalogItem, PointRule, Redemption, TranscriptAward

# Staff roles, not Django permissions, grant the points screens; registered before any view asks.
register_permission_policy(
    CatalogItem, ScopePolicy(CatalogItem, ADMIN_ROLES, actions=("add", "change", "view"))
)
register_permission_policy(PointRule, ScopePolicy(PointRule, ADMIN_ROLES))
register_permission_policy(
    Redemption,
    ScopePolicy(Redemption, FULFIL_ROLES, actions=("view", "change"), unit_field="member__unit"),
)
register_permission_policy(
    TranscriptAward, ScopePolicy(TranscriptAward, ADMIN_ROLES, actions=("add", "view"))
)


@hooks.register("register_admin_viewset")
def register_points_viewsets():
    from .admin_views import PointsGroup

    return PointsGroup()


@hooks.register("register_log_actions")
def register_points_log_actions(actions):
    actions.register_action(
        "learning_rewards.fulfil", _("Fulfil redemption"), _("Redemption fulfilled")
    )
    actions.register_action(
        "learning_rewards.cancel", _("Cancel redemption"), _("Redemption cancelled and refunded")
    )
    actions.register_action(
        "learning_rewards.resume_award", _("Resume award"), _("Award from transcripts resumed")
    )
