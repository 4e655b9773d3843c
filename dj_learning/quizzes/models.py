"""Question banks, quizzes and attempts.

The data contract (importers, exporters and reports rely on it)
================================================================

``QuestionBank``
    A named set of questions (a Wagtail snippet). ``name`` is unique;
    ``unit`` (optional) is the unit that owns it, ``None`` for everyone.

``QuestionCategory``
    A category inside a bank, named by its ``path``: segments joined by
    ``/`` ("党史/基础"), unique per bank. "N random questions from category X"
    draws from X and every category below it (paths starting with "X/").

``Question``
    ``bank``, ``category`` (nullable), ``kind``, ``name`` (may be blank),
    ``text`` (the stem: plain text or simple HTML; a fill-in-the-middle
    question keeps its blank as the literal marker ``____``, four
    underscores), ``points`` (Decimal, default 1), ``explanation`` (shown
    after grading), ``image`` (optional), ``tags`` (taggit) and ``data``, a
    JSON object shaped per kind:

    - ``single`` / ``multiple``::

        {"options": [{"id": "a", "text": str, "fraction": float, "feedback": str}],
         "partial": bool}

      ``fraction`` 1.0 is fully right, 0 wrong, anything between (or
      negative) a weighted answer (GIFT ``~%50%``, ``~%-25%``). ``partial``
      (multiple only): partial credit instead of all-or-nothing. Option ids
      are stable strings unique within the question.
    - ``truefalse``: ``{"answer": bool, "feedback_true": str, "feedback_false": str}``
    - ``fill``: ``{"answers": [{"text": str, "fraction": float, "feedback": str}]}``;
      answers compare case-insensitively after NFKC normalisation (full-width
      and half-width forms are equal) with whitespace collapsed.
    - ``matching``: ``{"pairs": [{"id": str, "left": str, "right": str}]}``; a
      pair with an empty ``left`` is a distractor on the right-hand side.
    - ``numerical``: ``{"answers": [{"value": float, "tolerance": float,
      "fraction": float, "feedback": str}]}``
    - ``short``: ``{}`` or ``{"guide": str}`` (a guide for markers); marked by hand.

    ``Question.clean()`` validates ``data`` for its kind.

``Quiz``
    A quiz (snippet) with its items in order: each item is one fixed question
    or "``count`` random questions from ``category``". A quiz with a
    ``module`` is that module's quiz: passing it is one of the module's
    completion requirements. A quiz without a module is a standalone exam,
    open to the members of ``unit``'s subtree (everyone if empty).

``Attempt``
    One member's attempt at a quiz. ``questions`` is the snapshot the member
    saw: the questions (with their data, points and explanation as they were),
    in the order shown, options in the order shown; it is graded from the
    snapshot alone, so later edits never change a past grade. ``responses``
    holds the answers saved so far, keyed by position (a string). When graded,
    one ``AttemptAnswer`` row per question records the response and its score.

Response shapes (what a member sends, per kind): ``single``: an option id;
``multiple``: a list of option ids; ``truefalse``: ``true``/``false``; ``fill``
and ``short``: text; ``numerical``: a number or numeric text; ``matching``:
``{pair_id: right_text}``.
"""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from taggit.managers import TaggableManager
from taggit.models import TaggedItemBase
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.images import get_image_model_string
from wagtail.models import Orderable
from wagtail.search import index

from dj_learning.orgs.forms import RegionChoicesForm

FILL_BLANK = "____"


class QuestionBank(models.Model):
    name = models.CharField(_("name"), max_length=200, unique=True)
    description = models.TextField(_("description"), blank=True)
    unit = models.ForeignKey(
        "learning_orgs.Unit",
        verbose_name=_("owned by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("The unit that owns the bank; empty for everyone."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    panels = [FieldPanel("name"), FieldPanel("description"), FieldPanel("unit")]
    # Units of the editor's regions only.
    base_form_class = RegionChoicesForm

    class Meta:
        verbose_name = _("question bank")
        verbose_name_plural = _("question banks")
        ordering = ["name"]

    def __str__(self):
        return self.name


class QuestionCategory(models.Model):
    bank = models.ForeignKey(
        QuestionBank, verbose_name=_("bank"), on_delete=models.CASCADE, related_name="categories"
    )
    path = models.CharField(
        _("category"), max_length=255, help_text=_("Levels separated by “/”, e.g. 党史/基础.")
    )

    panels = [FieldPanel("bank"), FieldPanel("path")]
    # Banks of the editor's regions only (a forged id is refused too).
    base_form_class = RegionChoicesForm

    class Meta:
        verbose_name = _("question category")
        verbose_name_plural = _("question categories")
        ordering = ["bank__name", "path"]
        constraints = [
            models.UniqueConstraint(fields=["bank", "path"], name="learning_category_path"),
        ]

    def __str__(self):
        return f"{self.bank} · {self.path}"

    def clean(self):
        self.path = "/".join(part.strip() for part in self.path.split("/") if part.strip())
        if not self.path:
            raise ValidationError({"path": _("A category needs a name.")})


class QuestionTag(TaggedItemBase):
    content_object = models.ForeignKey(
        "learning_quizzes.Question", on_delete=models.CASCADE, related_name="tagged_items"
    )


class QuestionKind(models.TextChoices):
    SINGLE = "single", _("Single choice")
    MULTIPLE = "multiple", _("Multiple choice")
    TRUEFALSE = "truefalse", _("True/false")
    FILL = "fill", _("Fill in the blank")
    MATCHING = "matching", _("Matching")
    NUMERICAL = "numerical", _("Numerical")
    SHORT = "short", _("Short answer (marked by hand)")


def _is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def validate_question_data(kind, data):
    """The problems of ``data`` for a question of ``kind``, as translated messages."""
    if not isinstance(data, dict):
        return [_("The answer data must be an object.")]
    errors = []
    if kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
        options = data.get("options")
        if not isinstance(options, list) or len(options) < 2:
            return [_("A choice question needs at least two options.")]
        ids = set()
        for number, option in enumerate(options, 1):
            if not isinstance(option, dict) or not str(option.get("text", "")).strip():
                errors.append(_("Option %(number)d has no text.") % {"number": number})
                continue
            if not _is_number(option.get("fraction", 0)):
                errors.append(_("Option %(number)d has no valid weight.") % {"number": number})
            option_id = str(option.get("id", ""))
            if not option_id or option_id in ids:
                errors.append(_("Option %(number)d needs its own id.") % {"number": number})
            ids.add(option_id)
        if not errors and not any(o.get("fraction", 0) > 0 for o in options):
            errors.append(_("At least one option must be right."))
        if (
            not errors
            and kind == QuestionKind.SINGLE
            and not any(o.get("fraction", 0) >= 1 for o in options)
        ):
            errors.append(_("A single choice question needs an option worth 100%."))
    elif kind == QuestionKind.TRUEFALSE:
        if not isinstance(data.get("answer"), bool):
            errors.append(_("A true/false question needs its answer, true or false."))
    elif kind == QuestionKind.FILL:
        answers = data.get("answers")
        if not isinstance(answers, list) or not answers:
            return [_("A fill-in-the-blank question needs at least one accepted answer.")]
        for number, answer in enumerate(answers, 1):
            if not isinstance(answer, dict) or not str(answer.get("text", "")).strip():
                errors.append(_("Answer %(number)d is empty.") % {"number": number})
        if not errors and not any(a.get("fraction", 1) > 0 for a in answers):
            errors.append(_("At least one answer must be right."))
    elif kind == QuestionKind.MATCHING:
        pairs = data.get("pairs")
        if not isinstance(pairs, list):
            return [_("A matching question needs pairs.")]
        real = [p for p in pairs if isinstance(p, dict) and str(p.get("left", "")).strip()]
        if len(real) < 2:
            errors.append(_("A matching question needs at least two pairs."))
        ids = set()
        for number, pair in enumerate(pairs, 1):
            if not isinstance(pair, dict) or not str(pair.get("right", "")).strip():
                errors.append(_("Pair %(number)d has no answer.") % {"number": number})
                continue
            pair_id = str(pair.get("id", ""))
            if not pair_id or pair_id in ids:
                errors.append(_("Pair %(number)d needs its own id.") % {"number": number})
            ids.add(pair_id)
    elif kind == QuestionKind.NUMERICAL:
        answers = data.get("answers")
        if not isinstance(answers, list) or not answers:
            return [_("A numerical question needs at least one answer.")]
        for number, answer in enumerate(answers, 1):
            if not isinstance(answer, dict) or not _is_number(answer.get("value")):
                errors.append(_("Answer %(number)d is not a number.") % {"number": number})
            elif not _is_number(answer.get("tolerance", 0)) or answer.get("tolerance", 0) < 0:
                errors.append(
                    _("Answer %(number)d has a tolerance that is not a number of 0 or more.")
                    % {"number": number}
                )
    elif kind == QuestionKind.SHORT:
        pass
    else:
        errors.append(_("Unknown question type."))
    return errors


class Question(index.Indexed, models.Model):
    bank = models.ForeignKey(
        QuestionBank, verbose_name=_("bank"), on_delete=models.CASCADE, related_name="questions"
    )
    category = models.ForeignKey(
        QuestionCategory,
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="questions",
    )
    kind = models.CharField(_("type"), max_length=12, choices=QuestionKind.choices)
    name = models.CharField(_("name"), max_length=255, blank=True)
    text = models.TextField(
        _("question"), help_text=_("In a fill-in-the-blank question, ____ marks the blank.")
    )
    points = models.DecimalField(
        _("points"),
        max_digits=6,
        decimal_places=2,
        default=Decimal("1"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    explanation = models.TextField(_("explanation"), blank=True)
    keep_option_order = models.BooleanField(
        _("keep the options in this order"),
        default=False,
        help_text=_(
            "Choice questions: the options are shuffled for each attempt when the quiz "
            "shuffles options. Tick this when their order matters, e.g. a last option "
            "“all of the above”."
        ),
    )
    image = models.ForeignKey(
        get_image_model_string(),
        verbose_name=_("image"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    data = models.JSONField(
        _("answers"),
        default=dict,
        blank=True,
        help_text=_(
            "The options and answers in JSON, shaped by the question type (see the quizzes "
            'documentation). Single choice, for example: {"options": [{"id": "a", "text": '
            '"…", "fraction": 1}, {"id": "b", "text": "…", "fraction": 0}]}. Importing '
            "questions from a GIFT or Excel file is easier for many questions."
        ),
    )
    tags = TaggableManager(through=QuestionTag, blank=True, verbose_name=_("tags"))
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # Banks and categories of the editor's regions only.
    base_form_class = RegionChoicesForm
    panels = [
        FieldRowPanel([FieldPanel("bank"), FieldPanel("category")]),
        FieldRowPanel([FieldPanel("kind"), FieldPanel("points")]),
        FieldPanel("name"),
        FieldPanel("text"),
        FieldPanel("image"),
        FieldPanel("data"),
        FieldPanel("keep_option_order"),
        FieldPanel("explanation"),
        FieldPanel("tags"),
    ]
    search_fields = [
        index.SearchField("text"),
        index.SearchField("name"),
        index.AutocompleteField("text"),
        index.FilterField("bank"),
        index.FilterField("kind"),
    ]

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["bank", "category", "pk"]

    def __str__(self):
        return self.name or self.text[:60]

    def clean(self):
        super().clean()
        if self.category_id and self.bank_id and self.category.bank_id != self.bank_id:
            raise ValidationError({"category": _("The category belongs to another bank.")})
        if errors := validate_question_data(self.kind, self.data):
            raise ValidationError({"data": errors})
        if (
            self.kind == QuestionKind.FILL
            and self.text.count(FILL_BLANK) > 1
            and FILL_BLANK * 2 not in self.text
        ):
            raise ValidationError({"text": _("A fill-in-the-blank question has one blank.")})


# -- Quizzes ------------------------------------------------------------------------


class GradingPolicy(models.TextChoices):
    HIGHEST = "highest", _("Highest grade")
    LAST = "last", _("Last attempt")
    FIRST = "first", _("First attempt")


class ReviewPolicy(models.TextChoices):
    FINISHED = "finished", _("When no attempt is left or the quiz has closed")
    IMMEDIATELY = "immediately", _("Immediately after grading")
    AFTER_CLOSE = "after_close", _("After the quiz closes")
    NEVER = "never", _("Never")


class Quiz(ClusterableModel):
    title = models.CharField(_("title"), max_length=255)
    intro = models.TextField(_("rules and introduction"), blank=True)
    module = models.ForeignKey(
        "wagtailcore.Page",
        verbose_name=_("module"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_(
            "The module whose completion needs this quiz passed. Empty for a standalone exam."
        ),
    )
    unit = models.ForeignKey(
        "learning_orgs.Unit",
        verbose_name=_("for members of"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Standalone exams: the unit whose members may take it; empty for everyone."),
    )
    opens_at = models.DateTimeField(_("opens"), null=True, blank=True)
    closes_at = models.DateTimeField(_("closes"), null=True, blank=True)
    time_limit_minutes = models.PositiveIntegerField(
        _("time limit (minutes)"), null=True, blank=True, help_text=_("Empty for no limit.")
    )
    attempts_allowed = models.PositiveSmallIntegerField(
        _("attempts allowed"), default=3, help_text=_("0 for unlimited.")
    )
    grading_policy = models.CharField(
        _("grade that counts"),
        max_length=10,
        choices=GradingPolicy.choices,
        default=GradingPolicy.HIGHEST,
    )
    pass_percent = models.DecimalField(
        _("pass mark (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("60"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    review = models.CharField(
        _("show answers and explanations"),
        max_length=12,
        choices=ReviewPolicy.choices,
        default=ReviewPolicy.FINISHED,
        help_text=_(
            "When a member may read the right answers and explanations of a graded attempt. "
            "Shown while attempts remain, they let a member who failed copy the key into the "
            "next attempt; “when no attempt is left or the quiz has closed” prevents that. "
            "“After the quiz closes”: after its close date (or, without one, when no attempt "
            "is left)."
        ),
    )
    shuffle_questions = models.BooleanField(_("shuffle questions"), default=True)
    shuffle_options = models.BooleanField(
        _("shuffle options"),
        default=True,
        help_text=_(
            "Each attempt shows the options of choice questions in its own order, except in "
            "questions marked “keep the options in this order”."
        ),
    )
    live = models.BooleanField(_("open to members"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    # Units and modules of the editor's regions only.
    base_form_class = RegionChoicesForm
    panels = [
        FieldPanel("title"),
        FieldPanel("intro"),
        MultiFieldPanel(
            [FieldPanel("module"), FieldPanel("unit"), FieldPanel("live")], heading=_("Audience")
        ),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("opens_at"), FieldPanel("closes_at")]),
                FieldRowPanel([FieldPanel("time_limit_minutes"), FieldPanel("attempts_allowed")]),
                FieldRowPanel([FieldPanel("grading_policy"), FieldPanel("pass_percent")]),
                FieldPanel("review"),
                FieldRowPanel([FieldPanel("shuffle_questions"), FieldPanel("shuffle_options")]),
            ],
            heading=_("Rules"),
        ),
        InlinePanel("items", heading=_("Questions"), label=_("question or random draw")),
    ]

    class Meta:
        verbose_name = _("quiz")
        verbose_name_plural = _("quizzes")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["module"],
                condition=models.Q(module__isnull=False),
                name="learning_quiz_one_per_module",
            ),
        ]

    def __str__(self):
        return self.title

    def clean(self):
        super().clean()
        if self.opens_at and self.closes_at and self.closes_at <= self.opens_at:
            raise ValidationError({"closes_at": _("The quiz must close after it opens.")})
        if self.module_id:
            from dj_learning.courses.models import AbstractModulePage

            if not isinstance(self.module.specific, AbstractModulePage):
                raise ValidationError({"module": _("Choose a module page.")})


class QuizItem(Orderable):
    """One fixed question, or ``count`` questions drawn at random from a category."""

    quiz = ParentalKey(Quiz, on_delete=models.CASCADE, related_name="items")
    question = models.ForeignKey(
        Question,
        verbose_name=_("question"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    category = models.ForeignKey(
        QuestionCategory,
        verbose_name=_("or random questions from"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    count = models.PositiveSmallIntegerField(
        _("how many"), default=1, validators=[MinValueValidator(1)]
    )

    panels = [FieldPanel("question"), FieldRowPanel([FieldPanel("category"), FieldPanel("count")])]

    class Meta(Orderable.Meta):
        verbose_name = _("quiz question")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(question__isnull=False, category__isnull=True)
                | models.Q(question__isnull=True, category__isnull=False),
                name="learning_quizitem_question_or_category",
            ),
        ]

    def clean(self):
        if (self.question_id is None) == (self.category_id is None):
            raise ValidationError(
                _("Choose either a question or a category to draw random questions from.")
            )


# -- Attempts ----------------------------------------------------------------------


class AttemptState(models.TextChoices):
    IN_PROGRESS = "in_progress", _("In progress")
    MARKING = "marking", _("Waiting for marking")
    GRADED = "graded", _("Graded")


class Attempt(models.Model):
    quiz = models.ForeignKey(
        Quiz, verbose_name=_("quiz"), on_delete=models.CASCADE, related_name="attempts"
    )
    member = models.ForeignKey(
        "learning_members.Member",
        verbose_name=_("member"),
        on_delete=models.CASCADE,
        related_name="quiz_attempts",
    )
    number = models.PositiveSmallIntegerField(_("attempt"))
    seed = models.BigIntegerField()
    state = models.CharField(
        _("state"), max_length=12, choices=AttemptState.choices, default=AttemptState.IN_PROGRESS
    )
    started_at = models.DateTimeField(_("started"))
    deadline = models.DateTimeField(_("deadline"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    graded_at = models.DateTimeField(_("graded"), null=True, blank=True)
    year = models.PositiveSmallIntegerField(_("study year"))
    questions = models.JSONField(default=list)
    responses = models.JSONField(default=dict)
    score = models.DecimalField(_("score"), max_digits=8, decimal_places=2, null=True)
    max_score = models.DecimalField(_("out of"), max_digits=8, decimal_places=2)
    pass_percent = models.DecimalField(max_digits=5, decimal_places=2)
    passed = models.BooleanField(_("passed"), null=True)
    quiz_title = models.CharField(_("quiz"), max_length=255)
    notified_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("quiz attempt")
        verbose_name_plural = _("quiz attempts")
        ordering = ["-started_at"]
        permissions = [("mark_attempt", _("Can mark answers of quiz attempts"))]
        constraints = [
            models.UniqueConstraint(
                fields=["quiz", "member", "number"], name="learning_attempt_number"
            ),
        ]
        indexes = [
            models.Index(fields=["member", "year"], name="learning_attempt_year"),
            models.Index(fields=["state"], name="learning_attempt_state"),
        ]

    def __str__(self):
        return f"{self.quiz_title} · {self.member} · {self.number}"

    @property
    def percent(self):
        if self.score is None or not self.max_score:
            return None
        return (self.score * 100 / self.max_score).quantize(Decimal("0.1"))


class AnswerState(models.TextChoices):
    RIGHT = "right", _("Right")
    PARTIAL = "partial", _("Partly right")
    WRONG = "wrong", _("Wrong")
    UNANSWERED = "unanswered", _("Not answered")
    PENDING = "pending", _("Waiting for marking")


class AttemptAnswer(models.Model):
    """One question of a submitted attempt: the response and its score."""

    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="answers")
    position = models.PositiveSmallIntegerField()
    question = models.ForeignKey(
        Question,
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="answers",
    )
    kind = models.CharField(max_length=12, choices=QuestionKind.choices)
    response = models.JSONField(null=True)
    score = models.DecimalField(max_digits=6, decimal_places=2, null=True)
    max_score = models.DecimalField(max_digits=6, decimal_places=2)
    state = models.CharField(max_length=12, choices=AnswerState.choices)
    # Who marked a hand-marked answer, when, and their comment:
    # ``{"by": user_id, "name": str, "at": iso datetime, "comment": str}``. One column
    # rather than three, so that grading inserts a 100-question attempt's rows in one
    # statement even on SQLite (999 parameters per statement).
    marking = models.JSONField(null=True, blank=True)

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        ordering = ["attempt", "position"]
        constraints = [
            models.UniqueConstraint(fields=["attempt", "position"], name="learning_answer_once"),
        ]
        indexes = [models.Index(fields=["state", "kind"], name="learning_answer_state")]

    def __str__(self):
        return f"{self.attempt_id} · {self.position}"


class PendingImport(models.Model):
    """A checked question file waiting for its editor to confirm the import.

    Kept in the database between "check" and "confirm" so that the confirm may
    reach any web process; found by a random ``token`` and only for the ``user``
    who checked it, until ``expires_at`` (``importing.hold`` and ``importing.take``).
    """

    token = models.CharField(max_length=64, unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    filename = models.CharField(max_length=255)
    bank = models.CharField(max_length=200)
    content = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("pending question import")
        verbose_name_plural = _("pending question imports")

    def __str__(self):
        return self.filename
