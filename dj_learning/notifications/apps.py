from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "dj_learning.notifications"
    label = "learning_notifications"
    verbose_name = _("Notifications")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.apps import apps

        from dj_learning.templatetags import learning_tags

        from . import services

        learning_tags.providers.register("unread_notifications", services.unread_for_request)
        if apps.is_installed("dj_learning.members"):
            self.connect_records()

    def connect_records(self):
        """The members app sits below this one: its record decisions reach the inbox here."""
        from dj_learning.members.models import RecordChange
        from dj_learning.review.signals import request_decided

        from . import records

        records.register_kinds()
        request_decided.connect(
            records.on_request_decided,
            sender=RecordChange,
            dispatch_uid="learning_notifications_record_decided",
        )
