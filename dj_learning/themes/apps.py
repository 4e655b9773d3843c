from django.apps import AppConfig, apps
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _


class ThemesConfig(AppConfig):
    name = "dj_learning.themes"
    label = "learning_themes"
    verbose_name = _("Themes and embedding")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from dj_learning.orgs.models import Unit

        from . import embed, services
        from .models import RegionTheme, UnitTheme

        # A moved or re-sited unit changes which themes apply, like a saved theme.
        for model in (RegionTheme, UnitTheme, Unit):
            post_save.connect(services.invalidate, sender=model, dispatch_uid=f"djl-theme-{model}")
            post_delete.connect(
                services.invalidate, sender=model, dispatch_uid=f"djl-theme-del-{model}"
            )
        embed.register_shipped_widgets(apps.is_installed)
