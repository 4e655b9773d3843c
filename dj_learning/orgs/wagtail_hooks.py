"""Admin registrations of orgs: page choosers keep to the user's regions; the audit log."""

from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from . import audit, audit_views, regions


@hooks.register("construct_page_chooser_queryset")
def keep_page_chooser_to_own_regions(pages, request):
    return regions.filter_pages(pages, request.user)


@hooks.register("register_admin_urls")
def register_audit_urls():
    view = audit_views.AuditLogView
    return [
        path("learning/audit/", view.as_view(), name="learning_audit"),
        path(
            "learning/audit/results/",
            view.as_view(results_only=True),
            name="learning_audit_results",
        ),
    ]


hooks.register("before_edit_user", audit.remember_user_flags)
hooks.register("after_edit_user", audit.log_user_flags)


class AuditMenuItem(MenuItem):
    def is_shown(self, request):
        return audit_views.may_read(request.user)


@hooks.register("register_reports_menu_item")
def register_audit_menu_item():
    return AuditMenuItem(_("Audit log"), reverse("learning_audit"), icon_name="history", order=950)


@hooks.register("register_log_actions")
def register_orgs_log_actions(actions):
    actions.register_action(
        "learning_orgs.export", _("Export personal data"), _("Personal data exported")
    )
    actions.register_action(
        "learning_orgs.grant_role", _("Grant staff role"), _("Staff role granted")
    )
    actions.register_action(
        "learning_orgs.remove_role", _("Remove staff role"), _("Staff role removed")
    )
    actions.register_action(
        "learning_orgs.change_role", _("Change staff role"), _("Staff role changed")
    )
    actions.register_action(
        "learning_orgs.django_admin",
        _("Change in the Django admin"),
        _("Changed in the Django admin"),
    )
    actions.register_action(
        "learning_orgs.groups", _("Change groups"), _("Groups of the user changed")
    )
    actions.register_action(
        "learning_orgs.permissions", _("Change permissions"), _("Permissions of the group changed")
    )
    actions.register_action(
        "learning_orgs.user_flags",
        _("Change account status"),
        _("Active or superuser status changed"),
    )
