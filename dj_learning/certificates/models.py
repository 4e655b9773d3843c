"""Certificates: a template per region, the rules that issue them, the certificates as issued.

The invariants live in the database: one certificate per issuing key (a rule and
a member, and the year for a plan rule; an award and a member), one number per
certificate, unique verification codes, and one sequence row per region and
year from which numbers are drawn under a row lock.
"""

import secrets
import string

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dj_learning.uploads import private_storage

#: The placeholders a template's body may use, each filled from the certificate.
PLACEHOLDERS = (
    "name",
    "member_number",
    "unit",
    "course",
    "plan_year",
    "credits",
    "score",
    "date",
    "number",
)


def unknown_placeholders(text):
    """The placeholder names in ``text`` that are not in ``PLACEHOLDERS`` (in order, once).

    ``{{`` and ``}}`` stand for literal braces; a brace left open counts as a mistake,
    reported as ``ValueError``.
    """
    unknown = []
    for _literal, field, _spec, _conversion in string.Formatter().parse(text or ""):
        if field is not None and field not in PLACEHOLDERS and field not in unknown:
            unknown.append(field)
    return unknown


def fill(text, values):
    """``text`` with its placeholders replaced from ``values`` (missing ones left empty)."""
    return (text or "").format_map({name: values.get(name, "") for name in PLACEHOLDERS})


def new_code():
    """192 random bits, URL-safe: unguessable (the issue asks for at least 128)."""
    return secrets.token_urlsafe(24)


class CertificateTemplate(models.Model):
    """How a region's certificates look: paper, background, seal, title, body, signatures.

    Editing a template never changes a certificate already issued: its PDF was
    rendered and stored at issue.
    """

    class Orientation(models.TextChoices):
        LANDSCAPE = "landscape", _("A4 landscape")
        PORTRAIT = "portrait", _("A4 portrait")

    unit = models.ForeignKey(
        "learning_orgs.Unit",
        verbose_name=_("region"),
        on_delete=models.PROTECT,
        related_name="certificate_templates",
        help_text=_("Certificates of this unit and every unit below it can use the template."),
    )
    name = models.CharField(_("name"), max_length=100)
    orientation = models.CharField(
        _("paper"), max_length=10, choices=Orientation.choices, default=Orientation.LANDSCAPE
    )
    title = models.CharField(_("title"), max_length=60, help_text=_("For example 荣誉证书."))
    body = models.TextField(
        _("body"),
        help_text=_(
            "The text of the certificate. Placeholders: {name}, {member_number}, {unit}, "
            "{course}, {plan_year}, {credits}, {score}, {date}, {number}."
        ),
    )
    issuer = models.CharField(
        _("issuing organization"),
        max_length=120,
        help_text=_("Printed above the date and named by the verification page."),
    )
    number_prefix = models.CharField(
        _("number prefix"),
        max_length=12,
        help_text=_("Numbers read PREFIX-YEAR-000123; the sequence is the region's."),
    )
    valid_days = models.PositiveIntegerField(
        _("valid for (days)"),
        null=True,
        blank=True,
        help_text=_("Certificates expire this many days after issue. Empty: they never expire."),
    )
    accent_colour = models.CharField(
        _("accent colour"),
        max_length=7,
        default="#c8102e",
        help_text=_("The colour of the title and the border, as #RRGGBB."),
    )
    background = models.FileField(
        _("background image"),
        storage=private_storage,
        upload_to="certificates/templates/",
        blank=True,
    )
    seal = models.FileField(
        _("seal or logo"), storage=private_storage, upload_to="certificates/templates/", blank=True
    )
    signer_1_name = models.CharField(_("first signature: name"), max_length=60, blank=True)
    signer_1_title = models.CharField(_("first signature: title"), max_length=60, blank=True)
    signer_1_image = models.FileField(
        _("first signature: image"),
        storage=private_storage,
        upload_to="certificates/templates/",
        blank=True,
    )
    signer_2_name = models.CharField(_("second signature: name"), max_length=60, blank=True)
    signer_2_title = models.CharField(_("second signature: title"), max_length=60, blank=True)
    signer_2_image = models.FileField(
        _("second signature: image"),
        storage=private_storage,
        upload_to="certificates/templates/",
        blank=True,
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("certificate template")
        verbose_name_plural = _("certificate templates")
        ordering = ["unit__path", "name"]

    def __str__(self):
        return f"{self.unit} · {self.name}"

    def signers(self):
        """The signature lines that have a name or a title: ``[(name, title, image), ...]``."""
        lines = [
            (self.signer_1_name, self.signer_1_title, self.signer_1_image),
            (self.signer_2_name, self.signer_2_title, self.signer_2_image),
        ]
        return [line for line in lines if line[0] or line[1]]


class IssuingRule(models.Model):
    """When certificates are issued automatically, for the members of a unit's subtree."""

    class Trigger(models.TextChoices):
        COURSE = "course", _("Completing a course")
        PLAN = "plan", _("Meeting the year's study plan")
        EXAM = "exam", _("Passing an exam with a minimum score")

    unit = models.ForeignKey(
        "learning_orgs.Unit",
        verbose_name=_("unit"),
        on_delete=models.CASCADE,
        related_name="certificate_rules",
        help_text=_("The rule applies to the members of this unit and every unit below it."),
    )
    name = models.CharField(_("name"), max_length=100)
    template = models.ForeignKey(
        CertificateTemplate,
        verbose_name=_("template"),
        on_delete=models.PROTECT,
        related_name="rules",
    )
    trigger = models.CharField(_("issued on"), max_length=10, choices=Trigger.choices)
    course = models.ForeignKey(
        "wagtailcore.Page",
        verbose_name=_("course"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text=_("For “completing a course”: every module of it completed."),
    )
    quiz = models.ForeignKey(
        "learning_quizzes.Quiz",
        verbose_name=_("exam"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    min_score = models.DecimalField(
        _("minimum score (%)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("For an exam: the score needed, as a percentage of the full marks."),
    )
    year = models.PositiveSmallIntegerField(
        _("study year"),
        null=True,
        blank=True,
        help_text=_("For the study plan: empty for every year (one certificate per year)."),
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("issuing rule")
        verbose_name_plural = _("issuing rules")
        ordering = ["unit__path", "name"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(trigger="course") | Q(course__isnull=False),
                name="learning_cert_rule_course",
            ),
            models.CheckConstraint(
                condition=~Q(trigger="exam") | Q(quiz__isnull=False),
                name="learning_cert_rule_quiz",
            ),
        ]

    def __str__(self):
        return self.name


class Certificate(models.Model):
    """A certificate as issued: its number, code, what it says, and the PDF stored at issue."""

    class Status(models.TextChoices):
        VALID = "valid", _("Valid")
        EXPIRED = "expired", _("Expired")
        REVOKED = "revoked", _("Revoked")

    member = models.ForeignKey(
        "learning_members.Member",
        verbose_name=_("member"),
        on_delete=models.CASCADE,
        related_name="certificates",
    )
    template = models.ForeignKey(
        CertificateTemplate,
        verbose_name=_("template"),
        on_delete=models.PROTECT,
        related_name="certificates",
    )
    rule = models.ForeignKey(
        IssuingRule,
        verbose_name=_("rule"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="certificates",
    )
    award = models.ForeignKey(
        "learning_rewards.TranscriptAward",
        verbose_name=_("award from transcripts"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="certificates",
    )
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("issued by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    key = models.CharField(
        max_length=200,
        unique=True,
        help_text=_("What makes the certificate happen once (a rule and a member, say)."),
    )
    number = models.CharField(_("number"), max_length=40, unique=True)
    code = models.CharField(_("verification code"), max_length=64, unique=True, default=new_code)
    title = models.CharField(_("title"), max_length=60)
    issuer = models.CharField(_("issuing organization"), max_length=120)
    values = models.JSONField(_("placeholders as issued"), default=dict)
    issued_on = models.DateField(_("issued on"))
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.VALID
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_reason = models.TextField(_("reason for revocation"), blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    pdf = models.FileField(
        _("PDF"), storage=private_storage, upload_to="certificates/issued/%Y/", blank=True
    )
    rendered_at = models.DateTimeField(_("rendered at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        ordering = ["-issued_on", "-pk"]
        indexes = [models.Index(fields=["member", "-issued_on"], name="learning_cert_member")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="revoked") | ~Q(revoked_reason=""),
                name="learning_cert_revoked_reason",
            ),
            # "Expired" is read from the date, never stored.
            models.CheckConstraint(
                condition=Q(status__in=["valid", "revoked"]), name="learning_cert_status"
            ),
        ]

    def __str__(self):
        return f"{self.number} · {self.title}"

    def current_status(self, today=None):
        """Valid, expired (by its date) or revoked."""
        if self.status == self.Status.REVOKED:
            return self.Status.REVOKED
        today = today or timezone.localdate()
        if self.expires_on is not None and self.expires_on < today:
            return self.Status.EXPIRED
        return self.Status.VALID

    def get_current_status_display(self):
        return self.Status(self.current_status()).label

    @property
    def year(self):
        return self.issued_on.year


class ExpiryReminder(models.Model):
    """A notice sent that a certificate expires soon: once per certificate and interval."""

    certificate = models.ForeignKey(Certificate, on_delete=models.CASCADE, related_name="+")
    days = models.PositiveSmallIntegerField()
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["certificate", "days"], name="learning_cert_reminder_once"
            )
        ]

    def __str__(self):
        return f"{self.certificate_id} · {self.days}"


class CertificateBatch(models.Model):
    """A bulk job: the certificates of a unit's subtree (of a year) as one ZIP of their PDFs."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    unit = models.ForeignKey("learning_orgs.Unit", on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField(_("year issued"), null=True, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    total = models.PositiveIntegerField(_("certificates"), default=0)
    done = models.PositiveIntegerField(_("done"), default=0)
    archive = models.FileField(
        _("ZIP file"), storage=private_storage, upload_to="certificates/zips/", blank=True
    )
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    claimed_at = models.DateTimeField(
        _("claimed at"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("When the run now going took the job; a dead worker's claim lapses."),
    )
    runs = models.PositiveSmallIntegerField(
        _("runs"),
        default=0,
        editable=False,
        help_text=_("Runs of the job so far; one that keeps dying stops after a few."),
    )
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("certificate batch")
        verbose_name_plural = _("certificate batches")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.unit} · {self.year} · {self.done}/{self.total}"

    @property
    def percent(self):
        return int(100 * self.done / self.total) if self.total else 0
