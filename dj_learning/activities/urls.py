from django.urls import path

from . import views

urlpatterns = [
    path("activities/", views.activity_list, name="activities"),
    path("activities/<int:pk>/", views.activity_detail, name="activity"),
    path("activities/<int:pk>/checkin/", views.checkin, name="activity_checkin"),
    path("activities/<int:pk>/signup/", views.signup, name="activity_signup"),
    path("activities/<int:pk>/cancel/", views.cancel, name="activity_cancel"),
    path("activities/<int:pk>/screen/", views.screen, name="activity_screen"),
    path("activities/<int:pk>/screen.json", views.screen_state, name="activity_screen_state"),
    path("activities/signin/", views.daily_sign_in, name="daily_sign_in"),
    path("volunteer/", views.volunteer, name="volunteer"),
    path("volunteer/<int:pk>/proof/", views.volunteer_proof, name="volunteer_proof"),
    path("board/<str:token>/", views.board, name="lobby_board"),
]
