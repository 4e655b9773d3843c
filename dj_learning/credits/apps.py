from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CreditsConfig(AppConfig):
    name = "dj_learning.credits"
    label = "learning_credits"
    verbose_name = _("Credits")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from dj_learning.courses import completion
        from dj_learning.courses import services as courses
        from dj_learning.notifications import notices

        from . import reminders, services

        # In the completion's own transaction: a completion never exists without its credits.
        completion.on_complete.register("credits.ledger", services.record_completion)
        # My study counts the ledger's credits, offline training included.
        courses.credit_sources.register("credits.ledger", services.earned_credits)
        notices.register_kind(
            reminders.PLAN_REMINDER, _("A reminder that my study plan is behind"), email=True
        )
