from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VoiceConfig(AppConfig):
    name = "dj_learning.voice"
    label = "learning_voice"
    verbose_name = _("Members' voice")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import discussion, services

        services.register_kinds()
        discussion.register_kinds()
