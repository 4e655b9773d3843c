"""django-q2 entry points of the inbox: thin and safe to run again."""

from django.conf import settings as django_settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone, translation

from .models import Notification


def send_email(notification_id):
    """E-mail one notification to its user, once: a rerun finds it sent and does nothing."""
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update()
            .select_related("user")
            .filter(pk=notification_id, emailed_at__isnull=True)
            .first()
        )
        if notification is None or not notification.user.email:
            return False
        with translation.override(django_settings.LANGUAGE_CODE):
            # Plain text: whatever a member typed reaches the mail as text, never as markup.
            send_mail(
                notification.title,
                notification.body
                + (f"\n\n{_absolute(notification.url)}" if notification.url else ""),
                None,
                [notification.user.email],
            )
        notification.emailed_at = timezone.now()
        notification.save(update_fields=["emailed_at"])
        return True


def _absolute(url):
    """A link in an e-mail needs the site's address (``WAGTAILADMIN_BASE_URL``)."""
    base = getattr(django_settings, "WAGTAILADMIN_BASE_URL", "") or ""
    return base.rstrip("/") + url if url.startswith("/") else url
