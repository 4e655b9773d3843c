from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from treebeard.mp_tree import MP_Node


class Unit(MP_Node):
    """A unit of the organization: the national body, a region, a branch, a sub-branch.

    The tree has any depth. A unit's subtree is every unit whose materialized
    path starts with its own, which is how scope is decided (see ``scope.py``).
    """

    class Kind(models.TextChoices):
        NATIONAL = "national", _("National body")
        REGION = "region", _("Region")
        BRANCH = "branch", _("Branch")
        SUB_BRANCH = "sub_branch", _("Sub-branch")

    name = models.CharField(_("name"), max_length=200)
    code = models.SlugField(
        _("code"),
        max_length=64,
        unique=True,
        help_text=_("A short stable identifier, used in imports and URLs."),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.BRANCH)
    site = models.OneToOneField(
        "wagtailcore.Site",
        verbose_name=_("Wagtail site"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="learning_region",
        help_text=_("The site that serves this region, if it has one."),
    )

    node_order_by = ["name"]

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")

    def __str__(self):
        return self.name

    @property
    def region(self):
        """The nearest region at or above this unit, or ``None``."""
        if self.kind == self.Kind.REGION:
            return self
        return self.get_ancestors().filter(kind=self.Kind.REGION).last()

    def is_in_subtree_of(self, other):
        """True if this unit is ``other`` or lies below it."""
        return self.path.startswith(other.path)

    def ancestor_paths(self):
        """The paths of the units from the root down to this one: root first, this unit's last.

        What applies to a unit from above (a study plan, a points rule, a theme, a
        review level) is looked up with ``unit__path__in=unit.ancestor_paths()``; the
        nearest (deepest) of those found wins. No query.
        """
        return ancestor_paths(self.path)


def ancestor_paths(path):
    """``Unit.ancestor_paths()`` for the unit whose materialized path is ``path``
    (for callers that hold only the path)."""
    step = Unit.steplen
    return [path[:end] for end in range(step, len(path) + 1, step)]


class StaffRole(models.Model):
    """A staff role held over a unit and everything below it."""

    class Role(models.TextChoices):
        CLERK = "clerk", _("Clerk")
        REVIEWER = "reviewer", _("Reviewer")
        ADMIN = "admin", _("Administrator")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="learning_roles",
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), on_delete=models.CASCADE, related_name="staff_roles"
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)

    class Meta:
        verbose_name = _("staff role")
        verbose_name_plural = _("staff roles")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "unit", "role"], name="learning_staffrole_unique"
            ),
        ]

    def __str__(self):
        return f"{self.user} · {self.get_role_display()} · {self.unit}"


class Counter(models.Model):
    """The last number handed out in a unit, for one kind of document and one year.

    One numbering service for every app that numbers documents per region and
    year (certificates, suggestions): ``services.next_number()`` increments it
    inside the caller's transaction, so numbers have no gaps and no twins. The
    ``scope`` names the series ("certificate", "suggestion"); a series' number
    format belongs to the app that uses it.
    """

    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), on_delete=models.CASCADE, related_name="+"
    )
    scope = models.CharField(_("series"), max_length=40)
    year = models.PositiveSmallIntegerField(_("year"))
    last = models.PositiveIntegerField(_("last number"), default=0)

    class Meta:
        verbose_name = _("number counter")
        verbose_name_plural = _("number counters")
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "scope", "year"], name="learning_counter_unique"
            ),
        ]

    def __str__(self):
        return f"{self.unit_id} · {self.scope} · {self.year} · {self.last}"
