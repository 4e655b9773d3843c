"""Members' voice: suggestions and complaints with replies, polls and surveys.

The invariants live in the database: one tracking number per region, one
counter row per region and year (locked to hand out the next number), one
ballot per member and poll (what makes "one response per member" hold under
concurrency). In an anonymous poll the response and its answers carry no
member, no time and no sequential id: only the ballot says who has voted.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from dj_learning import uploads

# -- Suggestions -------------------------------------------------------------------------------


class SuggestionCategory(models.Model):
    """A category a region offers for suggestions (建言献策的类别)."""

    unit = models.ForeignKey(
        "learning_orgs.Unit",
        verbose_name=_("region"),
        on_delete=models.CASCADE,
        related_name="suggestion_categories",
    )
    name = models.CharField(_("name"), max_length=100)
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("suggestion category")
        verbose_name_plural = _("suggestion categories")
        ordering = ["unit__path", "order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "name"], name="learning_sugcat_unit_name"),
        ]

    def __str__(self):
        return self.name


class Suggestion(models.Model):
    class Kind(models.TextChoices):
        SUGGESTION = "suggestion", _("Suggestion")
        COMPLAINT = "complaint", _("Complaint")

    class Status(models.TextChoices):
        RECEIVED = "received", _("Received")
        IN_PROGRESS = "in_progress", _("In progress")
        REPLIED = "replied", _("Replied")
        ADOPTED = "adopted", _("Adopted")
        CLOSED = "closed", _("Closed")

    #: Statuses in which the member may publish it (it has an answer).
    ANSWERED = (Status.REPLIED, Status.ADOPTED)
    #: Statuses in which it waits for staff.
    OPEN = (Status.RECEIVED, Status.IN_PROGRESS)

    number = models.CharField(_("tracking number"), max_length=32)
    member = models.ForeignKey(
        "learning_members.Member",
        verbose_name=_("member"),
        on_delete=models.CASCADE,
        related_name="suggestions",
    )
    unit = models.ForeignKey(
        "learning_orgs.Unit",
        verbose_name=_("unit"),
        on_delete=models.PROTECT,
        related_name="suggestions",
        help_text=_("The member's unit when it was sent: its staff answer it."),
    )
    region = models.ForeignKey(
        "learning_orgs.Unit",
        verbose_name=_("region"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    category = models.ForeignKey(
        SuggestionCategory,
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.SUGGESTION)
    title = models.CharField(_("title"), max_length=200)
    text = models.TextField(_("text"))
    attachment = models.FileField(
        _("attachment"),
        upload_to="suggestions/%Y/%m/",
        storage=uploads.private_storage,
        blank=True,
    )
    show_name = models.BooleanField(
        _("show my name to other members"),
        default=True,
        help_text=_("Staff always see who sent it."),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.RECEIVED
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned to"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("sent at"), default=timezone.now, db_index=True)
    first_reply_at = models.DateTimeField(_("first reply at"), null=True, blank=True)
    adopted_at = models.DateTimeField(_("adopted at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)

    class Meta:
        verbose_name = _("suggestion")
        verbose_name_plural = _("suggestions")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["region", "number"], name="learning_suggestion_number"),
        ]
        indexes = [models.Index(fields=["status", "created_at"], name="learning_sug_status")]

    def __str__(self):
        return f"{self.number} {self.title}"

    @property
    def published(self):
        return self.published_at is not None

    def waited(self, now=None):
        """How long it waited (or has waited so far) for its first reply."""
        end = self.first_reply_at or now or timezone.now()
        return end - self.created_at

    @property
    def waited_hours(self):
        return round(self.waited().total_seconds() / 3600, 1)


class SuggestionMessage(models.Model):
    """A reply the member reads, or an internal note only staff read."""

    suggestion = models.ForeignKey(
        Suggestion, on_delete=models.CASCADE, related_name="messages", verbose_name=_("suggestion")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    text = models.TextField(_("text"))
    internal = models.BooleanField(
        _("internal note"), default=False, help_text=_("Staff only; the member never sees it.")
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("reply")
        verbose_name_plural = _("replies")
        ordering = ["created_at", "pk"]

    def __str__(self):
        return self.text[:50]


# -- Polls -------------------------------------------------------------------------------------


class Poll(models.Model):
    class Results(models.TextChoices):
        AFTER_VOTE = "after_vote", _("To members after they vote")
        AFTER_CLOSE = "after_close", _("To members after the poll closes")
        NEVER = "never", _("Never to members (staff only)")

    unit = models.ForeignKey(
        "learning_orgs.Unit",
        verbose_name=_("audience"),
        on_delete=models.CASCADE,
        related_name="polls",
        help_text=_("The members of this unit and every unit below it may answer."),
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    opens_at = models.DateTimeField(_("opens at"))
    closes_at = models.DateTimeField(_("closes at"))
    anonymous = models.BooleanField(
        _("anonymous"),
        default=True,
        help_text=_("Nothing links an answer to a member; only whether they have voted is kept."),
    )
    results = models.CharField(
        _("results visible"), max_length=20, choices=Results.choices, default=Results.AFTER_VOTE
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("poll")
        verbose_name_plural = _("polls")
        ordering = ["-opens_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_at__gt=models.F("opens_at")), name="learning_poll_dates"
            ),
        ]

    def __str__(self):
        return self.title

    def is_open(self, now=None):
        now = now or timezone.now()
        return self.opens_at <= now < self.closes_at

    def is_closed(self, now=None):
        return (now or timezone.now()) >= self.closes_at


class Question(models.Model):
    class Type(models.TextChoices):
        SINGLE = "single", _("Single choice")
        MULTIPLE = "multiple", _("Multiple choice")
        RATING = "rating", _("Rating (1–5)")
        TEXT = "text", _("Free text")

    CHOICE_TYPES = (Type.SINGLE, Type.MULTIPLE)

    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="questions")
    order = models.PositiveIntegerField(_("order"), default=0)
    text = models.CharField(pgettext_lazy("poll", "question"), max_length=500)
    type = models.CharField(_("type"), max_length=20, choices=Type.choices, default=Type.SINGLE)
    required = models.BooleanField(_("required"), default=True)
    max_choices = models.PositiveIntegerField(
        _("at most this many choices"),
        null=True,
        blank=True,
        help_text=_("Multiple choice only. Empty: any number."),
    )

    class Meta:
        verbose_name = pgettext_lazy("poll", "question")
        verbose_name_plural = pgettext_lazy("poll", "questions")
        ordering = ["order", "pk"]

    def __str__(self):
        return self.text


class Option(models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="options")
    order = models.PositiveIntegerField(_("order"), default=0)
    text = models.CharField(pgettext_lazy("poll", "option"), max_length=200)

    class Meta:
        ordering = ["order", "pk"]

    def __str__(self):
        return self.text


class Ballot(models.Model):
    """That a member has voted in a poll, and nothing about how: one per member and poll."""

    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="ballots")
    member = models.ForeignKey(
        "learning_members.Member", on_delete=models.CASCADE, related_name="+"
    )
    voted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["poll", "member"], name="learning_ballot_once"),
        ]

    def __str__(self):
        return f"{self.poll_id} · {self.member_id}"


class Response(models.Model):
    """One member's answers. Anonymous polls: no member, no time, a random id."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="responses")
    member = models.ForeignKey(
        "learning_members.Member",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text=_("Named polls only."),
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["poll", "member"],
                condition=Q(member__isnull=False),
                name="learning_response_once",
            ),
        ]

    def __str__(self):
        return str(self.pk)


class Answer(models.Model):
    """One answer: an option chosen (a row per option), a rating, or a text."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="answers")
    option = models.ForeignKey(
        Option, null=True, blank=True, on_delete=models.CASCADE, related_name="answers"
    )
    rating = models.PositiveSmallIntegerField(null=True, blank=True)
    text = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5),
                name="learning_answer_rating_range",
            ),
        ]

    def __str__(self):
        return str(self.pk)


# -- Discussion under modules ------------------------------------------------------------------


class DiscussionSwitch(models.Model):
    """A module's discussion turned off (no row: on)."""

    module = models.OneToOneField(
        "learning_courses.ModulePage", on_delete=models.CASCADE, related_name="+"
    )
    closed = models.BooleanField(_("discussion closed"), default=True)

    def __str__(self):
        return f"{self.module_id} · {self.closed}"


class Comment(models.Model):
    """A member's comment under a module, or a reply to one (one level: ``parent`` is a
    top-level comment). Plain text; hidden by a moderator with a reason its author sees."""

    module = models.ForeignKey(
        "learning_courses.ModulePage", on_delete=models.CASCADE, related_name="+"
    )
    member = models.ForeignKey(
        "learning_members.Member", on_delete=models.CASCADE, related_name="comments"
    )
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies"
    )
    text = models.TextField(_("text"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    edited_at = models.DateTimeField(_("edited at"), null=True, blank=True)
    hidden_at = models.DateTimeField(_("hidden at"), null=True, blank=True)
    hidden_reason = models.CharField(_("reason for hiding"), max_length=300, blank=True)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        ordering = ["created_at", "pk"]

    def __str__(self):
        return self.text[:50]


class CommentReport(models.Model):
    """A member's report of a comment: one per member and comment."""

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="reports")
    member = models.ForeignKey(
        "learning_members.Member", on_delete=models.CASCADE, related_name="+"
    )
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["comment", "member"], name="learning_report_once"),
        ]

    def __str__(self):
        return f"{self.comment_id} · {self.member_id}"
