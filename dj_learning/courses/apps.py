from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoursesConfig(AppConfig):
    name = "dj_learning.courses"
    label = "learning_courses"
    verbose_name = _("Courses")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from dj_learning.templatetags import learning_tags

        from . import outline, views

        outline.connect()
        # The navigation's "Courses" link ({% catalog_page %} of the shared templates).
        learning_tags.providers.register("catalog_page", views.catalog_for_request)
