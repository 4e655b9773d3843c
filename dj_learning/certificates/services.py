"""Issuing, rendering, revoking and verifying certificates. Views, the API, jobs and the
award from transcripts call these.

A certificate is issued once per key (``rule:<rule>:<member>``, with ``:<year>``
for a plan rule; ``award:<award>:<member>``; ``manual:<random>``): the key is
unique in the database, so two jobs racing for the same member issue one. Its
number is drawn from the region's counter for the year (``orgs.services.next_number``)
in the transaction that records the certificate, so numbers have no gaps and no
twins. The PDF is rendered once, by the job, and stored in the private storage;
only :func:`rerender` (an explicit admin action) renders it again, keeping the
number and the code.
"""

import base64
import logging
import secrets
from datetime import timedelta
from decimal import Decimal

from django.conf import settings as django_settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.log_actions import log

from dj_learning.conf import settings
from dj_learning.members.models import Member
from dj_learning.notifications import notices
from dj_learning.orgs import scope
from dj_learning.orgs import services as orgs
from dj_learning.orgs.models import StaffRole

from .models import (
    Certificate,
    CertificateTemplate,
    ExpiryReminder,
    IssuingRule,
    fill,
)

logger = logging.getLogger(__name__)

PDF_TEMPLATE = "dj_learning/certificates/certificate_pdf.html"
#: The series of certificate numbers in the numbering service (``orgs.Counter.scope``).
NUMBER_SERIES = "certificate"
#: Staff roles that issue, revoke and re-render certificates and edit templates and rules.
ADMIN_ROLES = (StaffRole.Role.ADMIN,)
#: Staff roles that see certificates (and download them) in their subtree.
VIEW_ROLES = (StaffRole.Role.ADMIN, StaffRole.Role.CLERK, StaffRole.Role.REVIEWER)


class CertificateError(Exception):
    """A certificate cannot be issued, revoked or rendered as asked; the message says why."""


class OutsideUnits(CertificateError):
    """The user may not act on this member or template: refused, not a conflict (a 403)."""


# -- Where things apply ---------------------------------------------------------------------


def template_for(unit):
    """The template nearest above ``unit`` (its own, else its parent's...), or ``None``."""
    return (
        CertificateTemplate.objects.filter(unit__path__in=unit.ancestor_paths())
        .select_related("unit")
        .order_by("-unit__depth", "pk")
        .first()
    )


def rules_for(member, trigger):
    """The active rules of ``trigger`` that apply to ``member`` (set on their unit or above)."""
    return IssuingRule.objects.filter(
        active=True, trigger=trigger, unit__path__in=member.unit.ancestor_paths()
    ).select_related("template", "template__unit")


# -- Issuing --------------------------------------------------------------------------------


def next_number(template, year):
    """The next number of the template's region for ``year``: ``PREFIX-YEAR-000123``.

    Drawn from the shared numbering service (series ``certificate`` of the
    template's unit); call inside the transaction that records the certificate.
    """
    number = orgs.next_number(template.unit_id, NUMBER_SERIES, year)
    return f"{template.number_prefix}-{year}-{number:06d}"


def format_day(day):
    with translation.override(django_settings.LANGUAGE_CODE):
        return formats.date_format(day, "DATE_FORMAT")


def values_for(member, issued_on, **extra):
    """The placeholders' values for ``member``: name, number, unit, date, and ``extra``."""
    values = {
        "name": member.name,
        "member_number": member.member_number,
        "unit": member.unit.name,
        "date": format_day(issued_on),
    }
    values.update({name: str(value) for name, value in extra.items() if value is not None})
    return values


def issue(member, template, *, key, rule=None, award=None, by=None, today=None, **values):
    """Issue ``template`` to ``member`` under ``key``; returns ``(certificate, created)``.

    If a certificate with ``key`` exists (issued before, or a moment ago by a
    concurrent job) it is returned and nothing is issued. ``values`` are more
    placeholders (``course``, ``plan_year``, ``credits``, ``score``). The PDF is
    not rendered here: call :func:`render_stored` (the jobs do).
    """
    existing = Certificate.objects.filter(key=key).first()
    if existing is not None:
        return existing, False
    today = today or timezone.localdate()
    try:
        with transaction.atomic():
            number = next_number(template, today.year)
            certificate = Certificate.objects.create(
                member=member,
                template=template,
                rule=rule,
                award=award,
                issued_by=by,
                key=key,
                number=number,
                title=template.title,
                issuer=template.issuer,
                values={**values_for(member, today, **values), "number": number},
                issued_on=today,
                expires_on=today + timedelta(days=template.valid_days)
                if template.valid_days
                else None,
            )
            if by is None:
                # Issued by a rule or an award (staff issuing by hand is logged by the
                # screen): the audit trail names the system, the rule and the number.
                log(
                    certificate,
                    "learning_certificates.issue",
                    data={"number": number, "rule": rule.name if rule else None},
                )
    except IntegrityError:
        existing = Certificate.objects.filter(key=key).first()
        if existing is None:
            raise
        return existing, False
    return certificate, True


def issue_by_hand(user, member, template, **values):
    """Staff issue ``template`` to one member in their subtree; the PDF is rendered by a job."""
    if not scope.can_see_member(user, member, roles=ADMIN_ROLES):
        raise OutsideUnits(_("This member is outside your units."))
    if not scope.can_see_unit(user, template.unit, roles=ADMIN_ROLES) and not (
        member.unit.is_in_subtree_of(template.unit)
    ):
        raise OutsideUnits(_("This template is outside your units."))
    certificate, _created = issue(
        member, template, key=f"manual:{secrets.token_hex(8)}", by=user, **values
    )
    queue_render(certificate)
    return certificate


def queue_render(certificate, *, force=False):
    """Render the certificate's PDF in a django-q2 job once the transaction commits."""
    from django_q.tasks import async_task

    transaction.on_commit(
        lambda: async_task(
            "dj_learning.certificates.tasks.render_certificate", certificate.pk, force=force
        )
    )


def course_completed(member, course):
    """Has ``member`` completed every live module of ``course``? (``False`` without modules.)"""
    from dj_learning.courses.models import ModuleCompletion, ModulePage

    module_ids = set(ModulePage.objects.child_of(course).live().values_list("pk", flat=True))
    if not module_ids:
        return False
    done = ModuleCompletion.objects.filter(member=member, module_id__in=module_ids)
    return done.count() == len(module_ids)


def course_credits(member, course):
    from django.db.models import Sum

    from dj_learning.courses.models import ModuleCompletion, ModulePage

    module_ids = ModulePage.objects.child_of(course).values_list("pk", flat=True)
    total = ModuleCompletion.objects.filter(member=member, module_id__in=module_ids).aggregate(
        total=Sum("credits")
    )["total"]
    return _credits(total)


def _credits(value):
    return f"{(value or Decimal(0)).normalize():f}"


def issue_on_completion(completion_id):
    """The rules a completion may satisfy: its course completed, the year's plan met.

    Returns the certificates newly issued (their PDFs rendered). Safe to run again.
    """
    from dj_learning.courses.models import ModuleCompletion

    completion = ModuleCompletion.objects.select_related("member__unit").get(pk=completion_id)
    member = completion.member
    issued = []
    course_rules = list(rules_for(member, IssuingRule.Trigger.COURSE))
    if course_rules and completion.module_id:
        from wagtail.models import Page

        module = Page.objects.filter(pk=completion.module_id).first()
        course = module.get_parent() if module else None
        for rule in course_rules:
            if course is None or rule.course_id != course.pk:
                continue
            if course_completed(member, course):
                issued.append(
                    issue(
                        member,
                        rule.template,
                        key=f"rule:{rule.pk}:{member.pk}",
                        rule=rule,
                        course=course.title,
                        credits=course_credits(member, course),
                    )
                )
    issued += _issue_for_plan(member, completion.year)
    return _render_new(issued)


def issue_on_plan(member_id, year):
    """The plan rules of ``year``, checked when credits other than a completion's count
    (approved offline training, an adjustment). Safe to run again."""
    member = Member.objects.select_related("unit").get(pk=member_id)
    return _render_new(_issue_for_plan(member, year))


def _issue_for_plan(member, year):
    """``(certificate, created)`` for each plan rule of ``year`` if the member met the plan."""
    from dj_learning.credits import services as credits

    plan_rules = rules_for(member, IssuingRule.Trigger.PLAN).filter(
        Q(year__isnull=True) | Q(year=year)
    )
    if not plan_rules:
        return []
    # The one plan rule (courses.services.plan_met), as the transcript applies it.
    transcript = credits.transcript(member, year)
    if not transcript.met:
        return []
    return [
        issue(
            member,
            rule.template,
            key=f"rule:{rule.pk}:{member.pk}:{year}",
            rule=rule,
            plan_year=year,
            credits=_credits(transcript.total),
        )
        for rule in plan_rules
    ]


def issue_on_exam(attempt_id):
    """The exam rules a passed attempt satisfies. Safe to run again."""
    from dj_learning.quizzes.models import Attempt

    attempt = Attempt.objects.select_related("member__unit").get(pk=attempt_id)
    if not attempt.passed or not attempt.max_score:
        return []
    percent = attempt.score * 100 / attempt.max_score
    issued = []
    rules = rules_for(attempt.member, IssuingRule.Trigger.EXAM).filter(quiz_id=attempt.quiz_id)
    for rule in rules:
        if rule.min_score is not None and percent < rule.min_score:
            continue
        issued.append(
            issue(
                attempt.member,
                rule.template,
                key=f"rule:{rule.pk}:{attempt.member_id}",
                rule=rule,
                course=attempt.quiz_title,
                score=_credits(attempt.score),
            )
        )
    return _render_new(issued)


def _render_new(issued):
    certificates = [certificate for certificate, _created in issued]
    for certificate in certificates:
        render_stored(certificate.pk)
    return [certificate for certificate, created in issued if created]


# -- Rendering ------------------------------------------------------------------------------

_image_cache = {}


def _data_uri(field_file):
    """A stored image as a ``data:`` URI (the PDF may read no file); cached by name."""
    if not field_file:
        return ""
    name = field_file.name
    if name not in _image_cache:
        with field_file.storage.open(name, "rb") as handle:
            data = handle.read()
        kind = "jpeg" if name.lower().endswith((".jpg", ".jpeg")) else "png"
        _image_cache[name] = f"data:image/{kind};base64,{base64.b64encode(data).decode()}"
        if len(_image_cache) > 64:
            _image_cache.pop(next(iter(_image_cache)))
    return _image_cache[name]


def verify_path(code):
    return reverse("learning_verify", args=[code])


def verify_url(code):
    """The absolute verification URL printed on the certificate (``WAGTAILADMIN_BASE_URL``)."""
    base = getattr(django_settings, "WAGTAILADMIN_BASE_URL", "") or ""
    return f"{base.rstrip('/')}{verify_path(code)}"


def render(template, values, *, code, title=None):
    """The PDF of ``template`` filled with ``values``, verified at ``code``. Returns bytes.

    ``DJ_LEARNING["CERTIFICATE_RENDERER"]`` draws it: by default
    ``drawing.draw`` (ReportLab, tens of milliseconds), or :func:`render_html`
    for a site that lays certificates out in its own HTML template.
    """
    url = verify_url(code)
    with translation.override(django_settings.LANGUAGE_CODE):
        context = {
            "template": template,
            "title": title or template.title,
            "body": fill(template.body, values),
            "values": values,
            "issuer": template.issuer,
            "signers": template.signers(),
            "verify_url": url,
            "landscape": template.orientation == CertificateTemplate.Orientation.LANDSCAPE,
            "labels": {"number": _("Certificate number"), "verify": _("Verify at")},
        }
        return import_string(settings.CERTIFICATE_RENDERER)(context)


def render_html(context):
    """The certificate laid out by the HTML template ``PDF_TEMPLATE`` with xhtml2pdf.

    Slower than the drawn one (about 0.4 s a page), but a site can override the
    template or its blocks. The images reach the template as ``data:`` URIs.
    """
    from dj_learning.pdf.services import qr_png_data_uri, render_pdf

    template = context["template"]
    return render_pdf(
        PDF_TEMPLATE,
        {
            **context,
            "background": _data_uri(template.background),
            "seal": _data_uri(template.seal),
            "signers": [(name, role, _data_uri(image)) for name, role, image in context["signers"]],
            "qr": qr_png_data_uri(context["verify_url"]),
        },
    )


def sample_values(template):
    """Placeholder values for the admin's preview."""
    today = timezone.localdate()
    return {
        "name": "张三",
        "member_number": "DH000001",
        "unit": str(template.unit) if template.unit_id else "",
        "course": "党章学习",
        "plan_year": str(today.year),
        "credits": "12",
        "score": "95",
        "date": format_day(today),
        "number": f"{template.number_prefix or 'XX'}-{today.year}-000123",
    }


def preview(template):
    """A PDF of ``template`` (saved or not) with sample data, for the admin."""
    return render(template, sample_values(template), code="preview")


def render_stored(certificate_id, *, force=False):
    """Render the certificate's PDF and store it, unless it was rendered already.

    ``force`` renders it again from the template as it is now (the admin's
    "re-render"): the number, the code and the values as issued stay. A row lock
    keeps two jobs from rendering the same certificate at once.
    """
    with transaction.atomic():
        certificate = (
            Certificate.objects.select_for_update()
            .select_related("template", "template__unit")
            .get(pk=certificate_id)
        )
        if certificate.pdf and not force:
            return False
        template = certificate.template
        title = template.title if force else certificate.title
        pdf = render(template, certificate.values, code=certificate.code, title=title)
        old = certificate.pdf.name if certificate.pdf else None
        first = not certificate.rendered_at
        certificate.pdf.save(f"{certificate.number}.pdf", ContentFile(pdf), save=False)
        certificate.rendered_at = timezone.now()
        certificate.title = title
        certificate.issuer = template.issuer
        certificate.save(update_fields=["pdf", "rendered_at", "title", "issuer"])
        if old and old != certificate.pdf.name:
            transaction.on_commit(lambda: certificate.pdf.storage.delete(old))
        if first:
            # The member hears of it once, when it can be downloaded.
            transaction.on_commit(lambda: notify_issued(certificate))
    return True


def _email(member, kind, context):
    from django.core.mail import send_mail
    from django.template.loader import render_to_string

    email = member.user.email if member.user_id else ""
    if not email:
        return False
    with translation.override(django_settings.LANGUAGE_CODE):
        send_mail(
            subject=render_to_string(
                f"dj_learning/certificates/{kind}_subject.txt", context
            ).strip(),
            message=render_to_string(f"dj_learning/certificates/{kind}_body.txt", context),
            from_email=None,
            recipient_list=[email],
        )
    return True


ISSUED = "certificates.issued"


def notify_issued(certificate):
    """Tell the member a certificate was issued (once: after its first rendering).

    A notice in their inbox links to the PDF, with e-mail by their choice (on
    unless they turn it off); a site without the inbox app sends the e-mail alone.
    """
    try:
        member = Member.objects.select_related("user").get(pk=certificate.member_id)
        context = {"certificate": certificate, "member": member}
        if not notices.installed():
            return _email(member, "issued", context)
        if not member.user_id:
            return False
        from django.template.loader import render_to_string

        with notices.in_language(member.user):
            title = render_to_string("dj_learning/certificates/issued_subject.txt", context)
            body = render_to_string("dj_learning/certificates/issued_body.txt", context)
        notices.notify(
            member.user,
            ISSUED,
            title.strip(),
            body=body,
            url=reverse("dj_learning:certificate_pdf", args=[certificate.pk]),
            key=f"certificate:{certificate.pk}:issued",
        )
        return True
    except Exception:
        logger.exception("The notice of certificate %s could not be sent", certificate.pk)
        return False


def rerender(user, certificate):
    """Staff re-render a certificate from its template as it is now; number and code stay."""
    if not scope.can_see_member(user, certificate.member, roles=ADMIN_ROLES):
        raise OutsideUnits(_("This certificate is outside your units."))
    queue_render(certificate, force=True)


def revoke(user, certificate, reason):
    """Revoke a certificate with a reason; verification then says revoked, with the date."""
    if not scope.can_see_member(user, certificate.member, roles=ADMIN_ROLES):
        raise OutsideUnits(_("This certificate is outside your units."))
    if not (reason or "").strip():
        raise CertificateError(_("Give a reason: it stays on the record."))
    if certificate.status == Certificate.Status.REVOKED:
        raise CertificateError(_("This certificate was revoked already."))
    certificate.status = Certificate.Status.REVOKED
    certificate.revoked_at = timezone.now()
    certificate.revoked_reason = reason.strip()
    certificate.revoked_by = user
    certificate.save(update_fields=["status", "revoked_at", "revoked_reason", "revoked_by"])
    return certificate


# -- Who sees what --------------------------------------------------------------------------


def for_member(member):
    """A member's certificates, newest first, in one query."""
    return Certificate.objects.filter(member=member).order_by("-issued_on", "-pk")


def latest_for_request(request, count=5):
    """The signed-in member's latest certificates (My study), in one query; ``[]`` for others."""
    from dj_learning.members.services import member_for

    member = member_for(request.user)
    return list(for_member(member)[:count]) if member else []


def visible_to(user, roles=VIEW_ROLES):
    """The certificates ``user`` may see as staff: their subtree's members'."""
    queryset = Certificate.objects.select_related("member", "member__unit", "rule")
    return scope.filter_members(user, queryset, roles=roles, unit_field="member__unit")


def filter_list(queryset, *, status="", year=None, rule=None, today=None):
    """Narrow a list of certificates by status (valid, expired, revoked), year and rule."""
    today = today or timezone.localdate()
    if status == Certificate.Status.REVOKED:
        queryset = queryset.filter(status=Certificate.Status.REVOKED)
    elif status == Certificate.Status.EXPIRED:
        queryset = queryset.filter(status=Certificate.Status.VALID, expires_on__lt=today)
    elif status == Certificate.Status.VALID:
        queryset = queryset.filter(status=Certificate.Status.VALID).exclude(expires_on__lt=today)
    if year:
        queryset = queryset.filter(issued_on__year=year)
    if rule:
        queryset = queryset.filter(rule_id=rule)
    return queryset.order_by("-issued_on", "-pk")


def downloadable(user, certificate_id):
    """The certificate ``user`` may download: their own (not revoked), or in their staff scope.

    ``None`` otherwise, which views answer with 404 as for a missing one.
    """
    certificate = (
        Certificate.objects.select_related("member", "member__unit")
        .filter(pk=certificate_id)
        .first()
    )
    if certificate is None:
        return None
    if scope.can_see_member(user, certificate.member, roles=VIEW_ROLES):
        return certificate
    own = user.is_authenticated and certificate.member.user_id == user.pk
    if own and certificate.status != Certificate.Status.REVOKED:
        return certificate
    return None


def filename(certificate):
    return f"certificate-{certificate.number}.pdf"


# -- Verification ---------------------------------------------------------------------------


def verification(code):
    """``/verify/<code>/`` for a certificate (registered in ``credits.services.verifications``).

    The page says genuine, expired or revoked (with the date), and names the
    member, the title, the number, the issue date and the issuer: nothing else.
    """
    certificate = (
        Certificate.objects.select_related("member")
        .only(
            "member__name",
            "title",
            "number",
            "issuer",
            "issued_on",
            "expires_on",
            "status",
            "revoked_at",
            "code",
        )
        .filter(code=code)
        .first()
    )
    if certificate is None:
        return None
    return (
        "dj_learning/certificates/verify.html",
        {
            "certificate": certificate,
            "status": certificate.current_status(),
            "title": _("Verify a certificate"),
        },
    )


# -- Expiry reminders -----------------------------------------------------------------------


def remind_expiring(today=None):
    """Email members whose valid certificates expire within one of
    ``CERTIFICATE_REMINDER_DAYS``: once per certificate and interval. Safe to run again."""
    today = today or timezone.localdate()
    sent = 0
    for days in sorted(settings.CERTIFICATE_REMINDER_DAYS):
        due = (
            Certificate.objects.filter(
                status=Certificate.Status.VALID,
                expires_on__gte=today,
                expires_on__lte=today + timedelta(days=days),
            )
            .exclude(pk__in=ExpiryReminder.objects.filter(days=days).values("certificate_id"))
            .select_related("member__user")
        )
        for certificate in due:
            try:
                with transaction.atomic():
                    ExpiryReminder.objects.create(certificate=certificate, days=days)
            except IntegrityError:
                continue  # reminded a moment ago by another run
            _email(certificate.member, "expiry", {"certificate": certificate, "days": days})
            sent += 1
    return sent


# -- The third kind of award from transcripts ----------------------------------------------


class CertificateAward:
    """A certificate as an award from transcripts (registered in ``rewards.awards.kinds``)."""

    label = gettext_lazy("a certificate")

    def choices(self, user):
        templates = CertificateTemplate.objects.filter(
            unit__in=scope.visible_units(user, roles=ADMIN_ROLES)
        ).select_related("unit")
        return [(str(t.pk), f"{t.name} · {t.unit.name}") for t in templates]

    def award(self, award, member_ids):
        from dj_learning.credits import services as credits
        from dj_learning.rewards.awards import award_key

        template = CertificateTemplate.objects.select_related("unit").get(pk=award.target)
        keys = {award_key(award, member_id): member_id for member_id in member_ids}
        done = set(Certificate.objects.filter(key__in=list(keys)).values_list("key", flat=True))
        new = [member_id for key, member_id in keys.items() if key not in done]
        members = Member.objects.filter(pk__in=new).select_related("unit")
        for member in members:
            totals = credits.year_totals(member, award.year)
            issue(
                member,
                template,
                key=award_key(award, member.pk),
                award=award,
                by=award.requested_by,
                plan_year=award.year,
                credits=_credits(sum(totals.values(), Decimal(0))),
            )
        # Rendered after the chunk commits; a rerun renders what a killed run did not.
        pending = list(
            Certificate.objects.filter(key__in=list(keys), pdf="").values_list("pk", flat=True)
        )
        transaction.on_commit(lambda: [render_stored(pk) for pk in pending])
        return len(new)

    def awarded(self, award):
        return award.certificates.count()

    def recipients(self, award):
        return award.certificates.all()

    def describe(self, award):
        template = CertificateTemplate.objects.filter(pk=award.target or 0).first()
        name = template.name if template else award.target
        return _("Certificate “%(name)s”") % {"name": name}
