from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MembersConfig(AppConfig):
    name = "dj_learning.members"
    label = "learning_members"
    verbose_name = _("Members")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from . import security

        user_logged_in.connect(security.on_sign_in, dispatch_uid="learning_staff_session")
