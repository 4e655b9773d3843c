"""The review flow, built once: any request that must be approved level by level.

A concrete request model (a member record change, an offline training record)
subclasses ``AbstractReviewRequest`` and implements ``apply()``. The services
in ``review.services`` move it through the levels its region configures.
"""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey, GenericRelation
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.utils.translation import gettext_lazy as _

from dj_learning.orgs.models import Unit


class ReviewLevels(models.Model):
    """How a region reviews: the kinds of unit whose reviewers approve, level by level.

    ``"branch,region"`` (the default) means: first a reviewer of the branch the
    request is about, then a reviewer of its region. A region without a row
    uses ``DJ_LEARNING["REVIEW_LEVELS"]``.
    """

    region = models.OneToOneField(
        Unit,
        verbose_name=_("region"),
        on_delete=models.CASCADE,
        related_name="review_levels",
        limit_choices_to={"kind": Unit.Kind.REGION},
    )
    levels = models.CharField(
        _("levels"),
        max_length=200,
        default="branch,region",
        help_text=_(
            "Unit kinds whose reviewers approve, in order, separated by commas: "
            "national, region, branch, sub_branch."
        ),
    )

    class Meta:
        verbose_name = _("review levels")
        verbose_name_plural = _("review levels")

    def __str__(self):
        return f"{self.region}: {self.levels}"

    def kinds(self):
        return [k.strip() for k in self.levels.split(",") if k.strip()]


class ReviewStep(models.Model):
    """One decision on a request: who, at which level, approve or reject, when, why."""

    class Decision(models.TextChoices):
        SUBMIT = "submit", _("Submitted")
        APPROVE = "approve", _("Approved")
        REJECT = "reject", _("Rejected")
        WITHDRAW = "withdraw", _("Withdrawn")

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField()
    review_request = GenericForeignKey("content_type", "object_id")
    level = models.PositiveSmallIntegerField(_("level"))
    decision = models.CharField(_("decision"), max_length=10, choices=Decision.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+"
    )
    comment = models.TextField(_("comment"), blank=True)
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("review step")
        verbose_name_plural = _("review steps")
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["content_type", "object_id"], name="learning_step_request")]

    def __str__(self):
        return f"{self.get_decision_display()} · {self.actor} · L{self.level}"


class AbstractReviewRequest(models.Model):
    """A request that is applied only after every review level approves it."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for review")
        REJECTED = "rejected", _("Returned to the clerk")
        APPLIED = "applied", _("Approved and applied")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    unit = models.ForeignKey(
        Unit,
        verbose_name=_("unit"),
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The unit the request is about; it decides who may review it."),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    level = models.PositiveSmallIntegerField(_("current level"), default=1)
    levels = models.CharField(_("levels"), max_length=200, editable=False)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    reason = models.TextField(_("reason"), blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    steps = GenericRelation(ReviewStep)

    class Meta:
        abstract = True

    def level_kinds(self):
        """The unit kinds of this request's levels, fixed when it was submitted."""
        return self.levels.split(",") if self.levels else []

    def apply(self):
        """Make the change real. Called once, inside the transaction of the last approval.

        Every concrete request defines it.
        """
        raise ImproperlyConfigured(f"{type(self).__name__} must define apply().")
