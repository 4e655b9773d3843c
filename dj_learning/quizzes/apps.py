from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QuizzesConfig(AppConfig):
    name = "dj_learning.quizzes"
    label = "learning_quizzes"
    verbose_name = _("Quizzes")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from dj_learning.courses import completion

        from . import services

        completion.register(services.module_quiz_passed)
