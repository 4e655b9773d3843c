from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from dj_learning.review.models import AbstractReviewRequest


class Member(models.Model):
    """A member's profile, linked one-to-one to a user account.

    The model is not swappable: the other apps' foreign keys point at
    ``learning_members.Member``. A host site that keeps more about its members
    keeps it in its own model with a one-to-one link to this one. One person
    has one record: the user link and the member number are unique in the
    database.
    """

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        TRANSFERRED = "transferred", _("Transferred out")
        SUSPENDED = "suspended", _("Suspended")
        DECEASED = "deceased", _("Deceased")

    class Gender(models.TextChoices):
        FEMALE = "female", _("Female")
        MALE = "male", _("Male")

    class Education(models.TextChoices):
        PRIMARY = "primary", _("Primary school")
        SECONDARY = "secondary", _("Secondary school")
        VOCATIONAL = "vocational", _("Vocational college")
        BACHELOR = "bachelor", _("Bachelor's degree")
        MASTER = "master", _("Master's degree")
        DOCTORATE = "doctorate", _("Doctorate")

    #: The fields clerks change through review, in the order forms and imports show them.
    record_fields = [
        "name",
        "gender",
        "birth_date",
        "id_number",
        "phone",
        "unit",
        "join_date",
        "full_member_date",
        "position",
        "education",
        "status",
    ]

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user account"),
        on_delete=models.CASCADE,
        related_name="learning_member",
    )
    member_number = models.CharField(_("member number"), max_length=32, unique=True)
    name = models.CharField(_("full name"), max_length=100)
    unit = models.ForeignKey(
        "learning_orgs.Unit",
        verbose_name=_("unit"),
        on_delete=models.PROTECT,
        related_name="members",
    )
    gender = models.CharField(_("gender"), max_length=10, choices=Gender.choices, blank=True)
    birth_date = models.DateField(_("date of birth"), null=True, blank=True)
    id_number = models.CharField(
        _("ID number"),
        max_length=32,
        null=True,
        blank=True,
        unique=True,
        help_text=_("Shown in full only to staff who may see it; masked for everyone else."),
    )
    join_date = models.DateField(_("join date"), null=True, blank=True)
    full_member_date = models.DateField(_("full membership date"), null=True, blank=True)
    position = models.CharField(_("position"), max_length=100, blank=True)
    education = models.CharField(
        _("education"), max_length=20, choices=Education.choices, blank=True
    )
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    responsible_clerk = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsible clerk"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("The clerk who answers for this record: who entered its last change."),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.ACTIVE
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")
        ordering = ["member_number"]
        indexes = [models.Index(fields=["unit", "status"], name="learning_member_unit_status")]

    def __str__(self):
        return f"{self.name} ({self.member_number})"

    @property
    def masked_id_number(self):
        """The ID number with all but the first 3 and last 2 characters hidden."""
        return mask(self.id_number)


def mask(value):
    if not value:
        return ""
    if len(value) <= 5:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 5) + value[-2:]


class RecordChange(AbstractReviewRequest):
    """A clerk's (or a member's) request to create or change a member record.

    ``changes`` holds ``{field: [old, new]}`` as text, so the reviewers see the
    values side by side as they were when the request was made.
    """

    class Kind(models.TextChoices):
        CREATE = "create", _("New record")
        UPDATE = "update", pgettext_lazy("record change", "Change")
        TRANSFER = "transfer", _("Transfer")
        CORRECTION = "correction", _("Correction requested by the member")

    member = models.ForeignKey(
        Member,
        verbose_name=_("member"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="record_changes",
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    member_number = models.CharField(_("member number"), max_length=32, blank=True)
    changes = models.JSONField(_("changes"), default=dict)

    class Meta:
        verbose_name = _("record change")
        verbose_name_plural = _("record changes")
        ordering = ["-requested_at", "-pk"]
        indexes = [models.Index(fields=["status", "level"], name="learning_change_queue")]

    def __str__(self):
        who = self.member.name if self.member_id else self.changes.get("name", ["", ""])[1]
        return f"{self.get_kind_display()} · {who}"

    def apply(self):
        from .records import apply_record_change

        apply_record_change(self)
