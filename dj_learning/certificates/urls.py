from django.urls import path

from . import views

urlpatterns = [
    path("certificates/", views.my_certificates, name="certificates"),
    path("certificates/<int:pk>/pdf/", views.certificate_pdf, name="certificate_pdf"),
]
