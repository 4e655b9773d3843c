import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from dj_learning import uploads
from dj_learning.courses.models import Kind
from dj_learning.review.models import AbstractReviewRequest


class CreditEntry(models.Model):
    """One credit earned (or corrected), in the study year it counts for. Append-only.

    A module's credits are written once (a unique constraint on the
    completion); an offline training's once (on the training). Corrections
    are new ``adjustment`` entries with a reason, never edits.
    """

    class Source(models.TextChoices):
        MODULE = "module", _("Module completed")
        OFFLINE = "offline", _("Offline training")
        ADJUSTMENT = "adjustment", pgettext_lazy("credits", "Adjustment")

    member = models.ForeignKey(
        "learning_members.Member", on_delete=models.CASCADE, related_name="credit_entries"
    )
    year = models.PositiveSmallIntegerField(_("study year"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    amount = models.DecimalField(_("credits"), max_digits=6, decimal_places=2)
    source = models.CharField(_("source"), max_length=12, choices=Source.choices)
    title = models.CharField(_("for"), max_length=255)
    earned_on = models.DateField(_("date"))
    completion = models.OneToOneField(
        "learning_courses.ModuleCompletion",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="credit_entry",
    )
    training = models.OneToOneField(
        "learning_credits.OfflineTraining",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="credit_entry",
    )
    reason = models.TextField(_("reason"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("credit entry")
        verbose_name_plural = _("credit entries")
        ordering = ["earned_on", "pk"]
        indexes = [models.Index(fields=["member", "year"], name="learning_credit_member_year")]
        constraints = [
            models.CheckConstraint(
                condition=Q(source="module", completion__isnull=False)
                | Q(source="offline", training__isnull=False)
                | Q(source="adjustment", completion__isnull=True, training__isnull=True),
                name="learning_credit_source_link",
            ),
            models.CheckConstraint(
                condition=~Q(source="adjustment") | ~Q(reason=""),
                name="learning_credit_adjustment_reason",
            ),
        ]

    def __str__(self):
        return f"{self.member} · {self.year} · {self.amount} · {self.title}"


class OfflineTraining(AbstractReviewRequest):
    """Training outside the platform, recorded by a clerk; counts once the branch approves it."""

    #: Offline training is approved by the member's branch alone.
    review_levels = ("branch",)

    member = models.ForeignKey(
        "learning_members.Member", on_delete=models.CASCADE, related_name="offline_trainings"
    )
    title = models.CharField(_("training"), max_length=255)
    date = models.DateField(_("date"))
    hours = models.DecimalField(_("hours (credits)"), max_digits=5, decimal_places=2)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    attachment = models.FileField(
        _("proof"),
        upload_to="training/%Y/",
        storage=uploads.private_storage,
        blank=True,
        help_text=_("A scan or photo of the attendance sheet or certificate."),
    )

    class Meta:
        verbose_name = _("offline training")
        verbose_name_plural = _("offline trainings")
        ordering = ["-date", "-pk"]

    def __str__(self):
        return f"{self.member} · {self.title}"

    def apply(self):
        from .services import record_training

        record_training(self)


def new_code():
    """192 random bits, URL-safe: unguessable."""
    return secrets.token_urlsafe(24)


class TranscriptDocument(models.Model):
    """A transcript as issued: what ``/verify/<code>/`` vouches for."""

    class Status(models.TextChoices):
        VALID = "valid", _("Valid")
        SUPERSEDED = "superseded", _("Superseded by a newer transcript")
        REVOKED = "revoked", _("Revoked")

    member = models.ForeignKey(
        "learning_members.Member", on_delete=models.CASCADE, related_name="transcripts"
    )
    year = models.PositiveSmallIntegerField(_("study year"))
    code = models.CharField(_("verification code"), max_length=64, unique=True, default=new_code)
    issued_at = models.DateTimeField(_("issued at"), auto_now_add=True)
    totals = models.JSONField(_("totals as issued"), default=dict)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.VALID
    )
    batch = models.ForeignKey(
        "learning_credits.TranscriptBatch",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="documents",
        help_text=_("The bulk job that issued it, if any; a rerun reuses it."),
    )

    class Meta:
        verbose_name = _("issued transcript")
        verbose_name_plural = _("issued transcripts")
        ordering = ["-issued_at"]

    def __str__(self):
        return f"{self.member} · {self.year} · {self.code[:8]}…"


class Reminder(models.Model):
    """A reminder sent to a member behind their plan; at most one per member and day."""

    member = models.ForeignKey(
        "learning_members.Member", on_delete=models.CASCADE, related_name="reminders"
    )
    year = models.PositiveSmallIntegerField(_("study year"))
    sent_on = models.DateField(_("sent on"))
    emailed = models.BooleanField(_("emailed"), default=False)

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        constraints = [
            models.UniqueConstraint(
                fields=["member", "year", "sent_on"], name="learning_reminder_once_a_day"
            ),
        ]

    def __str__(self):
        return f"{self.member} · {self.sent_on}"


class TranscriptBatch(models.Model):
    """A bulk job: the transcripts of a unit's members for a year, as one ZIP of PDFs."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    unit = models.ForeignKey("learning_orgs.Unit", on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField(_("study year"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    total = models.PositiveIntegerField(_("members"), default=0)
    done = models.PositiveIntegerField(_("done"), default=0)
    archive = models.FileField(
        _("ZIP file"), upload_to="transcripts/", storage=uploads.private_storage, blank=True
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
        verbose_name = _("transcript batch")
        verbose_name_plural = _("transcript batches")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.unit} · {self.year} · {self.done}/{self.total}"

    @property
    def percent(self):
        return int(100 * self.done / self.total) if self.total else 0
