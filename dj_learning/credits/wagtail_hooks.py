from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from dj_learning.orgs import scope

from . import admin_views
from .reports import STAFF_ROLES


@hooks.register("register_admin_urls")
def register_report_urls():
    return [
        path("learning/report/", admin_views.report, name="learning_report"),
        path("learning/training/", admin_views.training_queue, name="learning_training_queue"),
        path(
            "learning/training/new/<int:member_id>/",
            admin_views.training_new,
            name="learning_training_new",
        ),
        path(
            "learning/training/<int:pk>/decide/",
            admin_views.training_decide,
            name="learning_training_decide",
        ),
        path(
            "learning/training/<int:pk>/proof/",
            admin_views.training_proof,
            name="learning_training_proof",
        ),
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


@hooks.register("register_admin_menu_item")
def register_training_menu_item():
    return StaffMenuItem(
        _("Offline training"), reverse("learning_training_queue"), icon_name="date", order=255
    )
