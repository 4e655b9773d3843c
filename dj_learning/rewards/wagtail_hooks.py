from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import Menu, MenuItem, SubmenuMenuItem

from dj_learning.orgs import scope

from . import admin_views
from .admin_scope import ADMIN_ROLES, FULFIL_ROLES


@hooks.register("register_admin_urls")
def register_points_urls():
    return [
        path("learning/points/rules/", admin_views.rules, name="learning_points_rules"),
        path("learning/points/rules/new/", admin_views.rule_edit, name="learning_points_rule_new"),
        path("learning/points/rules/<int:pk>/", admin_views.rule_edit, name="learning_points_rule"),
        path("learning/points/catalog/", admin_views.items, name="learning_points_items"),
        path(
            "learning/points/catalog/new/", admin_views.item_edit, name="learning_points_item_new"
        ),
        path(
            "learning/points/catalog/<int:pk>/", admin_views.item_edit, name="learning_points_item"
        ),
        path(
            "learning/points/redemptions/",
            admin_views.redemptions,
            name="learning_points_redemptions",
        ),
        path(
            "learning/points/redemptions/<int:pk>/decide/",
            admin_views.redemption_decide,
            name="learning_points_redemption_decide",
        ),
        path("learning/points/awards/", admin_views.award_list, name="learning_points_awards"),
        path(
            "learning/points/awards/<int:pk>/",
            admin_views.award_detail,
            name="learning_points_award",
        ),
    ]


class RoleMenuItem(MenuItem):
    def __init__(self, *args, roles, **kwargs):
        super().__init__(*args, **kwargs)
        self.roles = roles

    def is_shown(self, request):
        return scope.has_role(request.user, self.roles)


class PointsMenu(SubmenuMenuItem):
    def is_shown(self, request):
        return scope.has_role(request.user, FULFIL_ROLES)


@hooks.register("register_admin_menu_item")
def register_points_menu():
    menu = Menu(
        items=[
            RoleMenuItem(
                _("Redemptions"),
                reverse("learning_points_redemptions"),
                roles=FULFIL_ROLES,
                icon_name="tick",
                order=10,
            ),
            RoleMenuItem(
                _("Rewards catalog"),
                reverse("learning_points_items"),
                roles=ADMIN_ROLES,
                icon_name="pick",
                order=20,
            ),
            RoleMenuItem(
                _("Point rules"),
                reverse("learning_points_rules"),
                roles=ADMIN_ROLES,
                icon_name="cog",
                order=30,
            ),
            RoleMenuItem(
                _("Awards from transcripts"),
                reverse("learning_points_awards"),
                roles=ADMIN_ROLES,
                icon_name="pick",
                order=40,
            ),
        ]
    )
    return PointsMenu(_("Points"), menu, icon_name="pick", order=265)
