from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MembersConfig(AppConfig):
    name = "dj_learning.members"
    label = "learning_members"
    verbose_name = _("Members")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from . import security

        user_logged_in.connect(security.on_sign_in, dispatch_uid="learning_staff_session")
        from . import audit

        audit.connect()
        # Two-factor devices: the cached "has a confirmed device" answer follows them.
        from django.apps import apps
        from django.db.models.signals import post_delete, post_save

        for label in ("otp_totp.TOTPDevice", "otp_static.StaticDevice"):
            app_label, _name = label.split(".")
            if apps.is_installed(f"django_otp.plugins.{app_label}"):
                model = apps.get_model(label)
                for signal in (post_save, post_delete):
                    signal.connect(
                        security.forget_devices,
                        sender=model,
                        dispatch_uid=f"djl-2fa-{label}-{signal}",
                    )
