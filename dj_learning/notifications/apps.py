from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "dj_learning.notifications"
    label = "learning_notifications"
    verbose_name = _("Notifications")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from dj_learning.templatetags import learning_tags

        from . import services

        learning_tags.providers.register("unread_notifications", services.unread_for_request)
