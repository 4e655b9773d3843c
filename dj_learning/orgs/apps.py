from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgsConfig(AppConfig):
    name = "dj_learning.orgs"
    label = "learning_orgs"
    verbose_name = _("Organization")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import audit, regions

        regions.connect()
        audit.connect()
