from django.urls import path

from . import views

urlpatterns = [
    path("notifications/", views.inbox, name="notifications"),
    path("notifications/<int:pk>/read/", views.read, name="notification_read"),
    path("notifications/read-all/", views.read_all, name="notifications_read_all"),
    path("notifications/preferences/", views.preferences, name="notification_preferences"),
]
