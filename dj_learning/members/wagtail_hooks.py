from django.apps import apps
from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.components import Component

from dj_learning.orgs import scope
from dj_learning.review import services as review

from . import lockouts
from .admin_views import STAFF_ROLES
from .models import RecordChange


@hooks.register("register_admin_urls")
def register_records_urls():
    urls = [path("learning/records/", include("dj_learning.members.admin_urls"))]
    if apps.is_installed("axes"):
        urls.append(
            path(
                "learning/lockouts/",
                include(("dj_learning.members.lockouts", "learning_lockouts")),
            )
        )
    return urls


class StaffMenuItem(MenuItem):
    def is_shown(self, request):
        return scope.has_role(request.user, STAFF_ROLES)


@hooks.register("register_admin_menu_item")
def register_records_menu_item():
    return StaffMenuItem(
        _("Member records"), reverse("learning_records:list"), icon_name="group", order=250
    )


class UnlockMenuItem(MenuItem):
    def is_shown(self, request):
        return lockouts.may_unlock(request.user)


def register_lockouts_menu_item():
    return UnlockMenuItem(
        _("Locked sign-ins"), reverse("learning_lockouts:index"), icon_name="lock", order=900
    )


if apps.is_installed("axes"):
    hooks.register("register_settings_menu_item", register_lockouts_menu_item)


class PendingReviewPanel(Component):
    name = "learning_pending_review"
    order = 50
    template_name = "dj_learning/members/admin/pending_panel.html"

    def __init__(self, user):
        self.user = user

    def get_context_data(self, parent_context):
        return {
            "counts": review.level_counts(self.user, RecordChange.objects.all()),
            "mine": review.count_for(self.user, RecordChange.objects.all()),
        }


@hooks.register("construct_homepage_panels")
def add_pending_review_panel(request, panels):
    if scope.has_role(request.user, STAFF_ROLES):
        panels.append(PendingReviewPanel(request.user))


@hooks.register("register_log_actions")
def register_members_log_actions(actions):
    actions.register_action("learning_members.sign_in", _("Sign in"), _("Signed in"))
    actions.register_action(
        "learning_members.sign_in_failed", _("Failed sign-in"), _("Sign-in failed")
    )
    actions.register_action(
        "learning_members.approve_change", _("Approve record change"), _("Record change approved")
    )
    actions.register_action(
        "learning_members.reject_change", _("Reject record change"), _("Record change rejected")
    )
    actions.register_action(
        "learning_members.unlock_sign_in", _("Unlock sign-in"), _("Sign-in unlocked")
    )
