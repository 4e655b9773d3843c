from django.urls import path

from . import views

urlpatterns = [
    path("my/", views.my_study, name="my_study"),
    path("courses/<int:course_id>/enrol/", views.enrol, name="enrol"),
]
