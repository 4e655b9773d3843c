from django.apps import AppConfig


class HomeConfig(AppConfig):
    name = "cms_site.home"
    label = "cms_home"
    default_auto_field = "django.db.models.BigAutoField"
