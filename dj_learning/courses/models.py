import math
from decimal import Decimal

from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.html import strip_tags
from django.utils.translation import gettext_lazy as _
from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from modelcluster.models import ClusterableModel
from taggit.models import TaggedItemBase
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel, PageChooserPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.images import get_image_model_string
from wagtail.models import Orderable, Page
from wagtail.search import index

from dj_learning.conf import settings
from dj_learning.orgs.forms import RegionChoicesForm, RegionChoicesPageForm

from .blocks import LessonBlock


class Kind(models.TextChoices):
    REQUIRED = "required", _("Required")
    ELECTIVE = "elective", _("Elective")


# -- Pages ------------------------------------------------------------------
#
# Each page type is an abstract base (the "mixin" a host site subclasses to add
# its own fields) and a thin concrete default. Code elsewhere finds modules by
# ``AbstractModulePage`` subclasses, never by the concrete class.


def concrete_types(base):
    """The concrete page models below the abstract ``base`` that hold its fields.

    The dj-learning default and a host site's own subclasses of ``base``; a
    subclass of one of those (multi-table) is read through its parent's table.
    """
    models = [m for m in apps.get_models() if issubclass(m, base) and not m._meta.abstract]
    return [m for m in models if not any(o is not m and issubclass(m, o) for o in models)]


def route_to_child(parent, request, path_components, base):
    """Wagtail's ``Page.route`` for a parent whose children are ``base`` pages.

    Reads the child as its specific page straight away, one query instead of
    Wagtail's two (the page, then its specific type); any other child is left
    to Wagtail.
    """
    if path_components:
        slug, rest = path_components[0], path_components[1:]
        for model in concrete_types(base):
            child = model.objects.child_of(parent).filter(slug=slug).first()
            if child is not None:
                if child.specific_class is not type(child):
                    child = child.specific  # a subclass of the concrete model
                child._cached_parent_obj = parent
                return child.route(request, rest)
    return Page.route(parent, request, path_components)


class RegionTitleMixin:
    """In the admin (page search, moderation lists, page choosers, breadcrumbs) the title
    names the region whose site holds the page, so that two regions' copies of a course
    are told apart: "新时代理论学习 · 一区". Only when more than one region has a site."""

    def get_admin_display_title(self):
        from dj_learning.orgs.regions import region_of_page, with_region

        return with_region(super().get_admin_display_title(), region_of_page(self))


class AbstractCourseCatalogPage(RegionTitleMixin, Page):
    """Lists the courses below it, with filters and search."""

    intro = RichTextField(_("introduction"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]

    class Meta:
        abstract = True

    def route(self, request, path_components):
        if self.live and path_components:
            # The navigation's "Courses" link of a course or module page: this catalog.
            request._learning_catalog = self
        return route_to_child(self, request, path_components, AbstractCoursePage)

    def get_context(self, request, *args, **kwargs):
        from .views import catalog_context

        context = super().get_context(request, *args, **kwargs)
        context.update(catalog_context(request, self))
        return context


class CourseCatalogPage(AbstractCourseCatalogPage):
    # Wagtail names each concrete page's template after its app and model; a
    # subclass in a host site sets its own or gets that default.
    template = "dj_learning/courses/course_catalog_page.html"
    # The page tree rules belong to the concrete pages: a host's subclass of an
    # abstract base names its own page types (docs/courses.md).
    subpage_types = ["learning_courses.CoursePage"]

    class Meta:
        verbose_name = _("course catalog")


class CourseTopic(TaggedItemBase):
    content_object = ParentalKey(
        "learning_courses.CoursePage", related_name="topic_items", on_delete=models.CASCADE
    )


class AbstractCoursePage(RegionTitleMixin, Page):
    """A course: summary, cover, topics, and its modules (the child pages) in order."""

    summary = models.TextField(_("summary"), blank=True)
    cover_image = models.ForeignKey(
        get_image_model_string(),
        verbose_name=_("cover image"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    unit = models.ForeignKey(
        "learning_orgs.Unit",
        verbose_name=_("offered by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("The unit that offers the course; empty for everyone."),
    )
    year = models.PositiveSmallIntegerField(
        _("study year"),
        null=True,
        blank=True,
        help_text=_("Empty when the course is for any year."),
    )
    # When a module below was last saved, published, unpublished, moved or deleted:
    # the key of the course's cached module outline (courses.outline).
    modules_changed_at = models.DateTimeField(null=True, editable=False)

    content_panels = [
        *Page.content_panels,
        FieldPanel("summary"),
        FieldPanel("cover_image"),
        MultiFieldPanel([FieldPanel("unit"), FieldPanel("year")], heading=_("Audience")),
    ]
    search_fields = [*Page.search_fields, index.SearchField("summary")]
    # The "offered by" units of the editor's regions only.
    base_form_class = RegionChoicesPageForm

    class Meta:
        abstract = True

    def route(self, request, path_components):
        return route_to_child(self, request, path_components, AbstractModulePage)

    def serve(self, request, *args, **kwargs):
        from . import page_cache

        return page_cache.serve(
            request, self, lambda: super(AbstractCoursePage, self).serve(request, *args, **kwargs)
        )

    def get_context(self, request, *args, **kwargs):
        from .views import course_context

        context = super().get_context(request, *args, **kwargs)
        context.update(course_context(request, self))
        return context


class CoursePage(AbstractCoursePage):
    template = "dj_learning/courses/course_page.html"
    parent_page_types = ["learning_courses.CourseCatalogPage"]
    subpage_types = ["learning_courses.ModulePage"]
    topics = ClusterTaggableManager(through=CourseTopic, blank=True, verbose_name=_("topics"))

    content_panels = [
        *AbstractCoursePage.content_panels[:3],
        FieldPanel("topics"),
        *AbstractCoursePage.content_panels[3:],
    ]

    class Meta:
        verbose_name = _("course")


def cycle_message(cycle):
    return _(
        "These prerequisites would make a cycle: %(path)s. "
        "A module cannot depend on itself, directly or through others."
    ) % {"path": " → ".join(cycle)}


def lessons_study_minutes(lessons):
    """The minutes the lessons without a minimum of their own need: their text at
    ``READING_CHARS_PER_MINUTE`` plus ``VIDEO_STUDY_MINUTES`` per video, rounded up
    to whole minutes, at least one. ``lessons`` is the module's StreamField value."""
    chars, videos = 0, 0
    for lesson in lessons:
        if lesson.block_type != "lesson" or lesson.value.get("min_minutes") not in (None, ""):
            continue
        for item in lesson.value["content"]:
            if item.block_type == "text":
                chars += len("".join(strip_tags(item.value.source).split()))
            elif item.block_type == "video":
                videos += 1
    minutes = chars / settings.READING_CHARS_PER_MINUTE + videos * settings.VIDEO_STUDY_MINUTES
    return Decimal(max(1, math.ceil(minutes)))


class ModulePageForm(RegionChoicesPageForm):
    """Refuses prerequisites that would make a cycle, before anything is saved; offers
    only the pages of the editor's regions as prerequisites. A minimum study time left
    empty (a new module's starts empty) becomes what the lessons need."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if field := self.fields.get("min_study_minutes"):
            field.required = False
            field.help_text = _(
                "Leave empty to use what the lessons need: their text at %(chars)s "
                "characters a minute and %(video)s minutes per video. Shared equally "
                "among lessons that do not set their own minimum."
            ) % {
                "chars": settings.READING_CHARS_PER_MINUTE,
                "video": settings.VIDEO_STUDY_MINUTES,
            }
            if self.instance.pk is None:
                self.initial["min_study_minutes"] = None
        if field := self.fields.get("prerequisites"):
            from .widgets import PageChoosers

            # Wagtail's page chooser, limited to modules, instead of a long multi-select.
            field.widget = PageChoosers(concrete_types(AbstractModulePage))
            field.help_text = _(
                "Modules a member must complete before this one counts as complete. "
                "Choose one per chooser; clear a chooser to drop its module. Saving "
                "offers more empty choosers."
            )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("min_study_minutes") is None and "min_study_minutes" not in self.errors:
            lessons = cleaned.get("lessons")
            if lessons is not None and "min_study_minutes" in self.fields:
                cleaned["min_study_minutes"] = lessons_study_minutes(lessons)
        prerequisites = cleaned.get("prerequisites")
        if prerequisites is not None and (
            cycle := self.instance.prerequisite_cycle(list(prerequisites))
        ):
            self.add_error("prerequisites", cycle_message(cycle))
        return cleaned


class AbstractModulePage(RegionTitleMixin, Page):
    """A module of a course: required or elective, worth credits, made of lessons."""

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.REQUIRED)
    credits = models.DecimalField(
        _("credits"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("1"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    min_study_minutes = models.DecimalField(
        _("minimum effective study time (minutes)"),
        max_digits=6,
        decimal_places=1,
        default=Decimal("10"),
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("Shared equally among lessons that do not set their own minimum."),
    )
    prerequisites = ParentalManyToManyField(
        "self",
        verbose_name=_("prerequisites"),
        blank=True,
        symmetrical=False,
        related_name="required_by",
        help_text=_("Modules a member must complete before this one counts as complete."),
    )
    lessons = StreamField([("lesson", LessonBlock())], verbose_name=_("lessons"), blank=True)
    body_text = models.TextField(editable=False, blank=True)
    # ``[[lesson_id, min_minutes or None], ...]`` copied from ``lessons`` on save, so that
    # lists of modules (a course page) need not load the StreamField.
    lesson_minimums = models.JSONField(editable=False, null=True, default=None)

    content_panels = [
        *Page.content_panels,
        MultiFieldPanel(
            [FieldPanel("kind"), FieldPanel("credits"), FieldPanel("min_study_minutes")],
            heading=_("Credits"),
        ),
        FieldPanel("prerequisites"),
        FieldPanel("lessons"),
    ]
    search_fields = [*Page.search_fields, index.SearchField("body_text")]
    base_form_class = ModulePageForm

    class Meta:
        abstract = True

    @property
    def credits_count(self):
        """1 for exactly one credit, else 2: the plural form to use for "N credits"."""
        return 1 if self.credits == 1 else 2

    def prerequisite_cycle(self, prerequisites=None):
        """Titles along a prerequisite path back to this module, or ``[]`` if there is none.

        ``prerequisites`` are the ones being edited (the form's values); the
        prerequisites of other modules are read from the database.
        """
        if prerequisites is None:
            prerequisites = self.prerequisites.all()
        stack = [(p, [self.title, p.title]) for p in prerequisites]
        seen = set()
        while stack:
            module, path = stack.pop()
            if module.pk == self.pk:
                return path
            if module.pk in seen:
                continue
            seen.add(module.pk)
            stack.extend((nxt, [*path, nxt.title]) for nxt in module.prerequisites.all())
        return []

    def clean(self):
        super().clean()
        if not any(block.block_type == "lesson" for block in self.lessons):
            raise ValidationError({"lessons": _("A module needs at least one lesson.")})
        if cycle := self.prerequisite_cycle():
            raise ValidationError({"prerequisites": cycle_message(cycle)})

    def save(self, *args, **kwargs):
        self.body_text = self.lessons_text()
        # get_prep_value() gives new lessons their ids, as saving the StreamField would.
        self.lesson_minimums = self.lesson_minimums_from_lessons(self.lessons.get_prep_value())
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "lessons" in update_fields:
            kwargs["update_fields"] = {*update_fields, "body_text", "lesson_minimums"}
        result = super().save(*args, **kwargs)
        from .outline import modules_changed

        modules_changed(self)
        return result

    def lesson_minimums_from_lessons(self, raw_data=None):
        """``[[lesson_id, min_minutes or None], ...]`` read from the raw StreamField data."""
        lessons = [
            (item["id"], (item.get("value") or {}).get("min_minutes"))
            for item in (self.lessons.raw_data if raw_data is None else raw_data)
            if item["type"] == "lesson"
        ]
        # Unsaved lessons hold Decimals; the copy is JSON.
        return [[i, None if m in (None, "") else str(m)] for i, m in lessons]

    def lessons_text(self):
        """The plain text of the lessons, for search."""
        parts = []
        for lesson in self.lessons:
            parts.append(lesson.value["title"])
            for item in lesson.value["content"]:
                if item.block_type == "text":
                    parts.append(strip_tags(item.value.source))
                elif item.block_type in ("source", "document", "video"):
                    parts.extend(
                        str(item.value.get(key) or "") for key in ("title", "note", "caption")
                    )
        return "\n".join(p for p in parts if p)

    def get_context(self, request, *args, **kwargs):
        from .views import module_context

        context = super().get_context(request, *args, **kwargs)
        context.update(module_context(request, self))
        return context


class ModulePage(AbstractModulePage):
    template = "dj_learning/courses/module_page.html"
    parent_page_types = ["learning_courses.CoursePage"]
    subpage_types = []

    class Meta:
        verbose_name = _("module")


# -- Study plans ---------------------------------------------------------------


class StudyPlan(ClusterableModel):
    """A unit's requirement for one study year; it applies to the unit's whole subtree.

    A sub-unit's own plan for the same year overrides its parent's. Members are
    enrolled in the plan's required modules by the plan itself: whoever belongs
    to the subtree, now or later, is enrolled (see ``services.plan_for``).
    """

    unit = models.ForeignKey(
        "learning_orgs.Unit", verbose_name=_("unit"), on_delete=models.CASCADE, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("study year"))
    title = models.CharField(_("title"), max_length=200, blank=True)
    required_credits = models.DecimalField(
        _("required credits"),
        max_digits=6,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    min_elective_credits = models.DecimalField(
        _("minimum elective credits"),
        max_digits=6,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
    )

    panels = [
        FieldPanel("unit"),
        FieldPanel("year"),
        FieldPanel("title"),
        FieldPanel("required_credits"),
        FieldPanel("min_elective_credits"),
        InlinePanel("plan_modules", heading=_("Required modules"), label=_("module")),
    ]
    # Units of the editor's regions only.
    base_form_class = RegionChoicesForm

    class Meta:
        verbose_name = _("study plan")
        verbose_name_plural = _("study plans")
        constraints = [
            models.UniqueConstraint(fields=["unit", "year"], name="learning_studyplan_unit_year"),
        ]
        ordering = ["-year", "unit__path"]

    def __str__(self):
        return self.title or f"{self.unit} · {self.year}"


class StudyPlanModule(Orderable):
    plan = ParentalKey(StudyPlan, on_delete=models.CASCADE, related_name="plan_modules")
    module = models.ForeignKey(
        "wagtailcore.Page", verbose_name=_("module"), on_delete=models.CASCADE, related_name="+"
    )

    panels = [PageChooserPanel("module", page_type="learning_courses.ModulePage")]

    class Meta(Orderable.Meta):
        constraints = [
            models.UniqueConstraint(fields=["plan", "module"], name="learning_planmodule_unique"),
        ]


# -- What members do -----------------------------------------------------------


class CourseEnrollment(models.Model):
    """A member's own enrolment in a course (for its elective modules)."""

    member = models.ForeignKey(
        "learning_members.Member", on_delete=models.CASCADE, related_name="course_enrollments"
    )
    course = models.ForeignKey("wagtailcore.Page", on_delete=models.CASCADE, related_name="+")
    enrolled_at = models.DateTimeField(_("enrolled at"), auto_now_add=True)

    class Meta:
        verbose_name = _("course enrolment")
        verbose_name_plural = _("course enrolments")
        constraints = [
            models.UniqueConstraint(fields=["member", "course"], name="learning_enrollment_unique"),
        ]

    def __str__(self):
        return f"{self.member} · {self.course_id}"


class LessonProgress(models.Model):
    """Effective study time of one member in one lesson, as counted by the server."""

    member = models.ForeignKey(
        "learning_members.Member", on_delete=models.CASCADE, related_name="lesson_progress"
    )
    module = models.ForeignKey("wagtailcore.Page", on_delete=models.CASCADE, related_name="+")
    lesson_id = models.CharField(max_length=64)
    seconds = models.PositiveIntegerField(_("effective seconds"), default=0)
    last_beat_at = models.DateTimeField(null=True, blank=True)
    studied_at = models.DateTimeField(_("studied at"), null=True, blank=True)

    class Meta:
        verbose_name = _("lesson progress")
        verbose_name_plural = _("lesson progress")
        constraints = [
            models.UniqueConstraint(
                fields=["member", "module", "lesson_id"], name="learning_progress_unique"
            ),
        ]

    def __str__(self):
        return f"{self.member} · {self.module_id}/{self.lesson_id} · {self.seconds}s"


class StudyClock(models.Model):
    """When a member's study time was last counted, whatever the lesson.

    One clock per member, moved by each heartbeat only from the time it read
    (``services.record_heartbeat``), so two tabs, two lessons or two devices
    together never count more than the time that passed.
    """

    member = models.OneToOneField(
        "learning_members.Member", primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    last_beat_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("study clock")
        verbose_name_plural = _("study clocks")

    def __str__(self):
        return f"{self.member_id} · {self.last_beat_at}"


class ModuleCompletion(models.Model):
    """A member completed a module. Recorded once; never edited.

    The module's credits, kind, title and the study year are copied at
    completion, so later edits, unpublishing or deleting the module leave what
    the member earned as it was. The link to the page has no database
    constraint for the same reason: it keeps the id after the page is deleted,
    and the unique constraint keeps holding.
    """

    member = models.ForeignKey(
        "learning_members.Member", on_delete=models.CASCADE, related_name="module_completions"
    )
    module = models.ForeignKey(
        "wagtailcore.Page",
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    module_title = models.CharField(_("module"), max_length=255)
    course_title = models.CharField(_("course"), max_length=255, blank=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    credits = models.DecimalField(_("credits"), max_digits=5, decimal_places=2)
    year = models.PositiveSmallIntegerField(_("study year"))
    completed_at = models.DateTimeField(_("completed at"))

    class Meta:
        verbose_name = _("module completion")
        verbose_name_plural = _("module completions")
        constraints = [
            models.UniqueConstraint(fields=["member", "module"], name="learning_completion_once"),
        ]
        indexes = [models.Index(fields=["member", "year"], name="learning_completion_year")]

    def __str__(self):
        return f"{self.member} · {self.module_title}"
