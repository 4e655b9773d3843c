"""The member's certificates and their PDFs. Thin."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render

from dj_learning.members.services import member_for
from dj_learning.orgs.audit import log_export
from dj_learning.uploads import serve_private

from . import services


@login_required
def my_certificates(request):
    member = member_for(request.user)
    certificates = services.for_member(member) if member else []
    return render(
        request,
        "dj_learning/certificates/my_certificates.html",
        {"certificates": certificates, "member": member},
    )


@login_required
def certificate_pdf(request, pk):
    """The stored PDF: the member's own (unless revoked), or one in the staff's subtree."""
    certificate = services.downloadable(request.user, pk)
    if certificate is None:
        raise Http404
    if certificate.member.user_id != request.user.pk:
        log_export(request.user, certificate.member, "certificate", number=certificate.number)
    return serve_private(certificate.pdf, filename=services.filename(certificate))
