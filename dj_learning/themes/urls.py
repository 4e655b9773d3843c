from django.urls import path

from . import views

app_name = "learning_embed"

urlpatterns = [
    path("embed.js", views.script, name="script"),
    path("<slug:name>/", views.widget, name="widget"),
]
