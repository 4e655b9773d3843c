"""Region themes (a Wagtail site setting), branch overrides (per unit) and notices.

A value left empty is inherited: a unit's theme from its parent's, up to the
region's site setting, and from there the defaults in ``services.DEFAULTS``.
See docs/theming.md.
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, HelpPanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.fields import RichTextField
from wagtail.images import get_image_model_string
from wagtail.models import Page
from wagtail.search import index

from . import colours

TEXT_FEATURES = ["bold", "italic", "link"]


class HomeLayout(models.TextChoices):
    WELCOME = "welcome", _("Welcome card")
    BANNER = "banner", _("Banner in the primary colour")
    COURSES = "courses", _("Welcome and the latest courses")


def preview_panel():
    # A submit button in the edit form that posts the unsaved values to the
    # preview view in a new tab (no JavaScript needed).
    return HelpPanel(template="dj_learning/themes/admin/preview_panel.html", heading="")


class AbstractTheme(models.Model):
    """The fields a theme can set; every one may stay empty to inherit."""

    name = models.CharField(
        _("name"), max_length=200, blank=True, help_text=_("Shown in the header beside the logo.")
    )
    logo = models.ForeignKey(
        get_image_model_string(),
        verbose_name=_("logo"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    primary_colour = models.CharField(
        _("primary colour"),
        max_length=7,
        blank=True,
        validators=[colours.validate_hex_colour],
        help_text=_("Header, buttons and links, like #b3261e. White text must be readable on it."),
    )
    accent_colour = models.CharField(
        _("accent colour"),
        max_length=7,
        blank=True,
        validators=[colours.validate_hex_colour],
        help_text=_("Highlights, like #f2b705. Dark text must be readable on it."),
    )
    font_stack = models.CharField(
        _("font stack"),
        max_length=300,
        blank=True,
        validators=[colours.validate_font_stack],
        help_text=_('Font families in order of preference, like "Noto Serif SC", serif.'),
    )
    header_text = RichTextField(
        _("header text"),
        blank=True,
        features=TEXT_FEATURES,
        help_text=_("A short line under the name in the header."),
    )
    footer_text = RichTextField(_("footer text"), blank=True, features=TEXT_FEATURES)
    home_layout = models.CharField(
        _("home page layout"), max_length=20, blank=True, choices=HomeLayout.choices
    )
    home_parts = models.CharField(
        _("member home parts"),
        max_length=255,
        blank=True,
        help_text=_(
            "The parts of a member's home after sign-in, in order, separated by commas, e.g. "
            "“my-study, quizzes-due, points, upcoming-activities, notices”. Leave a part out "
            "to drop it; empty for the site's default."
        ),
    )
    custom_css = models.TextField(
        _("custom CSS"),
        blank=True,
        validators=[colours.validate_custom_css],
        help_text=_(
            "Added after the theme's own styles; a branch's comes after its region's. "
            "No “<”, @import or script."
        ),
    )

    theme_panels = [
        MultiFieldPanel(
            [FieldPanel("name"), FieldPanel("logo"), FieldPanel("header_text")],
            heading=_("Name and logo"),
        ),
        MultiFieldPanel(
            [FieldPanel("primary_colour"), FieldPanel("accent_colour"), FieldPanel("font_stack")],
            heading=_("Colours and fonts"),
        ),
        MultiFieldPanel(
            [
                FieldPanel("home_layout"),
                FieldPanel("home_parts"),
                FieldPanel("footer_text"),
                FieldPanel("custom_css"),
            ],
            heading=_("Layout"),
        ),
    ]

    class Meta:
        abstract = True

    def clean(self):
        super().clean()
        errors = {}
        from .home import unknown_parts

        if unknown := unknown_parts(self.home_parts):
            errors["home_parts"] = _("No such part: %(names)s.") % {"names": ", ".join(unknown)}
        checks = [
            ("primary_colour", colours.primary_problem),
            ("accent_colour", colours.accent_problem),
        ]
        for name, problem_of in checks:
            value = getattr(self, name)
            if colours.is_hex_colour(value) and (problem := problem_of(value)):
                errors[name] = problem
        if errors:
            raise ValidationError(errors)


def member_language_choices():
    """The site's languages (``LANGUAGES``): read when a form is built, so a host's own
    list applies and no migration records it."""
    from django.conf import settings

    return list(settings.LANGUAGES)


@register_setting(icon="image")
class RegionTheme(AbstractTheme, BaseSiteSetting):
    """The theme of one region's site, and where its widgets may be embedded."""

    embed_origins = models.TextField(
        _("allowed embedding origins"),
        blank=True,
        validators=[colours.validate_origins],
        help_text=_(
            "One origin a line, like https://portal.example.org: the pages allowed to show "
            "this site's widgets in a frame. Empty: no other site may."
        ),
    )
    member_language = models.CharField(
        _("members' language"),
        max_length=15,
        blank=True,
        choices=member_language_choices,
        help_text=_(
            "The language of this region's member pages and of its members' notifications, "
            "until a member picks another with the language switch. Empty: the site's "
            "default. Editors keep their own admin language."
        ),
    )
    seal = models.ForeignKey(
        get_image_model_string(),
        verbose_name=_("seal"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_(
            "The region's seal, printed in the signature area of transcripts (a PNG with a "
            "transparent background reads best)."
        ),
    )

    panels = [
        *AbstractTheme.theme_panels,
        FieldPanel("member_language"),
        FieldPanel("seal"),
        FieldPanel("embed_origins"),
        preview_panel(),
    ]

    class Meta:
        verbose_name = _("region theme")

    def __str__(self):
        return self.name or str(self.site)


class UnitTheme(AbstractTheme):
    """A unit's override of its region's theme (branches have no site of their own)."""

    unit = models.OneToOneField(
        "learning_orgs.Unit",
        verbose_name=_("unit"),
        on_delete=models.CASCADE,
        related_name="learning_theme",
    )

    panels = [FieldPanel("unit"), *AbstractTheme.theme_panels, preview_panel()]

    class Meta:
        verbose_name = _("branch theme")
        verbose_name_plural = _("branch themes")

    def __str__(self):
        return str(self.unit)


class NoticePage(Page):
    """A notice to members: a date and a text, listed newest first (and in the notices widget)."""

    date = models.DateField(_("date"))
    body = RichTextField(_("text"))

    content_panels = [*Page.content_panels, FieldPanel("date"), FieldPanel("body")]
    search_fields = [*Page.search_fields, index.SearchField("body")]
    subpage_types = []
    template = "dj_learning/themes/notice_page.html"

    class Meta:
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
