from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AbstractMember(models.Model):
    """A member's profile, linked one-to-one to a user account.

    A host site that keeps more about its members subclasses this (or the
    concrete ``Member``) rather than copying it. One person has one record:
    the user link and the member number are unique in the database.
    """

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        TRANSFERRED = "transferred", _("Transferred out")
        SUSPENDED = "suspended", _("Suspended")
        DECEASED = "deceased", _("Deceased")

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
    join_date = models.DateField(_("join date"), null=True, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.ACTIVE
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True
        verbose_name = _("member")
        verbose_name_plural = _("members")
        ordering = ["member_number"]

    def __str__(self):
        return f"{self.name} ({self.member_number})"


class Member(AbstractMember):
    class Meta(AbstractMember.Meta):
        indexes = [models.Index(fields=["unit", "status"], name="learning_member_unit_status")]
