from django.apps import AppConfig, apps
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _


class ThemesConfig(AppConfig):
    name = "dj_learning.themes"
    label = "learning_themes"
    verbose_name = _("Themes and embedding")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from dj_learning import embed
        from dj_learning.orgs.models import Unit
        from dj_learning.templatetags import learning_tags

        from . import services, widgets
        from .models import RegionTheme, UnitTheme

        # A moved or re-sited unit changes which themes apply, like a saved theme.
        for model in (RegionTheme, UnitTheme, Unit):
            post_save.connect(services.invalidate, sender=model, dispatch_uid=f"djl-theme-{model}")
            post_delete.connect(
                services.invalidate, sender=model, dispatch_uid=f"djl-theme-del-{model}"
            )
        # The shared templates' {% learning_theme %} asks for the request's theme here.
        learning_tags.providers.register("theme", services.theme_for_request)
        # Members' notifications speak their region's language.
        from dj_learning.notifications import notices

        notices.member_languages.register("themes.region", services.languages_for_users)
        if apps.is_installed("dj_learning.courses"):
            from dj_learning.courses import page_cache

            # A theme change makes a new cached course page for visitors.
            page_cache.key_parts.register("themes.version", services.page_cache_key_part)
            embed.register(
                "catalog",
                widgets.catalog,
                title=_("Courses"),
                template="dj_learning/themes/embed/catalog.html",
            )
            embed.register(
                "my-study",
                widgets.my_study,
                title=_("My study"),
                template="dj_learning/themes/embed/my_study.html",
            )
        if apps.is_installed("dj_learning.credits"):
            from dj_learning.credits.services import letterheads

            letterheads.register("themes.region", services.transcript_letterhead)
        embed.register(
            "notices",
            widgets.notices,
            title=_("Notices"),
            template="dj_learning/themes/embed/notices.html",
        )
