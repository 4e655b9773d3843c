from django.apps import AppConfig, apps
from django.utils.translation import gettext_lazy as _


class QuizzesConfig(AppConfig):
    name = "dj_learning.quizzes"
    label = "learning_quizzes"
    verbose_name = _("Quizzes")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from dj_learning import embed
        from dj_learning.courses import completion

        from . import services, widgets

        # A module with a quiz completes only once its quiz is passed.
        completion.requirements.register("quizzes.quiz_passed", services.module_quiz_passed)
        if apps.is_installed("dj_learning.credits"):
            from dj_learning.credits.services import sections

            sections.register("quizzes.results", services.transcript_section)
        embed.register(
            "quizzes-due",
            widgets.quizzes_due,
            title=_("Quizzes due"),
            template="dj_learning/quizzes/embed/quizzes_due.html",
        )
