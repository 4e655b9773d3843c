from django.urls import path

from . import admin_views as views

app_name = "learning_records"

urlpatterns = [
    path("", views.record_list, name="list"),
    path("new/", views.record_edit, name="add"),
    path("<int:pk>/", views.record_detail, name="detail"),
    path("<int:pk>/change/", views.record_edit, name="edit"),
    path("review/", views.review_queue, name="review"),
    path("changes/<int:pk>/", views.change_detail, name="change"),
    path("changes/<int:pk>/decide/", views.change_decide, name="decide"),
    path("changes/<int:pk>/resubmit/", views.change_resubmit, name="resubmit"),
    path("import/", views.import_view, name="import"),
    path("export/", views.export_view, name="export"),
]
