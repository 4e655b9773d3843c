"""Activities and participation: the business rules. Views, the API, the admin and the demo
call these.

- The check-in code is derived, never stored: an HMAC (with ``SECRET_KEY``) of the
  activity and the number of the time interval (``CHECKIN_ROTATE_SECONDS`` long),
  shown as six digits. A code is accepted in its own interval and the next one,
  so any process answers the same without shared state.
- One sign-up, one attendance and one daily sign-in per member are unique
  constraints; capacity is counted under the activity row's lock (PostgreSQL) or
  an IMMEDIATE transaction (SQLite), so it is exact under concurrent sign-ups.
- Points go through ``rewards.services.award()`` with the attendance, the
  volunteering or the sign-in as source: awarding again gives nothing.
- Credits go through the credit ledger's offline training and the review flow.
"""

import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.conf import settings as django_settings
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, Sum
from django.template.defaultfilters import floatformat
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from dj_learning.conf import settings
from dj_learning.courses.services import study_year, year_bounds
from dj_learning.credits.models import OfflineTraining
from dj_learning.credits.services import TranscriptSection, record_training
from dj_learning.notifications import notices
from dj_learning.orgs import scope
from dj_learning.orgs.models import StaffRole
from dj_learning.review import services as review
from dj_learning.review.models import ReviewStep
from dj_learning.rewards import services as rewards
from dj_learning.rewards.models import Action

from . import signals
from .models import Activity, Attendance, DailySignIn, SignUp, Volunteering

#: Staff roles that organize activities and see their codes, screens and attendance.
STAFF_ROLES = scope.STAFF_ROLES


class ActivityError(Exception):
    """A refused action, with a message for the member or the organizer. ``status`` is the
    API's answer (400 bad input, 403 not for you, 409 done already)."""

    status = 400


class NotForYou(ActivityError):
    status = 403


class AlreadyDone(ActivityError):
    status = 409


class NotFound(ActivityError):
    status = 404


class WrongCode(ActivityError):
    """A check-in code that is not the screen's current or previous one: bad input (400)."""

    status = 400


# -- Who sees what -----------------------------------------------------------------------


def for_member(member):
    """The activities of the member's units: organized by their unit or a unit above it."""
    return Activity.objects.filter(unit__path__in=member.unit.ancestor_paths())


def upcoming_for(member, now=None):
    """The member's activities not yet over, soonest first."""
    now = now or timezone.now()
    return for_member(member).filter(ends_at__gt=now).select_related("unit").order_by("starts_at")


def in_audience(member, activity):
    return member.unit.path.startswith(activity.unit.path)


def managed_by(user):
    """The activities whose unit lies in the user's staff subtree."""
    return scope.filter_members(user, Activity.objects.all(), roles=STAFF_ROLES)


def may_manage(user, activity):
    return scope.can_see_unit(user, activity.unit, roles=STAFF_ROLES)


# -- Sign-up -----------------------------------------------------------------------------


def signup_deadline(activity):
    return activity.signup_deadline or activity.starts_at


def signup(member, activity_id, now=None):
    """Sign ``member`` up; raises ``ActivityError``. Capacity is exact under concurrency."""
    now = now or timezone.now()
    with transaction.atomic():
        activity = (
            Activity.objects.select_for_update().select_related("unit").filter(pk=activity_id)
        ).first()
        if activity is None or not in_audience(member, activity):
            raise NotForYou(_("This activity is not for your units."))
        if not activity.signup:
            raise ActivityError(_("This activity needs no sign-up: just come."))
        if now >= signup_deadline(activity):
            raise ActivityError(_("Sign-up for this activity has closed."))
        if SignUp.objects.filter(activity=activity, member=member).exists():
            raise AlreadyDone(_("You have signed up already."))
        if activity.capacity is not None:
            taken = SignUp.objects.filter(activity=activity).count()
            if taken >= activity.capacity:
                raise ActivityError(_("Sorry, this activity is full."))
        try:
            with transaction.atomic():
                return SignUp.objects.create(activity=activity, member=member)
        except IntegrityError:
            raise AlreadyDone(_("You have signed up already.")) from None


def cancel_signup(member, activity, now=None):
    now = now or timezone.now()
    if now >= signup_deadline(activity):
        raise ActivityError(
            _("Sign-up for this activity has closed; it can no longer be cancelled.")
        )
    deleted, _rows = SignUp.objects.filter(activity=activity, member=member).delete()
    if not deleted:
        raise ActivityError(_("You have not signed up for this activity."))


def signed_up(member, activity):
    return SignUp.objects.filter(activity=activity, member=member).exists()


# -- The rotating code -------------------------------------------------------------------


def checkin_window(activity):
    """``(opens, closes)``: check-in is possible from a while before the start to a while after
    the end (``CHECKIN_OPENS_MINUTES_BEFORE``, ``CHECKIN_CLOSES_MINUTES_AFTER``)."""
    return (
        activity.starts_at - timedelta(minutes=settings.CHECKIN_OPENS_MINUTES_BEFORE),
        activity.ends_at + timedelta(minutes=settings.CHECKIN_CLOSES_MINUTES_AFTER),
    )


def window_open(activity, now=None):
    now = now or timezone.now()
    opens, closes = checkin_window(activity)
    return opens <= now < closes


def _interval(now):
    return int(now.timestamp()) // int(settings.CHECKIN_ROTATE_SECONDS)


def _code(activity_id, interval):
    message = f"dj-learning.checkin:{activity_id}:{interval}".encode()
    digest = hmac.new(django_settings.SECRET_KEY.encode(), message, hashlib.sha256).digest()
    return f"{int.from_bytes(digest[:8], 'big') % 1_000_000:06d}"


@dataclass(frozen=True)
class Code:
    code: str
    expires_at: (
        object  # when the screen shows the next one (the code is accepted one more interval)
    )


def current_code(activity, now=None):
    """The code the screen shows now and when it changes."""
    now = now or timezone.now()
    interval = _interval(now)
    seconds = int(settings.CHECKIN_ROTATE_SECONDS)
    expires = datetime.fromtimestamp((interval + 1) * seconds, tz=UTC)
    return Code(code=_code(activity.pk, interval), expires_at=expires)


def code_accepted(activity, code, now=None):
    """Is ``code`` the code of this activity's current interval or of the one before?"""
    code = (code or "").strip()
    if len(code) != 6 or not code.isdigit():
        return False
    interval = _interval(now or timezone.now())
    return any(hmac.compare_digest(code, _code(activity.pk, n)) for n in (interval, interval - 1))


# -- Check-in and attendance -------------------------------------------------------------


def _attend(activity, member, **fields):
    try:
        with transaction.atomic():
            attendance = Attendance.objects.create(activity=activity, member=member, **fields)
    except IntegrityError:
        raise AlreadyDone(_("You have checked in already.")) from None
    transaction.on_commit(
        lambda: signals.checked_in.send(
            sender=Attendance, attendance=attendance, member=member, activity=activity
        )
    )
    return attendance


def _award(attendance, now=None):
    activity = attendance.activity
    if not activity.points:
        return None
    return rewards.award(
        attendance.member,
        activity.points,
        source=attendance,
        item=activity,
        title=activity.title,
        now=now,
    )


def check_in(member, activity, code, now=None):
    """Check ``member`` in with the code on the screen. Returns ``(attendance, points entry)``.

    Refused (``ActivityError``) for a member outside the audience, outside the
    window, with a code that is wrong, old or another activity's; ``AlreadyDone``
    the second time.
    """
    now = now or timezone.now()
    if not in_audience(member, activity):
        raise NotForYou(_("This activity is not for your units."))
    opens, closes = checkin_window(activity)
    if now < opens:
        raise ActivityError(
            _("Check-in opens at %(time)s.") % {"time": f"{timezone.localtime(opens):%m-%d %H:%M}"}
        )
    if now >= closes:
        raise ActivityError(_("Check-in for this activity has closed."))
    if Attendance.objects.filter(activity=activity, member=member).exists():
        raise AlreadyDone(_("You have checked in already."))
    if not code_accepted(activity, code, now):
        raise WrongCode(_("This code is wrong or has expired: type the code the screen shows now."))
    # One transaction for the attendance and its points: one commit per check-in.
    with transaction.atomic():
        attendance = _attend(activity, member, how=Attendance.How.CODE)
        return attendance, _award(attendance, now)


def mark_by_hand(user, activity, member, reason, now=None):
    """The organizer records a member who came without a phone, with a reason."""
    if not may_manage(user, activity):
        raise NotForYou(_("This activity is outside your units."))
    if not in_audience(member, activity):
        raise NotForYou(_("%(name)s is not in this activity's audience.") % {"name": member.name})
    if not reason.strip():
        raise ActivityError(_("Say why the attendance is marked by hand."))
    try:
        attendance = _attend(
            activity, member, how=Attendance.How.MANUAL, reason=reason.strip(), marked_by=user
        )
    except AlreadyDone:
        raise AlreadyDone(
            _("%(name)s is marked present already.") % {"name": member.name}
        ) from None
    return attendance, _award(attendance, now)


def checked_in_count(activity_id):
    return Attendance.objects.filter(activity_id=activity_id).count()


@dataclass
class AttendanceRow:
    member: object
    status: str  # "code", "manual" or "absent"
    attendance: object = None
    signed_up: bool = False

    @property
    def status_label(self):
        if self.status == "absent":
            return _("Signed up, absent")
        return Attendance.How(self.status).label


def attendance_rows(activity):
    """Who came (by code, by hand) and who signed up but did not: two queries."""
    attendances = {
        a.member_id: a
        for a in Attendance.objects.filter(activity=activity)
        .select_related("member__unit", "marked_by", "training")
        .order_by("at")
    }
    signups = {
        s.member_id: s
        for s in SignUp.objects.filter(activity=activity).select_related("member__unit")
    }
    rows = [AttendanceRow(a.member, a.how, a, a.member_id in signups) for a in attendances.values()]
    rows += [
        AttendanceRow(s.member, "absent", None, True)
        for member_id, s in signups.items()
        if member_id not in attendances
    ]
    return rows


@dataclass
class Credited:
    credited: int = 0
    pending: int = 0
    points: int = 0


def _may_approve_training(user, member):
    """May ``user`` decide the offline training of ``member`` (a reviewer of their branch)?"""
    if scope.sees_everything(user):
        return True
    training = OfflineTraining(member=member, unit=member.unit, levels="branch", level=1)
    unit = review.level_unit(training, 1)
    return unit is not None and unit.path in scope.role_unit_paths(user, [StaffRole.Role.REVIEWER])


def credit_attendance(user, activity, now=None):
    """Give every attendee their points and the activity's credits, as offline training.

    When ``user`` may approve offline training for the member, the training is
    recorded approved at once (the organizer's decision is the review);
    otherwise it goes through the review flow. Idempotent: an attendance that
    has its training gets no second one, and points are keyed on the attendance.
    """
    if not may_manage(user, activity):
        raise NotForYou(_("This activity is outside your units."))
    now = now or timezone.now()
    result = Credited()
    with transaction.atomic():
        # One run at a time per activity: a second click waits, then finds the trainings.
        Activity.objects.select_for_update().filter(pk=activity.pk).first()
        attendances = list(
            Attendance.objects.filter(activity=activity).select_related(
                "member__unit", "member__user", "training"
            )
        )
        for attendance in attendances:
            if activity.credit_hours > 0 and attendance.training_id is None:
                training = _training(user, activity, attendance, now)
                attendance.training = training
                attendance.save(update_fields=["training"])
                if training.status == OfflineTraining.Status.APPLIED:
                    result.credited += 1
                    tell_credited(attendance, activity)
                else:
                    result.pending += 1
            if _award(attendance, now) is not None:
                result.points += 1
    return result


ATTENDANCE_CREDITED = "activities.attendance_credited"
ACTIVITY_TOMORROW = "activities.reminder"


def register_kinds():
    notices.register_kind(ATTENDANCE_CREDITED, gettext_lazy("Credits for an activity I attended"))
    notices.register_kind(
        ACTIVITY_TOMORROW, gettext_lazy("A reminder of an activity I signed up for"), email=True
    )


def remind_tomorrow(now=None):
    """Remind the members signed up for an activity that starts tomorrow (the site's
    local day). Safe to run again: once per activity and member. Returns how many."""
    now = now or timezone.now()
    start = timezone.make_aware(
        datetime.combine(timezone.localdate(now) + timedelta(days=1), datetime.min.time())
    )
    signups = SignUp.objects.filter(
        activity__starts_at__gte=start,
        activity__starts_at__lt=start + timedelta(days=1),
        member__user__isnull=False,
    ).select_related("activity", "member__user")
    for signup in signups:
        activity, user = signup.activity, signup.member.user
        with notices.in_language(user):
            notices.notify(
                user,
                ACTIVITY_TOMORROW,
                _("Tomorrow: “%(title)s”") % {"title": activity.title},
                body=_("It starts at %(time)s, at %(place)s.")
                % {
                    "time": f"{timezone.localtime(activity.starts_at):%H:%M}",
                    "place": activity.place,
                },
                url=reverse("dj_learning:activity", args=[activity.pk]),
                key=f"activity-tomorrow:{activity.pk}",
            )
    return len(signups)


def tell_credited(attendance, activity):
    """Tell the member their attendance counts as training: once per attendance."""
    user = attendance.member.user
    if user is None:
        return
    with notices.in_language(user):
        notices.notify(
            user,
            ATTENDANCE_CREDITED,
            _("Your attendance at “%(title)s” is credited") % {"title": activity.title},
            body=_("%(hours)s credit hours are on your record.")
            % {"hours": floatformat(activity.credit_hours, -2)},
            url=reverse("dj_learning:activity", args=[activity.pk]),
            key=f"attendance-credited:{attendance.pk}",
        )


def on_training_decided(sender, review_request, applied, **kwargs):
    """``review.signals.request_decided`` for offline training: an attendance whose
    training a reviewer approved later is credited now, and its member hears of it."""
    if not applied:
        return
    attendance = (
        Attendance.objects.filter(training=review_request)
        .select_related("activity", "member__user")
        .first()
    )
    if attendance is not None:
        tell_credited(attendance, attendance.activity)


def _training(user, activity, attendance, now):
    member = attendance.member
    training = OfflineTraining(
        member=member,
        unit=member.unit,
        title=activity.title,
        date=timezone.localdate(activity.starts_at),
        hours=activity.credit_hours,
        kind=activity.credit_kind,
        reason=_("Attendance at the activity “%(title)s”") % {"title": activity.title},
    )
    if not _may_approve_training(user, member):
        return review.submit(training, user, training.reason)
    training.levels = "branch"
    training.level = 1
    training.status = OfflineTraining.Status.APPLIED
    training.requested_by = user
    training.decided_at = now
    training.save()
    content_type = ContentType.objects.get_for_model(OfflineTraining)
    for decision in (ReviewStep.Decision.SUBMIT, ReviewStep.Decision.APPROVE):
        ReviewStep.objects.create(
            content_type=content_type,
            object_id=training.pk,
            level=1,
            decision=decision,
            actor=user,
            comment=training.reason,
        )
    record_training(training)
    return training


# -- Volunteer service -------------------------------------------------------------------

MAX_VOLUNTEER_HOURS_A_DAY = Decimal(24)


def log_volunteering(member, *, date, hours, description, proof=None, now=None):
    """A member logs volunteer hours; they count once the branch approves them."""
    today = timezone.localdate(now or timezone.now())
    hours = None if hours is None else Decimal(str(hours))
    if not description.strip():
        raise ActivityError(_("Say what the service was."))
    if hours is None or hours <= 0:
        raise ActivityError(_("Give the hours of the service (more than 0)."))
    if hours > MAX_VOLUNTEER_HOURS_A_DAY:
        raise ActivityError(_("One entry can have at most 24 hours."))
    if hours != hours.quantize(Decimal("0.01")):
        raise ActivityError(_("Give the hours with at most two decimals (2.25, not 2.255)."))
    if date > today:
        raise ActivityError(_("The date of the service cannot be in the future."))
    volunteering = Volunteering(
        member=member, unit=member.unit, date=date, hours=hours, description=description.strip()
    )
    if proof is not None:
        volunteering.proof = proof
    try:
        return review.submit(volunteering, member.user)
    except review.ReviewError as error:
        raise ActivityError(str(error)) from None


def attach_volunteering_proof(member, volunteering_id, proof):
    """Attach (or replace) the photo or proof of ``member``'s own volunteer entry, while it
    waits for review: the branch judges the entry with the proof it will see.

    ``proof`` has been through ``uploads.check_upload``. The file replaced is deleted once
    the change is committed.
    """
    with transaction.atomic():
        entry = (
            Volunteering.objects.select_for_update()
            .filter(pk=volunteering_id, member=member)
            .first()
        )
        if entry is None:
            raise NotFound(_("Not found, or not yours to see."))
        if entry.status != Volunteering.Status.PENDING:
            raise AlreadyDone(_("This entry has been reviewed: its proof can no longer change."))
        replaced = entry.proof.name
        entry.proof = proof
        entry.save(update_fields=["proof"])
        if replaced:
            storage = entry.proof.storage
            transaction.on_commit(lambda: storage.delete(replaced))
    return entry


def volunteering_applied(volunteering):
    """Called by the review flow on approval: the points per hour."""
    rewards.award(
        volunteering.member,
        Action.VOLUNTEER_HOUR,
        source=volunteering,
        title=volunteering.description,
        quantity=volunteering.hours,
    )


def volunteering_of(member):
    return Volunteering.objects.filter(member=member).order_by("-date", "-pk")


def volunteer_hours(member, year=None):
    """Approved volunteer hours in the study year (the current one by default)."""
    year = year or study_year()
    start, end = year_bounds(year)
    total = Volunteering.objects.filter(
        member=member,
        status=Volunteering.Status.APPLIED,
        date__gte=timezone.localdate(start),
        date__lt=timezone.localdate(end),
    ).aggregate(total=Sum("hours"))["total"]
    return total or Decimal(0)


def transcript_section(member, year):
    """Volunteer hours approved in the study year: a section of the transcript."""
    start, end = year_bounds(year)
    rows = list(
        Volunteering.objects.filter(
            member=member,
            status=Volunteering.Status.APPLIED,
            date__gte=timezone.localdate(start),
            date__lt=timezone.localdate(end),
        ).values_list("date", "description", "hours")
    )
    if not rows:
        return None
    body = [[f"{d:%Y-%m-%d}", what, str(hours)] for d, what, hours in rows]
    body.append([_("Total"), "", str(sum(h for _d, _w, h in rows))])
    return TranscriptSection(
        title=_("Volunteer service"), columns=[_("Date"), _("What"), _("Hours")], rows=body
    )


# -- Daily sign-in -----------------------------------------------------------------------


@dataclass
class SignedIn:
    sign_in: DailySignIn
    points: int


def sign_in_today(member, now=None):
    """The member's daily sign-in: once per day in the site's time zone.

    The streak counts consecutive days; a missed day starts it again at 1.
    Raises ``AlreadyDone`` the second time in a day (and awards nothing).
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    if DailySignIn.objects.filter(member=member, day=today).exists():
        raise AlreadyDone(_("You have signed in today already."))
    yesterday = (
        DailySignIn.objects.filter(member=member, day=today - timedelta(days=1))
        .values_list("streak", flat=True)
        .first()
    )
    try:
        with transaction.atomic():
            sign_in = DailySignIn.objects.create(
                member=member, day=today, streak=(yesterday or 0) + 1
            )
    except IntegrityError:
        raise AlreadyDone(_("You have signed in today already.")) from None
    entry = rewards.award(
        member, Action.DAILY_SIGN_IN, source=sign_in, title=f"{today:%Y-%m-%d}", now=now
    )
    return SignedIn(sign_in=sign_in, points=entry.amount if entry else 0)


def streak(member, now=None):
    """``(days, signed_in_today)``: the streak still alive (signed in today or yesterday)."""
    today = timezone.localdate(now or timezone.now())
    last = (
        DailySignIn.objects.filter(member=member, day__gte=today - timedelta(days=1))
        .order_by("-day")
        .values_list("day", "streak")
        .first()
    )
    if last is None:
        return 0, False
    return last[1], last[0] == today


def streak_figure(member):
    """The streak as a figure of the points page (``rewards.services.page_figures``)."""
    days, _today = streak(member)
    return {
        "label": _("Daily sign-in streak"),
        "value": ngettext("%(days)s day", "%(days)s days", days) % {"days": days},
    }


# -- The lobby board ---------------------------------------------------------------------


def board(screen, now=None):
    """What a lobby screen shows: this month's leaderboard and the next activities of its unit.

    Names only as leaderboards show them (members who hid themselves are left out).
    """
    now = now or timezone.now()
    unit = screen.unit
    ancestors = unit.ancestor_paths()
    activities = list(
        Activity.objects.filter(
            Q(unit__path__in=ancestors) | Q(unit__path__startswith=unit.path), ends_at__gt=now
        )
        .select_related("unit")
        .annotate(attending=Count("attendances"))
        .order_by("starts_at")[:5]
    )
    return {
        "unit": unit,
        "leaderboard": rewards.leaderboard(unit, "month", limit=10, now=now),
        "activities": activities,
    }
