from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.permissions import register_permission_policy

from . import admin_views
from .models import Activity, LobbyScreen, Volunteering

# Staff roles, not Django permissions, grant the activities screens.
register_permission_policy(Activity, admin_views.ACTIVITIES)
register_permission_policy(Volunteering, admin_views.VOLUNTEERING)
register_permission_policy(LobbyScreen, admin_views.SCREENS)


@hooks.register("register_admin_viewset")
def register_activities_viewsets():
    return admin_views.ActivitiesGroup()


@hooks.register("register_log_actions")
def register_activities_log_actions(actions):
    actions.register_action(
        "learning_activities.mark", _("Mark attendance"), _("Attendance marked by hand")
    )
    actions.register_action(
        "learning_activities.credit",
        _("Credit attendance"),
        _("Credits and points given for attendance"),
    )
    actions.register_action(
        "learning_activities.approve_volunteering",
        _("Approve volunteer service"),
        _("Volunteer service approved"),
    )
    actions.register_action(
        "learning_activities.reject_volunteering",
        _("Reject volunteer service"),
        _("Volunteer service returned to the member"),
    )
