from django.urls import path

from . import views

urlpatterns = [
    path("transcript/", views.transcript_page, name="transcript"),
    path("transcript/pdf/", views.transcript_pdf, name="transcript_pdf"),
    path("members/<int:member_id>/transcript/", views.transcript_page, name="member_transcript"),
    path(
        "members/<int:member_id>/transcript/pdf/",
        views.transcript_pdf,
        name="member_transcript_pdf",
    ),
]
