"""The credit ledger, offline training and the yearly transcript.

``transcript()`` is the one computation of a member's year: the page, the
PDF, the API, the command and the exports all call it.
"""

import logging
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from dj_learning.conf import settings
from dj_learning.courses import services as courses
from dj_learning.courses.models import Kind
from dj_learning.registry import Registry
from dj_learning.review import services as review

from . import signals
from .models import CreditEntry, OfflineTraining, TranscriptDocument

logger = logging.getLogger(__name__)

ZERO = Decimal("0")


# -- Writing the ledger ------------------------------------------------------------------


def record_completion(completion):
    """Write the credits of a module completion; idempotent on the completion.

    Registered in ``courses.completion.on_complete``, so it runs inside the
    transaction that records the completion: both exist or neither does.
    """
    try:
        with transaction.atomic():
            entry, _created = CreditEntry.objects.get_or_create(
                completion=completion,
                defaults={
                    "member_id": completion.member_id,
                    "year": completion.year,
                    "kind": completion.kind,
                    "amount": completion.credits,
                    "source": CreditEntry.Source.MODULE,
                    "title": completion.module_title,
                    "earned_on": timezone.localdate(completion.completed_at),
                },
            )
    except IntegrityError:  # written a moment ago by a concurrent call
        entry = CreditEntry.objects.get(completion=completion)
    return entry


def backfill_completions():
    """Write the credits of any completion the ledger missed.

    Completions get their credits in their own transaction now; this repairs
    completions recorded before that (when the ledger heard ``module_completed``
    after commit and a failure could lose an entry) or written around
    ``try_complete``.

    Idempotent; returns how many entries it wrote.
    """
    from dj_learning.courses.models import ModuleCompletion

    missing = ModuleCompletion.objects.filter(credit_entry__isnull=True)
    written = 0
    for completion in missing.iterator():
        record_completion(completion)
        written += 1
    return written


def _announce(entry):
    """Send ``credits_recorded`` for ``entry`` once its transaction commits."""

    def send():
        # A failing listener must not fail the approval that wrote the credits.
        for receiver, error in signals.credits_recorded.send_robust(
            sender=CreditEntry, entry=entry
        ):
            if isinstance(error, Exception):
                logger.error(
                    "credits_recorded listener %r failed for entry %s",
                    receiver,
                    entry.pk,
                    exc_info=error,
                )

    transaction.on_commit(send)


def record_training(training):
    """Write the credits of an approved offline training; called by the review flow."""
    entry, created = CreditEntry.objects.get_or_create(
        training=training,
        defaults={
            "member_id": training.member_id,
            "year": courses.study_year(training.date),
            "kind": training.kind,
            "amount": training.hours,
            "source": CreditEntry.Source.OFFLINE,
            "title": training.title,
            "earned_on": training.date,
        },
    )
    if created:
        _announce(entry)
    return entry


def propose_training(clerk, member, *, title, date, hours, kind, attachment=None, reason=""):
    """A clerk records offline training; it counts once the member's branch approves it."""
    from dj_learning.members.records import may_edit

    if not may_edit(clerk, member):
        raise review.ReviewError(_("This member is outside your units."))
    if hours <= 0:
        raise review.ReviewError(_("Give the hours of the training."))
    training = OfflineTraining(
        member=member,
        unit=member.unit,
        title=title,
        date=date,
        hours=hours,
        kind=kind,
        reason=reason,
    )
    if attachment is not None:
        training.attachment = attachment
    return review.submit(training, clerk, reason)


def adjust(member, *, year, kind, amount, reason, by, earned_on=None):
    """A correction: a new entry with a reason, never an edit of an old one."""
    if not reason.strip():
        raise ValueError(_("An adjustment needs a reason."))
    entry = CreditEntry.objects.create(
        member=member,
        year=year,
        kind=kind,
        amount=amount,
        source=CreditEntry.Source.ADJUSTMENT,
        title=pgettext("credits", "Adjustment"),
        reason=reason,
        created_by=by,
        earned_on=earned_on or timezone.localdate(),
    )
    _announce(entry)
    return entry


# -- Reading it: the transcript ------------------------------------------------------------


#: Extra sections other apps add to the transcript (quiz results, points), by name,
#: from their ``ready()``: each a callable ``(member, year) -> TranscriptSection | None``.
sections = Registry("transcript sections")

#: Who prints the transcript's letterhead: callables ``(member) -> dict`` giving any of
#: ``name`` (the region's name), ``logo`` and ``seal`` (images as ``data:`` URIs); the
#: themes app registers the region theme's. Later entries fill what earlier ones left.
letterheads = Registry("transcript letterheads")


def letterhead(member):
    """The transcript's letterhead for ``member``: ``{"name", "logo", "seal"}``."""
    found = {"name": "", "logo": "", "seal": ""}
    for provide in letterheads.values():
        for key, value in (provide(member) or {}).items():
            if value and not found.get(key):
                found[key] = value
    return found


@dataclass
class TranscriptSection:
    title: str
    columns: list
    rows: list


@dataclass
class Transcript:
    member: object
    year: int
    plan: object = None
    required_credits: Decimal = ZERO
    min_elective_credits: Decimal = ZERO
    required_earned: Decimal = ZERO
    elective_earned: Decimal = ZERO
    entries: list = field(default_factory=list)
    extra: list = field(default_factory=list)
    #: The live modules of the plan not completed yet; counted only when
    #: ``PLAN_MET_REQUIRES_MODULES`` asks for them (0 otherwise).
    required_modules_left: int = 0

    @property
    def total(self):
        return self.required_earned + self.elective_earned

    @property
    def has_plan(self):
        return self.plan is not None

    @property
    def met(self):
        """The plan rule (``courses.services.plan_met``), the same as My study's."""
        return courses.plan_met(
            self.plan,
            self.required_earned,
            self.elective_earned,
            required_modules_left=self.required_modules_left,
        )

    @property
    def status_label(self):
        if not self.has_plan:
            return _("No study plan this year")
        return _("Plan met") if self.met else _("Not yet")

    def by_source(self, source):
        return [e for e in self.entries if e.source == source]

    @property
    def modules(self):
        return self.by_source(CreditEntry.Source.MODULE)

    @property
    def trainings(self):
        return self.by_source(CreditEntry.Source.OFFLINE)

    @property
    def adjustments(self):
        return self.by_source(CreditEntry.Source.ADJUSTMENT)

    def totals(self):
        return {
            "required": str(self.required_earned),
            "elective": str(self.elective_earned),
            "total": str(self.total),
            "required_credits": str(self.required_credits),
            "min_elective_credits": str(self.min_elective_credits),
            "has_plan": self.has_plan,
            "met": self.met,
        }


def transcript(member, year=None):
    """A member's year: credits against the plan, every entry, and the other apps' sections.

    ``met`` is the plan rule (``courses.services.plan_met``). A fixed number of
    queries, whatever the number of entries (one more with
    ``PLAN_MET_REQUIRES_MODULES``).
    """
    year = year or courses.study_year()
    result = Transcript(member=member, year=year, plan=courses.plan_for(member, year))
    if result.plan is not None:
        result.required_credits = result.plan.required_credits
        result.min_elective_credits = result.plan.min_elective_credits
        if settings.PLAN_MET_REQUIRES_MODULES:
            result.required_modules_left = courses.required_modules_left(member, result.plan)
    result.entries = list(
        CreditEntry.objects.filter(member=member, year=year).order_by("earned_on", "pk")
    )
    for entry in result.entries:
        if entry.kind == Kind.REQUIRED:
            result.required_earned += entry.amount
        else:
            result.elective_earned += entry.amount
    for section in sections:
        part = section(member, year)
        if part is not None:
            result.extra.append(part)
    return result


def year_totals(member, year):
    """``{kind: credits}`` from the ledger, by aggregation."""
    rows = (
        CreditEntry.objects.filter(member=member, year=year)
        .values("kind")
        .annotate(total=Sum("amount"))
    )
    return {row["kind"]: row["total"] for row in rows}


def earned_credits(member, year):
    """``(required, elective)`` from the ledger, in one query: the credits My study
    shows (registered in ``courses.services.credit_sources`` by this app's ``ready()``)."""
    totals = year_totals(member, year)
    required = totals.pop(Kind.REQUIRED, ZERO)
    return required, sum(totals.values(), ZERO)  # as the transcript counts them


# -- Issued documents and verification ------------------------------------------------------


def current_or_issue(transcript_):
    """The member's valid transcript for the year if it still shows the same totals,
    else a newly issued one. Downloading again therefore issues nothing new."""
    current = (
        TranscriptDocument.objects.filter(
            member=transcript_.member, year=transcript_.year, status=TranscriptDocument.Status.VALID
        )
        .order_by("-issued_at")
        .first()
    )
    if current is not None and current.totals == transcript_.totals():
        return current
    return issue(transcript_)


def issue(transcript_, batch=None):
    """Record an issued transcript and return it; the member's earlier one for the year
    is marked superseded."""
    with transaction.atomic():
        TranscriptDocument.objects.filter(
            member=transcript_.member, year=transcript_.year, status=TranscriptDocument.Status.VALID
        ).update(status=TranscriptDocument.Status.SUPERSEDED)
        return TranscriptDocument.objects.create(
            member=transcript_.member,
            year=transcript_.year,
            totals=transcript_.totals(),
            batch=batch,
        )


def revoke(document):
    TranscriptDocument.objects.filter(pk=document.pk).update(
        status=TranscriptDocument.Status.REVOKED
    )


def find_document(code):
    return TranscriptDocument.objects.select_related("member").filter(code=code).first()


#: Other documents ``/verify/<code>/`` vouches for, filled by the apps above credits (the
#: certificates app adds its certificates). Each entry is ``lookup(code)`` returning
#: ``(template_name, context)`` for a code it issued, else ``None``; transcripts are
#: looked up when no entry knows the code. The page's rate limit covers them all.
verifications = Registry("verification lookups")
