"""Members' voice: the business rules of suggestions and polls.

Views, the API, the admin and the demo call these. What a caller can rely on:

- ``submit()`` gives every suggestion a tracking number unique in its region
  (``JY-2026-000042``), handed out under a lock on the region's counter row;
- ``reply()``, ``assign()``, ``set_status()`` are the staff's only doors; the
  member hears of a reply and of an adoption through the inbox, after commit;
- adopting awards points through ``rewards.services.award()`` with the
  suggestion as the source, so a suggestion earns once however often it is
  adopted again;
- ``respond()`` takes one response per member and poll: the ballot's unique
  constraint decides, so two requests at once give one response and one
  ``AlreadyVoted``.
"""

import statistics
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dj_learning.conf import settings
from dj_learning.notifications.services import Kind, kinds, notify, notify_many
from dj_learning.orgs import scope
from dj_learning.orgs import services as orgs
from dj_learning.rewards import services as rewards
from dj_learning.rewards.models import Action

from .models import (
    Answer,
    Ballot,
    Poll,
    Question,
    Response,
    Suggestion,
    SuggestionCategory,
    SuggestionMessage,
)

#: Staff who see and answer the suggestions of their subtree.
STAFF_ROLES = scope.STAFF_ROLES

REPLIED = "voice.suggestion_replied"
ADOPTED = "voice.suggestion_adopted"
POLL_OPENED = "voice.poll_opened"

#: The series of tracking numbers in the numbering service (``orgs.Counter.scope``).
NUMBER_SERIES = "suggestion"

TITLE_MAX = 200
TEXT_MAX = 5000


def register_kinds():
    kinds.register(REPLIED, Kind(gettext_lazy("A reply to my suggestion"), email=True))
    kinds.register(ADOPTED, Kind(gettext_lazy("My suggestion adopted"), email=True))
    kinds.register(POLL_OPENED, Kind(gettext_lazy("A new poll for me")))


class VoiceError(Exception):
    """A request refused, with a message for the member or the staff."""

    def __init__(self, message, code="invalid"):
        super().__init__(message)
        self.message = message
        self.code = code


class RateLimited(VoiceError):
    def __init__(self):
        super().__init__(_("You have sent a lot in the last hour. Wait a while and try again."),
                         "rate_limited")  # fmt: skip


def check_rate(queryset, per_hour, now=None):
    """Refuse when ``queryset`` (the member's rows with ``created_at``) holds ``per_hour``
    rows from the last hour. Counted in the database: every worker sees the same count."""
    if not per_hour:
        return
    now = now or timezone.now()
    if (
        queryset.filter(created_at__gt=now - timedelta(hours=1), created_at__lte=now).count()
        >= per_hour
    ):
        raise RateLimited()


def _clean_text(value, *, label, max_length, required=True):
    value = (value or "").strip()
    if required and not value:
        raise VoiceError(_("%(field)s cannot be empty.") % {"field": label}, "required")
    if len(value) > max_length:
        raise VoiceError(
            _("%(field)s is too long: at most %(max)s characters.")
            % {"field": label, "max": max_length},
            "too_long",
        )
    return value


# -- Suggestions -------------------------------------------------------------------------------


def region_of(unit):
    return unit.region or unit


def categories_for(member):
    """The categories the member's region (or a unit above it) offers, nearest first."""
    return SuggestionCategory.objects.filter(unit__path__in=member.unit.ancestor_paths()).order_by(
        "-unit__depth", "order", "pk"
    )


def _next_number(region, year):
    """The region's next tracking number for ``year``, from the shared numbering service."""
    number = orgs.next_number(region, NUMBER_SERIES, year)
    return f"{settings.SUGGESTION_NUMBER_PREFIX}-{year}-{number:06d}"


def submit(member, *, title, text, category=None, kind=Suggestion.Kind.SUGGESTION,
           show_name=True, attachment=None, now=None):  # fmt: skip
    """Record a member's suggestion or complaint with its tracking number; return it.

    ``category`` is one of ``categories_for(member)`` (an id or an object) or
    ``None`` for the region's first. ``attachment`` must come from
    ``uploads.check_upload``. Raises ``VoiceError`` for empty or long text, a
    category of another region, or too many suggestions in an hour.
    """
    now = now or timezone.now()
    title = _clean_text(title, label=_("The title"), max_length=TITLE_MAX)
    text = _clean_text(text, label=_("The text"), max_length=TEXT_MAX)
    offered = categories_for(member)
    if category in (None, ""):
        category = offered.first()
    else:
        category_id = getattr(category, "pk", category)
        category = offered.filter(pk=category_id).first()
        if category is None:
            raise VoiceError(_("Choose one of the categories offered."), "category")
    if kind not in Suggestion.Kind.values:
        raise VoiceError(_("Choose a suggestion or a complaint."), "kind")
    check_rate(member.suggestions.all(), settings.SUGGESTION_RATE_PER_HOUR, now)
    region = region_of(member.unit)
    with transaction.atomic():
        suggestion = Suggestion(
            member=member,
            unit=member.unit,
            region=region,
            category=category,
            kind=kind,
            title=title,
            text=text,
            show_name=bool(show_name),
            created_at=now,
            number=_next_number(region, timezone.localdate(now).year),
        )
        if attachment:
            suggestion.attachment.save(attachment.name, attachment, save=False)
        suggestion.save()
    return suggestion


def staff_queue(user):
    """The suggestions of the units ``user``'s staff roles cover, for the queue and the API."""
    return scope.filter_members(user, Suggestion.objects.all(), roles=STAFF_ROLES).select_related(
        "member", "unit", "category", "assigned_to__learning_member"
    )


def staff_may_handle(user, suggestion):
    return scope.can_see_unit(user, suggestion.unit, roles=STAFF_ROLES)


def for_member(user, pk):
    """The suggestion ``pk`` if ``user`` may read it as a member: their own, or one published
    in their region. ``None`` otherwise (callers answer 404)."""
    from dj_learning.members.services import member_for

    member = member_for(user)
    if member is None:
        return None
    region = region_of(member.unit)
    return (
        Suggestion.objects.filter(pk=pk)
        .filter(Q(member=member) | Q(published_at__isnull=False, region=region))
        .select_related("member", "category", "unit")
        .first()
    )


def mine(member):
    return member.suggestions.select_related("category").order_by("-created_at", "-pk")


def published_in_region(member):
    return (
        Suggestion.objects.filter(region=region_of(member.unit), published_at__isnull=False)
        .select_related("member", "category")
        .order_by("-published_at", "-pk")
    )


def replies(suggestion):
    """What the member reads: the replies, never internal notes."""
    return suggestion.messages.filter(internal=False).select_related("author__learning_member")


def shown_name(suggestion, viewer_member=None):
    """The sender's name as a member reading it sees it (staff always see it)."""
    if suggestion.show_name or (viewer_member and viewer_member.pk == suggestion.member_id):
        return suggestion.member.name
    return _("Anonymous member")


def _url(suggestion):
    return reverse("dj_learning:suggestion", args=[suggestion.pk])


def reply(suggestion, user, text, *, internal=False, now=None):
    """Add a reply (the member reads it and is notified) or an internal note; return it.

    The first reply moves a received or in-progress suggestion to "replied" and
    stops its waiting time.
    """
    now = now or timezone.now()
    text = _clean_text(text, label=_("The reply"), max_length=TEXT_MAX)
    caller = suggestion
    with transaction.atomic():
        suggestion = Suggestion.objects.select_for_update().get(pk=suggestion.pk)
        message = SuggestionMessage.objects.create(
            suggestion=suggestion, author=user, text=text, internal=internal, created_at=now
        )
        if not internal:
            fields = []
            if suggestion.first_reply_at is None:
                suggestion.first_reply_at = now
                fields.append("first_reply_at")
            if suggestion.status in Suggestion.OPEN:
                suggestion.status = Suggestion.Status.REPLIED
                fields.append("status")
            if fields:
                suggestion.save(update_fields=fields)
                for field in fields:
                    setattr(caller, field, getattr(suggestion, field))
            notify(
                suggestion.member.user,
                REPLIED,
                gettext_lazy("Your suggestion %(number)s has a reply"),
                params={"number": suggestion.number},
                body=text,
                url=_url(suggestion),
                key=f"voice-reply:{message.pk}",
            )
    return message


def assign(suggestion, assignee):
    """Give the suggestion to ``assignee`` (staff of its unit); a received one is now in
    progress. ``None`` unassigns."""
    if assignee is not None and not staff_may_handle(assignee, suggestion):
        raise VoiceError(_("This person is not staff of the suggestion's unit."), "assignee")
    suggestion.assigned_to = assignee
    fields = ["assigned_to"]
    if assignee is not None and suggestion.status == Suggestion.Status.RECEIVED:
        suggestion.status = Suggestion.Status.IN_PROGRESS
        fields.append("status")
    suggestion.save(update_fields=fields)
    return suggestion


def set_status(suggestion, status, *, by=None, now=None):
    """Move the suggestion to ``status``. Adopting awards the member the points of their
    rule for an adopted suggestion (once per suggestion) and tells them."""
    if status not in Suggestion.Status.values:
        raise VoiceError(_("Unknown status."), "status")
    now = now or timezone.now()
    with transaction.atomic():
        suggestion = (
            Suggestion.objects.select_for_update()
            .select_related("member__user")
            .get(pk=suggestion.pk)
        )
        suggestion.status = status
        fields = ["status"]
        if status == Suggestion.Status.ADOPTED and suggestion.adopted_at is None:
            suggestion.adopted_at = now
            fields.append("adopted_at")
        if status == Suggestion.Status.CLOSED:
            suggestion.closed_at = now
            fields.append("closed_at")
        suggestion.save(update_fields=fields)
        if status == Suggestion.Status.ADOPTED:
            member = suggestion.member
            # Points may lag the adoption; the source makes a second adoption earn nothing.
            transaction.on_commit(
                lambda: rewards.award(
                    member,
                    Action.SUGGESTION_ADOPTED,
                    source=suggestion,
                    title=suggestion.title,
                    by=by,
                )
            )
            notify(
                member.user,
                ADOPTED,
                gettext_lazy("Your suggestion %(number)s was adopted"),
                params={"number": suggestion.number},
                body=suggestion.title,
                url=_url(suggestion),
                key=f"voice-adopted:{suggestion.pk}",
            )
    return suggestion


def publish(suggestion, member, published=True, now=None):
    """The member shows (or hides again) their answered suggestion to their region."""
    if suggestion.member_id != member.pk:
        raise VoiceError(_("Only the sender can publish a suggestion."), "not_yours")
    suggestion.refresh_from_db(fields=["status"])  # staff may have answered since it was read
    if published and suggestion.status not in Suggestion.ANSWERED:
        raise VoiceError(_("A suggestion can be published once it has a reply."), "not_replied")
    suggestion.published_at = (now or timezone.now()) if published else None
    suggestion.save(update_fields=["published_at"])
    return suggestion


def monthly_summary(user, year, month):
    """Per unit of the staff's subtree, for suggestions sent in that month: received,
    replied, median hours to the first reply, adopted. One query."""
    start = timezone.make_aware(datetime(year, month, 1))
    end = timezone.make_aware(datetime(year + (month == 12), month % 12 + 1, 1))
    rows = (
        staff_queue(user)
        .filter(created_at__gte=start, created_at__lt=end)
        .values_list("unit_id", "unit__name", "unit__path", "created_at", "first_reply_at",
                     "adopted_at")
        .order_by("unit__path")
    )  # fmt: skip
    units = {}
    for unit_id, name, path, created, first_reply, adopted in rows:
        row = units.setdefault(
            unit_id,
            {"unit": name, "path": path, "received": 0, "replied": 0, "adopted": 0, "waits": []},
        )
        row["received"] += 1
        if first_reply is not None:
            row["replied"] += 1
            row["waits"].append((first_reply - created).total_seconds() / 3600)
        if adopted is not None:
            row["adopted"] += 1
    summary = []
    for row in units.values():
        waits = row.pop("waits")
        row["median_hours"] = round(statistics.median(waits), 1) if waits else None
        summary.append(row)
    return summary


# -- Polls -------------------------------------------------------------------------------------


class PollError(VoiceError):
    pass


class AlreadyVoted(PollError):
    def __init__(self):
        super().__init__(_("You have already answered this poll."), "already_voted")


def in_audience(member, poll):
    return member is not None and member.unit.path.startswith(poll.unit.path)


def polls_for(member, now=None):
    """The polls whose audience includes the member and that have opened, newest first."""
    now = now or timezone.now()
    return Poll.objects.filter(
        unit__path__in=member.unit.ancestor_paths(), opens_at__lte=now
    ).order_by("-opens_at", "-pk")


def open_polls_for(member, now=None):
    now = now or timezone.now()
    return polls_for(member, now).filter(closes_at__gt=now)


def has_voted(member, poll):
    return member is not None and Ballot.objects.filter(poll=poll, member=member).exists()


def voted_poll_ids(member, polls):
    return set(
        Ballot.objects.filter(member=member, poll__in=polls).values_list("poll_id", flat=True)
    )


def staff_polls(user):
    return scope.filter_members(user, Poll.objects.all(), roles=STAFF_ROLES)


def staff_may_see_poll(user, poll):
    return scope.can_see_unit(user, poll.unit, roles=STAFF_ROLES)


def may_see_results(user, member, poll, now=None):
    """Staff of the audience always; members as the poll's ``results`` allows."""
    if staff_may_see_poll(user, poll):
        return True
    if not in_audience(member, poll):
        return False
    if poll.results == Poll.Results.AFTER_VOTE:
        return poll.is_closed(now) or has_voted(member, poll)
    if poll.results == Poll.Results.AFTER_CLOSE:
        return poll.is_closed(now)
    return False


def questions_of(poll):
    return poll.questions.prefetch_related("options")


def respond(member, poll, answers, now=None):
    """Record ``member``'s answers to ``poll``; return the response.

    ``answers``: ``[{"question": id, "options": [ids]} | {"question": id, "rating": n} |
    {"question": id, "text": "..."}]``. Raises ``PollError`` with a message naming the
    question for a closed poll, a member outside the audience, a missing required answer,
    too many choices, a rating outside 1–5; ``AlreadyVoted`` for a second response.
    """
    now = now or timezone.now()
    if not in_audience(member, poll):
        raise PollError(_("This poll is not for your unit."), "audience")
    if not poll.is_open(now):
        raise PollError(
            _("This poll is closed.") if poll.is_closed(now) else _("This poll is not open yet."),
            "closed",
        )
    questions = list(questions_of(poll))
    by_id = {q.pk: q for q in questions}
    given = {}
    for answer in answers:
        try:
            question = by_id[int(answer.get("question"))]
        except (KeyError, TypeError, ValueError):
            raise PollError(
                _("An answer is for a question not in this poll."), "question"
            ) from None
        given[question.pk] = answer
    rows = []
    for number, question in enumerate(questions, 1):
        rows.extend(_answer_rows(number, question, given.get(question.pk)))
    try:
        with transaction.atomic():
            Ballot.objects.create(poll=poll, member=member, voted_at=now)
            response = Response.objects.create(poll=poll, member=None if poll.anonymous else member)
            for row in rows:
                row.response = response
            Answer.objects.bulk_create(rows)
    except IntegrityError:
        raise AlreadyVoted() from None
    return response


def _answer_rows(number, question, answer):
    label = _("Question %(n)s") % {"n": number}
    answer = answer or {}
    if question.type in Question.CHOICE_TYPES:
        raw = answer.get("options") or []
        if not isinstance(raw, list | tuple):
            raw = [raw]
        try:
            chosen = list(dict.fromkeys(int(o) for o in raw))
        except (TypeError, ValueError):
            raise PollError(
                _("%(q)s: choose among its options.") % {"q": label}, "option"
            ) from None
        options = {o.pk: o for o in question.options.all()}
        if any(o not in options for o in chosen):
            raise PollError(_("%(q)s: choose among its options.") % {"q": label}, "option")
        if not chosen:
            if question.required:
                raise PollError(_("%(q)s needs an answer.") % {"q": label}, "required")
            return []
        if question.type == Question.Type.SINGLE and len(chosen) > 1:
            raise PollError(_("%(q)s: choose one option only.") % {"q": label}, "too_many")
        if question.max_choices and len(chosen) > question.max_choices:
            raise PollError(
                _("%(q)s: choose at most %(max)s options.")
                % {"q": label, "max": question.max_choices},
                "too_many",
            )
        return [Answer(question=question, option_id=o) for o in chosen]
    if question.type == Question.Type.RATING:
        rating = answer.get("rating")
        if rating in (None, ""):
            if question.required:
                raise PollError(_("%(q)s needs an answer.") % {"q": label}, "required")
            return []
        try:
            rating = int(rating)
        except (TypeError, ValueError):
            rating = 0
        if not 1 <= rating <= 5:
            raise PollError(_("%(q)s: give a rating from 1 to 5.") % {"q": label}, "rating")
        return [Answer(question=question, rating=rating)]
    text = (answer.get("text") or "").strip()
    if not text:
        if question.required:
            raise PollError(_("%(q)s needs an answer.") % {"q": label}, "required")
        return []
    if len(text) > TEXT_MAX:
        raise PollError(
            _("%(q)s: at most %(max)s characters.") % {"q": label, "max": TEXT_MAX}, "too_long"
        )
    return [Answer(question=question, text=text)]


#: Free-text answers listed per question on the results page (the export has them all).
TEXTS_SHOWN = 200


def results(poll, texts_shown=TEXTS_SHOWN):
    """Counts and percentages per option, ratings 1–5 with their average, and free texts.

    A fixed number of queries whatever the number of responses: the questions, their
    options, the option counts, the rating counts, the respondents per question, the
    voters and the texts shown.
    """
    questions = list(questions_of(poll))
    answers = Answer.objects.filter(question__poll=poll)
    option_counts = dict(
        answers.filter(option__isnull=False)
        .values_list("option_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    rating_counts = {}
    for question_id, rating, n in (
        answers.filter(rating__isnull=False)
        .values_list("question_id", "rating")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        rating_counts[(question_id, rating)] = n
    respondents = dict(
        answers.values_list("question_id")
        .annotate(n=Count("response_id", distinct=True))
        .order_by()
    )
    text_questions = [q.pk for q in questions if q.type == Question.Type.TEXT]
    texts = {}
    if text_questions:
        # Ordered by the answers' random ids: the list says nothing of who answered when.
        for question_id, text in (
            answers.filter(question_id__in=text_questions).exclude(text="")
            .order_by("question_id", "pk").values_list("question_id", "text")
        ):  # fmt: skip
            shown = texts.setdefault(question_id, [])
            if len(shown) < texts_shown:
                shown.append(text)
    out = []
    for question in questions:
        total = respondents.get(question.pk, 0)
        if question.type in Question.CHOICE_TYPES:
            rows = [(o.text, option_counts.get(o.pk, 0)) for o in question.options.all()]
        elif question.type == Question.Type.RATING:
            rows = [(str(r), rating_counts.get((question.pk, r), 0)) for r in range(1, 6)]
        else:
            rows = []
        bars = [
            {"label": label, "count": n, "percent": round(100 * n / total, 1) if total else 0.0}
            for label, n in rows
        ]
        average = None
        if question.type == Question.Type.RATING and total:
            average = round(sum(int(b["label"]) * b["count"] for b in bars) / total, 2)
        out.append(
            {
                "question": question,
                "respondents": total,
                "bars": bars,
                "average": average,
                "texts": texts.get(question.pk, []),
            }
        )
    return {"poll": poll, "voters": poll.ballots.count(), "questions": out}


def notify_poll_opened(poll):
    """Tell the audience's members the poll is open; running it again tells nobody twice."""
    from dj_learning.members.models import Member

    user_ids = Member.objects.filter(unit__path__startswith=poll.unit.path).values_list(
        "user_id", flat=True
    )
    notify_many(
        user_ids,
        POLL_OPENED,
        gettext_lazy("New poll: %(title)s"),
        params={"title": poll.title},
        url=reverse("dj_learning:poll", args=[poll.pk]),
        key=f"voice-poll:{poll.pk}",
    )


def schedule_poll_notice(poll):
    """Notify the audience when the poll opens: now if it is open, else at ``opens_at``."""
    from django_q.models import Schedule
    from django_q.tasks import async_task

    name = f"learning-poll-opened-{poll.pk}"
    if poll.opens_at <= timezone.now():
        Schedule.objects.filter(name=name).delete()
        transaction.on_commit(lambda: async_task("dj_learning.voice.tasks.poll_opened", poll.pk))
    else:
        Schedule.objects.update_or_create(
            name=name,
            defaults={
                "func": "dj_learning.voice.tasks.poll_opened",
                "args": str(poll.pk),
                "schedule_type": Schedule.ONCE,
                "next_run": poll.opens_at,
                "repeats": 1,
            },
        )
