from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PdfConfig(AppConfig):
    """Shared PDF rendering; no models, only a service, a base template and a font."""

    name = "dj_learning.pdf"
    label = "learning_pdf"
    verbose_name = _("PDF documents")
