from django.urls import path

from . import views

urlpatterns = [
    path("suggestions/", views.suggestions, name="suggestions"),
    path("suggestions/published/", views.published, name="suggestions_published"),
    path("suggestions/<int:pk>/", views.suggestion, name="suggestion"),
    path("suggestions/<int:pk>/publish/", views.publish, name="suggestion_publish"),
    path("suggestions/<int:pk>/attachment/", views.attachment, name="suggestion_attachment"),
    path("polls/", views.polls, name="polls"),
    path("polls/<int:pk>/", views.poll, name="poll"),
    path("modules/<int:pk>/discussion/", views.module_discussion, name="discussion"),
    path("modules/<int:pk>/discussion/switch/", views.discussion_switch, name="discussion_switch"),
    path("comments/<int:pk>/", views.comment_action, name="comment_action"),
]
