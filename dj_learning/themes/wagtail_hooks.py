from django.urls import path
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from . import views
from .models import UnitTheme


class UnitThemeViewSet(SnippetViewSet):
    model = UnitTheme
    icon = "image"
    menu_label = _("Branch themes")
    menu_order = 310
    add_to_settings_menu = True
    list_display = ["unit", "name", "primary_colour", "accent_colour"]
    search_fields = ["name"]


register_snippet(UnitThemeViewSet)


@hooks.register("register_admin_urls")
def theme_preview_urls():
    return [path("learning/theme-preview/", views.preview, name="learning_theme_preview")]
