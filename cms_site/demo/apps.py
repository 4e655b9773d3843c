from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "cms_site.demo"
    label = "cms_demo"
