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

        from . import services, widgets

        credits.sections.register("activities.volunteer", services.transcript_section)
        embed.register(
            "upcoming-activities",
            widgets.upcoming,
            title=_("Upcoming activities"),
            template="dj_learning/activities/embed/upcoming.html",
        )
