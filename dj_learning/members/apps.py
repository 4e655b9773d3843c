from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MembersConfig(AppConfig):
    name = "dj_learning.members"
    label = "learning_members"
    verbose_name = _("Members")
    default_auto_field = "django.db.models.BigAutoField"
