from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.permissions import register_permission_policy

from dj_learning.orgs.viewsets import ScopePolicy

from .models import Certificate, CertificateTemplate, IssuingRule
from .services import ADMIN_ROLES, VIEW_ROLES

# Staff roles, not Django permissions, grant the certificate screens.
register_permission_policy(
    CertificateTemplate,
    ScopePolicy(CertificateTemplate, ADMIN_ROLES, actions=("add", "change", "view")),
)
register_permission_policy(
    IssuingRule, ScopePolicy(IssuingRule, ADMIN_ROLES, actions=("add", "change", "delete", "view"))
)
# Issued certificates are listed; revoked or re-rendered through services, never edited.
register_permission_policy(
    Certificate, ScopePolicy(Certificate, VIEW_ROLES, actions=("view",), unit_field="member__unit")
)


@hooks.register("register_admin_viewset")
def register_certificate_viewsets():
    from .admin_views import CertificatesGroup

    return CertificatesGroup()


@hooks.register("register_log_actions")
def register_certificate_log_actions(actions):
    actions.register_action(
        "learning_certificates.revoke", _("Revoke certificate"), _("Certificate revoked")
    )
    actions.register_action(
        "learning_certificates.issue",
        _("Issue certificate by a rule"),
        _("Certificate issued by a rule"),
    )
    actions.register_action(
        "learning_certificates.rerender",
        _("Render certificate again"),
        _("Certificate rendered again"),
    )
