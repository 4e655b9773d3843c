"""The certificates API: the caller's certificates and their PDFs; the staff list and
revocation in their units. Thin: each calls a service."""

from datetime import date

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from ninja.errors import HttpError
from wagtail.log_actions import log

from dj_learning.api_schema import MAX_INT, Id, Text, errors
from dj_learning.members.services import member_for
from dj_learning.orgs import scope
from dj_learning.uploads import serve_private

from . import services

router = Router(tags=["certificates"])


class CertificateOut(Schema):
    id: int
    number: str
    title: str
    status: str
    issued_on: date
    expires_on: date | None
    download_url: str | None


class StaffCertificateOut(CertificateOut):
    member_number: str
    member: str
    rule: str | None
    revoked_reason: str


class CertificateRevokeIn(Schema):
    reason: Text


#: A PDF answer in the schema: a generated client reads it as bytes.
PDF = {
    "responses": {
        200: {
            "description": "The certificate as a PDF",
            "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
        }
    }
}


def _out(c):
    ready = bool(c.pdf) and c.status != c.Status.REVOKED
    return {
        "id": c.pk,
        "number": c.number,
        "title": c.title,
        "status": c.current_status(),
        "issued_on": c.issued_on,
        "expires_on": c.expires_on,
        "download_url": reverse("dj_learning_api:my_certificate_pdf", args=[c.pk])
        if ready
        else None,
    }


def _staff_out(c):
    return {
        **_out(c),
        "member_number": c.member.member_number,
        "member": c.member.name,
        "rule": c.rule.name if c.rule_id else None,
        "revoked_reason": c.revoked_reason,
    }


@router.get(
    "/me/certificates",
    response={200: list[CertificateOut], **errors(404)},
    summary="The caller's certificates",
)
def my_certificates(request):
    member = member_for(request.user)
    if member is None:
        raise HttpError(404, _("This account has no member record."))
    return [_out(c) for c in services.for_member(member)]


@router.get(
    "/me/certificates/{int:certificate_id}/pdf",
    url_name="my_certificate_pdf",
    openapi_extra=PDF,
    summary="The PDF of one of the caller's certificates (not a revoked one)",
)
def my_certificate_pdf(request, certificate_id: Id):
    member = member_for(request.user)
    certificate = services.for_member(member).filter(pk=certificate_id).first() if member else None
    if certificate is None or certificate.status == certificate.Status.REVOKED:
        raise Http404
    return serve_private(certificate.pdf, filename=services.filename(certificate))


def _staff(request):
    if not scope.has_role(request.user, services.VIEW_ROLES):
        raise HttpError(403, _("Only staff of the member's units may do this."))
    return services.visible_to(request.user)


@router.get(
    "/certificates",
    response={200: list[StaffCertificateOut], **errors(403)},
    summary="For staff: the certificates of their units' members, newest first",
)
def staff_certificates(
    request,
    status: Text = "",
    year: int | None = Query(None, ge=1, le=9999),
    rule: Id | None = None,
    offset: int = Query(0, ge=0, le=MAX_INT),
    limit: int = Query(100, ge=1, le=500),
):
    rows = services.filter_list(_staff(request), status=status, year=year, rule=rule)
    return [_staff_out(c) for c in rows[offset : offset + limit]]


@router.post(
    "/certificates/{int:certificate_id}/revoke",
    response={200: StaffCertificateOut, **errors(403, 409)},
    summary="For staff with the admin role: revoke a certificate, with a reason",
)
def revoke(request, certificate_id: Id, body: CertificateRevokeIn):
    certificate = get_object_or_404(_staff(request), pk=certificate_id)
    try:
        services.revoke(request.user, certificate, body.reason)
    except services.CertificateError as error:
        raise HttpError(409, str(error)) from None
    log(
        certificate, "learning_certificates.revoke", user=request.user, data={"reason": body.reason}
    )
    return _staff_out(certificate)
