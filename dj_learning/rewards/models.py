"""Points: rules per region, an append-only ledger with one cached balance per member,
a rewards catalog with stock, redemptions, and awards from transcripts.

The invariants live in the database: a balance never below zero, stock never
below zero, one ledger entry per award key (what makes awarding idempotent).
"""

import secrets

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from wagtail.images import get_image_model_string


class Action(models.TextChoices):
    """What a member did to earn points; each rule is for one action."""

    LESSON_STUDIED = "lesson_studied", pgettext_lazy("points source", "Lesson studied")
    MODULE_COMPLETED = "module_completed", _("Module completed")
    QUIZ_PASSED = "quiz_passed", _("Quiz passed")
    FULL_MARKS = "full_marks", _("Quiz passed with full marks")
    DAILY_SIGN_IN = "daily_sign_in", _("Daily sign-in")
    CHECK_IN = "check_in", _("Activity check-in")
    VOLUNTEER_HOUR = "volunteer_hour", _("Volunteer service (per hour)")
    SUGGESTION_ADOPTED = "suggestion_adopted", _("Suggestion adopted")
    MANUAL = "manual", _("Manual award")


class PointRule(models.Model):
    """How many points an action earns in a region (or any unit: the nearest one up wins)."""

    unit = models.ForeignKey(
        "learning_orgs.Unit",
        verbose_name=_("region"),
        on_delete=models.CASCADE,
        related_name="point_rules",
        help_text=_("The rule applies to the members of this unit and every unit below it."),
    )
    action = models.CharField(_("action"), max_length=32, choices=Action.choices)
    points = models.PositiveIntegerField(_("points"))
    daily_cap = models.PositiveIntegerField(
        _("daily cap"),
        null=True,
        blank=True,
        help_text=_("The most points this action earns a member in one day. Empty: no cap."),
    )
    once_per_item = models.BooleanField(
        _("once per item"),
        default=False,
        help_text=_(
            "Earn points only the first time for the same lesson, module, quiz or activity."
        ),
    )
    min_study_seconds = models.PositiveIntegerField(
        _("minimum effective study seconds"),
        default=0,
        help_text=_("Study points count only after this much effective study time."),
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("point rule")
        verbose_name_plural = _("point rules")
        ordering = ["unit__path", "action"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "action"], name="learning_rule_unit_action"),
            models.CheckConstraint(condition=Q(points__gt=0), name="learning_rule_points_positive"),
        ]

    def __str__(self):
        return f"{self.unit} · {self.get_action_display()} · {self.points}"


class RuleWindow(models.Model):
    """A period in which a rule's points are multiplied (a theme week, a campaign)."""

    rule = models.ForeignKey(PointRule, on_delete=models.CASCADE, related_name="windows")
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    multiplier = models.DecimalField(_("multiplier"), max_digits=4, decimal_places=2)

    class Meta:
        verbose_name = _("time window")
        verbose_name_plural = _("time windows")
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="learning_window_order"
            ),
            models.CheckConstraint(
                condition=Q(multiplier__gt=0), name="learning_window_multiplier_positive"
            ),
        ]

    def __str__(self):
        return f"{self.rule} × {self.multiplier}"


class Balance(models.Model):
    """A member's spendable points and lifetime points, cached from the ledger.

    Updated in the same transaction as each entry, under a row lock;
    ``learning_check_ledger`` recomputes it from the entries.
    """

    member = models.OneToOneField(
        "learning_members.Member",
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="points",
    )
    balance = models.IntegerField(_("balance"), default=0)
    lifetime = models.IntegerField(_("lifetime points"), default=0)
    hidden = models.BooleanField(
        _("hidden from leaderboards"),
        default=False,
        help_text=_("The member chose not to appear on leaderboards."),
    )

    class Meta:
        verbose_name = _("points balance")
        verbose_name_plural = _("points balances")
        constraints = [
            models.CheckConstraint(
                condition=Q(balance__gte=0), name="learning_balance_not_negative"
            ),
        ]

    def __str__(self):
        return f"{self.member_id} · {self.balance}"


class PointEntry(models.Model):
    """One line of the points ledger. Append-only: corrections are new entries."""

    class Kind(models.TextChoices):
        EARNED = "earned", _("Earned")
        AWARD = "award", _("Award")
        ADJUSTMENT = "adjustment", pgettext_lazy("points", "Adjustment")
        REDEMPTION = "redemption", _("Redemption")
        REFUND = "refund", pgettext_lazy("points", "Refund")

    #: Kinds that count towards lifetime points and leaderboards.
    EARNING = (Kind.EARNED, Kind.AWARD, Kind.ADJUSTMENT)

    member = models.ForeignKey(
        "learning_members.Member", on_delete=models.CASCADE, related_name="point_entries"
    )
    amount = models.IntegerField(_("points"))
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    action = models.CharField(_("action"), max_length=32, choices=Action.choices, blank=True)
    rule = models.ForeignKey(
        PointRule, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    source_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    source_id = models.CharField(max_length=64, blank=True)
    title = models.CharField(
        _("for"), max_length=255, blank=True, help_text=_("What it was for, in words.")
    )
    day = models.DateField(_("day"), help_text=_("The day in the site's time zone."))
    key = models.CharField(
        max_length=200,
        null=True,
        blank=True,
        unique=True,
        help_text=_("What makes the entry happen once (an award key)."),
    )
    redemption = models.ForeignKey(
        "learning_rewards.Redemption",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="entries",
    )
    award = models.ForeignKey(
        "learning_rewards.TranscriptAward",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="entries",
    )
    reason = models.TextField(_("reason"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("points entry")
        verbose_name_plural = _("points entries")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["member", "action", "day"], name="learning_points_cap"),
            models.Index(fields=["member", "-created_at"], name="learning_points_history"),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(amount=0), name="learning_entry_not_zero"),
        ]

    def __str__(self):
        return f"{self.member_id} · {self.amount:+d} · {self.title}"

    @property
    def description(self):
        """The entry's source in words: "Module 党章学习 completed"."""
        from .services import describe

        return describe(self)


def new_pickup_code():
    """Eight characters a person can read out at the counter (no 0/O, 1/I)."""
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "".join(secrets.choice(alphabet) for _ in range(8))


class CatalogItem(models.Model):
    """A reward members of a region can redeem points for."""

    unit = models.ForeignKey(
        "learning_orgs.Unit",
        verbose_name=_("region"),
        on_delete=models.CASCADE,
        related_name="catalog_items",
        help_text=_("Members of this unit and every unit below it can redeem it."),
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    image = models.ForeignKey(
        get_image_model_string(),
        verbose_name=_("image"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    cost = models.PositiveIntegerField(_("points cost"))
    stock = models.PositiveIntegerField(_("stock"))
    per_member_limit = models.PositiveIntegerField(
        _("limit per member"),
        null=True,
        blank=True,
        help_text=_("How many one member may redeem in all. Empty: no limit."),
    )
    starts_at = models.DateTimeField(_("available from"), null=True, blank=True)
    ends_at = models.DateTimeField(_("available until"), null=True, blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("catalog item")
        verbose_name_plural = _("catalog items")
        ordering = ["cost", "title"]
        constraints = [
            models.CheckConstraint(condition=Q(stock__gte=0), name="learning_item_stock"),
            models.CheckConstraint(condition=Q(cost__gt=0), name="learning_item_cost"),
        ]

    def __str__(self):
        return self.title


class Redemption(models.Model):
    """Points exchanged for a catalog item; fulfilled at the counter with the pick-up code."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for pick-up")
        FULFILLED = "fulfilled", _("Fulfilled")
        CANCELLED = "cancelled", _("Cancelled")

    member = models.ForeignKey(
        "learning_members.Member", on_delete=models.CASCADE, related_name="redemptions"
    )
    item = models.ForeignKey(CatalogItem, on_delete=models.PROTECT, related_name="redemptions")
    title = models.CharField(_("item"), max_length=200)
    cost = models.PositiveIntegerField(_("points"))
    code = models.CharField(_("pick-up code"), max_length=16, unique=True, default=new_pickup_code)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    award = models.ForeignKey(
        "learning_rewards.TranscriptAward",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="redemptions",
    )
    key = models.CharField(max_length=200, null=True, blank=True, unique=True)
    created_at = models.DateTimeField(_("redeemed at"), auto_now_add=True)
    decided_at = models.DateTimeField(_("fulfilled or cancelled at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        verbose_name = _("redemption")
        verbose_name_plural = _("redemptions")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["member", "item"], name="learning_redemption_limit")]

    def __str__(self):
        return f"{self.member_id} · {self.title} · {self.code}"


class TranscriptAward(models.Model):
    """Points or a catalog item for the members of a subtree picked by transcript criteria.

    Runs as a django-q2 job; each member's award has a key, so a rerun awards
    nobody twice. The row itself is the audit trail: who, what, to whom (the
    entries and redemptions linked to it), why.
    """

    class Criterion(models.TextChoices):
        MET = "met", _("Met the study plan")
        TOP = "top", _("Top N by credits")
        MIN_CREDITS = "min_credits", _("Credits at least X")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    unit = models.ForeignKey("learning_orgs.Unit", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("study year"))
    criterion = models.CharField(_("criterion"), max_length=12, choices=Criterion.choices)
    top_n = models.PositiveIntegerField(_("N"), null=True, blank=True)
    min_credits = models.DecimalField(
        _("X credits"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    points = models.PositiveIntegerField(_("points"), null=True, blank=True)
    item = models.ForeignKey(
        CatalogItem,
        verbose_name=_("catalog item"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    kind = models.CharField(
        _("other award"),
        max_length=40,
        blank=True,
        help_text=_("A kind of award registered by another app (a certificate, say)."),
    )
    target = models.CharField(
        max_length=64, blank=True, help_text=_("What of that kind is awarded (its id).")
    )
    reason = models.TextField(_("reason"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    total = models.PositiveIntegerField(_("members"), default=0)
    done = models.PositiveIntegerField(_("done"), default=0)
    awarded = models.PositiveIntegerField(_("awarded"), default=0)
    error = models.TextField(_("error"), blank=True)
    member_ids = models.JSONField(
        null=True,
        blank=True,
        editable=False,
        help_text=_("The recipients, fixed by the first run."),
    )
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
        verbose_name = _("award from transcripts")
        verbose_name_plural = _("awards from transcripts")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(points__isnull=False, item__isnull=True, kind="")
                | Q(points__isnull=True, item__isnull=False, kind="")
                | (Q(points__isnull=True, item__isnull=True) & ~Q(kind="")),
                name="learning_award_one_kind",
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="learning_award_reason"),
        ]

    def __str__(self):
        return f"{self.unit} · {self.year} · {self.get_criterion_display()}"

    @property
    def percent(self):
        return int(100 * self.done / self.total) if self.total else 0

    @property
    def what(self):
        if self.kind:
            from .awards import kinds

            kind = kinds.get(self.kind)
            return kind.describe(self) if kind else self.kind
        if self.item_id:
            return self.item.title
        return _("%(points)s points") % {"points": self.points}
