from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CertificatesConfig(AppConfig):
    name = "dj_learning.certificates"
    label = "learning_certificates"
    verbose_name = _("Certificates")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from dj_learning.courses import signals
        from dj_learning.credits import services as credits
        from dj_learning.credits import signals as credit_signals
        from dj_learning.notifications import notices
        from dj_learning.quizzes import signals as quiz_signals
        from dj_learning.rewards import awards
        from dj_learning.templatetags import learning_tags

        from . import listeners, services

        signals.module_completed.connect(
            listeners.on_module_completed, dispatch_uid="learning_certificates_module_completed"
        )
        quiz_signals.quiz_passed.connect(
            listeners.on_quiz_passed, dispatch_uid="learning_certificates_quiz_passed"
        )
        # Approved offline training can meet the year's plan as a completion can.
        credit_signals.credits_recorded.connect(
            listeners.on_credits_recorded, dispatch_uid="learning_certificates_credits_recorded"
        )
        # A certificate is the third kind of award from transcripts, beside points and items.
        awards.kinds.register("certificate", services.CertificateAward())
        # /verify/<code>/ answers for certificates as well as transcripts.
        credits.verifications.register("certificates", services.verification)
        # My study lists the member's latest certificates.
        learning_tags.providers.register("certificates", services.latest_for_request)
        notices.register_kind(services.ISSUED, _("A certificate issued to me"), email=True)
