from django.urls import path

from . import views

urlpatterns = [
    path("points/", views.my_points, name="points"),
    path("points/leaderboard/", views.leaderboard_page, name="points_leaderboard"),
    path("points/hide/", views.hide_me, name="points_hide"),
    path("rewards/", views.catalog, name="rewards_catalog"),
    path("rewards/<int:item_id>/", views.confirm_redeem, name="rewards_confirm"),
    path("rewards/<int:item_id>/redeem/", views.redeem, name="rewards_redeem"),
    path("rewards/mine/", views.my_redemptions, name="rewards_mine"),
]
