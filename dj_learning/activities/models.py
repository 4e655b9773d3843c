"""Activities of the units, sign-ups, attendance, volunteer service, daily sign-in and lobby
screens.

The invariants live in the database: one sign-up, one attendance and one daily
sign-in per member (what makes check-in and sign-in exact under concurrent
requests), an activity that ends after it starts, a reason for attendance
marked by hand.
"""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from dj_learning.courses.models import Kind as CreditKind
from dj_learning.review.models import AbstractReviewRequest
from dj_learning.uploads import private_storage


class Activity(models.Model):
    """An activity a unit organizes for the members of its subtree."""

    class Kind(models.TextChoices):
        PARTY_DAY = "party_day", _("Theme party day")
        LECTURE = "lecture", _("Lecture")
        MEETING = "meeting", _("Meeting")
        VOLUNTEER = "volunteer", _("Volunteer day")
        OTHER = "other", pgettext_lazy("activity kind", "Other")

    class Points(models.TextChoices):
        CHECK_IN = "check_in", _("Activity check-in")
        NONE = "", _("No points")

    unit = models.ForeignKey(
        "learning_orgs.Unit",
        verbose_name=_("organized by"),
        on_delete=models.PROTECT,
        related_name="activities",
        help_text=_("The members of this unit and of every unit below it may take part."),
    )
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.PARTY_DAY)
    description = models.TextField(_("description"), blank=True)
    place = models.CharField(_("place"), max_length=200)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    signup = models.BooleanField(
        _("members sign up"),
        default=False,
        help_text=_("Members sign up in advance; only then capacity and deadline apply."),
    )
    capacity = models.PositiveIntegerField(
        _("capacity"), null=True, blank=True, help_text=_("Empty: no limit.")
    )
    signup_deadline = models.DateTimeField(
        _("sign-up deadline"), null=True, blank=True, help_text=_("Empty: until it starts.")
    )
    credit_hours = models.DecimalField(
        _("credits (offline hours)"),
        max_digits=5,
        decimal_places=2,
        default=0,
        help_text=_("Offline training credits each attendee earns; 0 gives none."),
    )
    credit_kind = models.CharField(
        _("credit kind"), max_length=10, choices=CreditKind.choices, default=CreditKind.ELECTIVE
    )
    points = models.CharField(
        _("points"),
        max_length=32,
        choices=Points.choices,
        default=Points.CHECK_IN,
        blank=True,
        help_text=_("The points rule attendance triggers (its points are set per region)."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("organizer"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["starts_at", "pk"]
        indexes = [models.Index(fields=["starts_at"], name="learning_activity_starts")]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="learning_activity_ends"
            ),
            models.CheckConstraint(
                condition=Q(capacity__isnull=True) | Q(capacity__gt=0),
                name="learning_activity_capacity",
            ),
            models.CheckConstraint(
                condition=Q(credit_hours__gte=0), name="learning_activity_credits"
            ),
        ]

    def __str__(self):
        return self.title


class SignUp(models.Model):
    """A member's place at an activity; cancelling deletes it."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="signups")
    member = models.ForeignKey(
        "learning_members.Member", on_delete=models.CASCADE, related_name="activity_signups"
    )
    created_at = models.DateTimeField(_("signed up at"), auto_now_add=True)

    class Meta:
        verbose_name = _("sign-up")
        verbose_name_plural = _("sign-ups")
        constraints = [
            models.UniqueConstraint(fields=["activity", "member"], name="learning_signup_once"),
        ]

    def __str__(self):
        return f"{self.activity} · {self.member}"


class Attendance(models.Model):
    """A member's presence at an activity: checked in with the code, or marked by hand."""

    class How(models.TextChoices):
        CODE = "code", _("Checked in")
        MANUAL = "manual", _("Marked by hand")

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="attendances")
    member = models.ForeignKey(
        "learning_members.Member", on_delete=models.CASCADE, related_name="attendances"
    )
    how = models.CharField(_("how"), max_length=8, choices=How.choices, default=How.CODE)
    reason = models.TextField(_("reason"), blank=True)
    marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("marked by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField(_("at"), auto_now_add=True)
    training = models.OneToOneField(
        "learning_credits.OfflineTraining",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="attendance",
        help_text=_("The offline training that carries this attendance's credits."),
    )

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendances")
        ordering = ["at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["activity", "member"], name="learning_attend_once"),
            models.CheckConstraint(
                condition=~Q(how="manual") | ~Q(reason=""), name="learning_attend_manual_reason"
            ),
        ]

    def __str__(self):
        return f"{self.activity} · {self.member}"


class Volunteering(AbstractReviewRequest):
    """Hours of volunteer service a member logs; they count once the branch approves them."""

    review_levels = ("branch",)

    member = models.ForeignKey(
        "learning_members.Member", on_delete=models.CASCADE, related_name="volunteering"
    )
    date = models.DateField(_("date"))
    hours = models.DecimalField(_("hours"), max_digits=5, decimal_places=2)
    description = models.CharField(_("what"), max_length=255)
    proof = models.FileField(
        _("photo or proof"),
        storage=private_storage,
        upload_to="learning/volunteering/%Y/",
        blank=True,
    )

    class Meta:
        verbose_name = _("volunteer service")
        verbose_name_plural = _("volunteer service")
        ordering = ["-date", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(hours__gt=0), name="learning_volunteer_hours"),
        ]

    def __str__(self):
        return f"{self.member} · {self.description}"

    def apply(self):
        from .services import volunteering_applied

        volunteering_applied(self)


class DailySignIn(models.Model):
    """A member's daily sign-in: one per day in the site's time zone, with the streak it made."""

    member = models.ForeignKey(
        "learning_members.Member", on_delete=models.CASCADE, related_name="daily_sign_ins"
    )
    day = models.DateField(_("day"))
    streak = models.PositiveIntegerField(_("streak (days)"))
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("daily sign-in")
        verbose_name_plural = _("daily sign-ins")
        ordering = ["-day"]
        constraints = [
            models.UniqueConstraint(fields=["member", "day"], name="learning_signin_once_a_day"),
        ]

    def __str__(self):
        return f"{self.member} · {self.day}"


def new_screen_token():
    """192 random bits, URL-safe: the lobby screen's secret link."""
    return secrets.token_urlsafe(24)


class LobbyScreen(models.Model):
    """A unit's lobby screen: a secret link a TV browser opens, revocable."""

    unit = models.ForeignKey(
        "learning_orgs.Unit",
        verbose_name=_("unit"),
        on_delete=models.CASCADE,
        related_name="lobby_screens",
    )
    name = models.CharField(_("name"), max_length=100, help_text=_("Where the screen hangs."))
    token = models.CharField(
        _("secret"), max_length=64, unique=True, default=new_screen_token, editable=False
    )
    revoked = models.BooleanField(
        _("revoked"), default=False, help_text=_("A revoked link shows nothing any more.")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("lobby screen")
        verbose_name_plural = _("lobby screens")

    def __str__(self):
        return f"{self.unit} · {self.name}"
