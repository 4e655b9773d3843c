from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RewardsConfig(AppConfig):
    name = "dj_learning.rewards"
    label = "learning_rewards"
    verbose_name = _("Points and rewards")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from dj_learning import embed
        from dj_learning.courses import signals
        from dj_learning.credits import services as credits
        from dj_learning.quizzes import signals as quiz_signals

        from . import listeners, services, widgets

        signals.module_completed.connect(
            listeners.on_module_completed, dispatch_uid="learning_rewards_module_completed"
        )
        signals.lesson_studied.connect(
            listeners.on_lesson_studied, dispatch_uid="learning_rewards_lesson_studied"
        )
        # Connecting needs no quizzes installed: without them the signal is never sent.
        quiz_signals.quiz_passed.connect(
            listeners.on_quiz_passed, dispatch_uid="learning_rewards_quiz_passed"
        )
        credits.sections.register("rewards.points", services.transcript_section)
        services.register_kinds()
        embed.register(
            "leaderboard",
            widgets.leaderboard,
            title=_("Leaderboard"),
            template="dj_learning/rewards/embed/leaderboard.html",
        )
        embed.register(
            "points",
            widgets.points,
            title=_("My points"),
            template="dj_learning/rewards/embed/points.html",
        )
