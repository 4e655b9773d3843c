from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DjLearningConfig(AppConfig):
    """The shared room: base templates, static files, translations and system checks."""

    name = "dj_learning"
    label = "dj_learning"
    verbose_name = _("Learning")

    def ready(self):
        from . import checks  # noqa: F401  (registers the checks)
