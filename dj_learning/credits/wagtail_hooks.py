from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.permissions import register_permission_policy

from dj_learning.orgs import scope

from . import admin_views
from .models import OfflineTraining
from .reports import STAFF_ROLES

# Staff roles, not Django permissions, grant the offline training screens.
register_permission_policy(OfflineTraining, admin_views.TRAINING)


@hooks.register("register_admin_viewset")
def register_training_viewset():
    return admin_views.TrainingViewSet()


@hooks.register("register_admin_urls")
def register_report_urls():
    return [
        path("learning/report/", admin_views.report, name="learning_report"),
        path(
            "learning/report/batches/<int:pk>/",
            admin_views.batch_download,
            name="learning_report_batch",
        ),
        path(
            "learning/report/export.<str:fmt>",
            admin_views.export,
            name="learning_report_export",
        ),
    ]


class StaffMenuItem(MenuItem):
    def is_shown(self, request):
        return scope.has_role(request.user, STAFF_ROLES)


@hooks.register("register_admin_menu_item")
def register_report_menu_item():
    return StaffMenuItem(
        _("Study report"), reverse("learning_report"), icon_name="table", order=260
    )


@hooks.register("register_log_actions")
def register_training_log_actions(actions):
    actions.register_action(
        "learning_credits.approve_training", _("Approve training"), _("Offline training approved")
    )
    actions.register_action(
        "learning_credits.reject_training",
        _("Reject training"),
        _("Offline training returned to the clerk"),
    )
