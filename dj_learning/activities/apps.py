from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ActivitiesConfig(AppConfig):
    name = "dj_learning.activities"
    label = "learning_activities"
    verbose_name = _("Activities and participation")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from dj_learning import embed
        from dj_learning.credits import services as credits
        from dj_learning.credits.models import OfflineTraining
        from dj_learning.review.signals import request_decided
        from dj_learning.rewards import services as rewards

        from . import services, widgets

        credits.sections.register("activities.volunteer", services.transcript_section)
        rewards.page_figures.register("streak", services.streak_figure)
        services.register_kinds()
        request_decided.connect(
            services.on_training_decided,
            sender=OfflineTraining,
            dispatch_uid="learning_activities_training_decided",
        )
        embed.register(
            "upcoming-activities",
            widgets.upcoming,
            title=_("Upcoming activities"),
            template="dj_learning/activities/embed/upcoming.html",
        )
        embed.register(
            "daily-sign-in",
            widgets.daily_sign_in,
            title=_("Daily sign-in"),
            template="dj_learning/activities/embed/daily_sign_in.html",
        )
