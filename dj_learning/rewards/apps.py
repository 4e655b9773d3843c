from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RewardsConfig(AppConfig):
    name = "dj_learning.rewards"
    label = "learning_rewards"
    verbose_name = _("Points and rewards")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from dj_learning.courses import signals

        from . import listeners

        signals.module_completed.connect(
            listeners.on_module_completed, dispatch_uid="learning_rewards_module_completed"
        )
        signals.lesson_studied.connect(
            listeners.on_lesson_studied, dispatch_uid="learning_rewards_lesson_studied"
        )
        signals.quiz_passed.connect(
            listeners.on_quiz_passed, dispatch_uid="learning_rewards_quiz_passed"
        )
        from dj_learning.credits import services as credits

        from .services import transcript_section

        if transcript_section not in credits.sections:
            credits.sections.append(transcript_section)
