from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CreditsConfig(AppConfig):
    name = "dj_learning.credits"
    label = "learning_credits"
    verbose_name = _("Credits")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from dj_learning.courses import services as courses
        from dj_learning.courses.signals import module_completed

        from . import services

        module_completed.connect(
            services.on_module_completed, dispatch_uid="learning_credits_module_completed"
        )
        # My study counts the ledger's credits, offline training included.
        courses.credit_sources.register("credits.ledger", services.earned_credits)
