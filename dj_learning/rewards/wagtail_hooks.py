from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.permissions import register_permission_policy

from . import admin_scope
from .models import CatalogItem, PointRule, Redemption, TranscriptAward

# Staff roles, not Django permissions, grant the points screens; registered before any view asks.
register_permission_policy(CatalogItem, admin_scope.CATALOG)
register_permission_policy(PointRule, admin_scope.RULES)
register_permission_policy(Redemption, admin_scope.REDEMPTIONS)
register_permission_policy(TranscriptAward, admin_scope.AWARDS)


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
        "learning_rewards.adjust", _("Adjust points"), _("Points adjusted by hand")
    )
    actions.register_action(
        "learning_rewards.resume_award", _("Resume award"), _("Award from transcripts resumed")
    )
