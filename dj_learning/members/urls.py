from django.apps import apps
from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from . import two_factor, views

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("me/", views.profile, name="profile"),
    path("me/correction/", views.correction, name="correction"),
    path(
        "password-reset/",
        auth_views.PasswordResetView.as_view(
            template_name="dj_learning/members/password_reset.html",
            email_template_name="dj_learning/members/password_reset_email.txt",
            subject_template_name="dj_learning/members/password_reset_subject.txt",
            success_url=reverse_lazy("dj_learning:password_reset_sent"),
        ),
        name="password_reset",
    ),
    path(
        "password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(
            template_name="dj_learning/members/password_reset_sent.html"
        ),
        name="password_reset_sent",
    ),
    path(
        "password-reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            template_name="dj_learning/members/password_reset_confirm.html",
            success_url=reverse_lazy("dj_learning:password_reset_done"),
        ),
        name="password_reset_confirm",
    ),
    path(
        "password-reset/done/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="dj_learning/members/password_reset_done.html"
        ),
        name="password_reset_done",
    ),
]

# Two-factor sign-in, when the site installs django-otp (docs/security.md).
if apps.is_installed("django_otp.plugins.otp_totp"):
    urlpatterns += [
        path("two-factor/setup/", two_factor.setup, name="two_factor_setup"),
        path("two-factor/verify/", two_factor.verify, name="two_factor_verify"),
        path("two-factor/backup-codes/", two_factor.backup_codes, name="two_factor_backup_codes"),
    ]
