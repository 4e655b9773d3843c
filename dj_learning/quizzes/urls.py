from django.urls import path

from . import views

urlpatterns = [
    path("quizzes/", views.quiz_list, name="quizzes"),
    path("quizzes/<int:quiz_id>/", views.quiz_page, name="quiz"),
    path("quizzes/<int:quiz_id>/start/", views.quiz_start, name="quiz_start"),
    path("quizzes/attempts/<int:attempt_id>/", views.attempt_page, name="quiz_attempt"),
    path("quizzes/attempts/<int:attempt_id>/save/", views.attempt_save, name="quiz_save"),
    path("quizzes/attempts/<int:attempt_id>/submit/", views.attempt_submit, name="quiz_submit"),
    path("quizzes/attempts/<int:attempt_id>/result/", views.attempt_result, name="quiz_result"),
]
