"""Points and rewards: the business rules. Views, the API, listeners, jobs and the
apps that award points (check-in, volunteering, suggestions) call these.

Every change of a balance goes through ``_post()``: it locks the member's
balance row, writes one ledger entry and moves the cached balance in the same
transaction. Holding that lock is what makes caps, once-only rules and
redemptions exact under concurrent requests (on SQLite, the IMMEDIATE
transactions of the site's settings serialize writers the same way).
"""

import logging
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from wagtail.log_actions import log

from dj_learning.notifications import notices
from dj_learning.orgs.audit import UNIT_KEY
from dj_learning.registry import Registry

from .models import Action, Balance, CatalogItem, PointEntry, PointRule, Redemption

logger = logging.getLogger(__name__)


class PointsError(Exception):
    """A points operation refused, with a message for the member or the admin."""


# -- Rules -------------------------------------------------------------------------------


def rule_for(member, action):
    """The active rule for ``action`` nearest to the member's unit (its own, its region's,
    the national one), or ``None``."""
    return (
        PointRule.objects.filter(
            action=action, active=True, unit__path__in=member.unit.ancestor_paths()
        )
        .order_by("-unit__depth")
        .prefetch_related("windows")
        .first()
    )


def multiplier(rule, now):
    for window in rule.windows.all():
        if window.starts_at <= now < window.ends_at:
            return window.multiplier
    return Decimal(1)


def local_day(now=None):
    """The day a moment falls on in the site's time zone (``TIME_ZONE``): caps count by it."""
    return timezone.localdate(now or timezone.now())


def entry_key(member_id, action, content_type_id, object_id, *, per_item=False):
    """The once-only key of the points ``award()`` gives a member for ``action`` from one object.

    The object is the source (a completion, an attempt, a check-in) or, for a
    "once per item" rule, the item (``per_item=True``: the lesson, module,
    quiz, activity), named by its content type's id and its primary key, so a
    caller that writes entries in bulk (a data seeder, an import) makes the
    same key without loading objects. ``award()`` finds an entry with this key
    already earned and awards nothing more; the format is not part of the API.
    """
    item = ":item" if per_item else ""
    return f"{member_id}:{action}{item}:{content_type_id}:{object_id}"


def _object_key(member, action, obj, *, per_item=False):
    content_type = ContentType.objects.get_for_model(obj, for_concrete_model=False)
    return entry_key(member.pk, action, content_type.pk, obj.pk, per_item=per_item)


# -- Writing the ledger ------------------------------------------------------------------


def _lock_balance(member_id):
    """The member's balance row, locked until the transaction ends; created if missing."""
    balance = Balance.objects.select_for_update().filter(pk=member_id).first()
    if balance is None:
        Balance.objects.bulk_create([Balance(member_id=member_id)], ignore_conflicts=True)
        balance = Balance.objects.select_for_update().get(pk=member_id)
    return balance


def _post(
    member_id,
    amount,
    *,
    kind,
    action="",
    rule=None,
    source=None,
    title="",
    key=None,
    cap=None,
    now=None,
    by=None,
    reason="",
    redemption=None,
    award=None,
):
    """Write one entry and move the balance, under the balance row's lock.

    Returns the entry, or ``None`` when the key was used already or the day's
    cap is reached. Raises ``PointsError`` if the balance would go below zero.
    Must run inside a transaction (the callers open it).
    """
    now = now or timezone.now()
    day = local_day(now)
    balance = _lock_balance(member_id)
    # Checked under the lock: a concurrent call with the same key waits, then finds it.
    if key is not None and PointEntry.objects.filter(key=key).exists():
        return None
    if cap is not None:
        so_far = (
            PointEntry.objects.filter(
                member_id=member_id, action=action, day=day, kind=PointEntry.Kind.EARNED
            ).aggregate(total=Sum("amount"))["total"]
            or 0
        )
        amount = min(amount, cap - so_far)
        if amount <= 0:
            return None
    if balance.balance + amount < 0:
        raise PointsError(_("Not enough points."))
    entry = PointEntry.objects.create(
        member_id=member_id,
        amount=amount,
        kind=kind,
        action=action,
        rule=rule,
        source_type=(
            ContentType.objects.get_for_model(source, for_concrete_model=False) if source else None
        ),
        source_id=str(source.pk) if source is not None else "",
        title=title[:255],
        day=day,
        key=key,
        created_by=by,
        reason=reason,
        redemption=redemption,
        award=award,
    )
    Balance.objects.filter(pk=member_id).update(
        balance=F("balance") + amount,
        lifetime=F("lifetime") + (amount if kind in PointEntry.EARNING else 0),
    )
    return entry


def award(
    member,
    action,
    *,
    source=None,
    item=None,
    title="",
    quantity=1,
    seconds=None,
    by=None,
    reason="",
    now=None,
):
    """Award the points the member's rule gives for ``action``. The one door for every app.

    - ``source``: the object that earned them (a completion, an attempt, a
      check-in); the same source never earns twice;
    - ``item``: what the source is about (the lesson, module, quiz, activity);
      with a "once per item" rule, only the first source for an item earns;
    - ``title``: the item in words, shown in the member's history;
    - ``quantity``: how many times the rule's points (volunteer hours);
    - ``seconds``: effective study seconds (a number, or a callable giving it),
      checked against the rule's minimum.

    Returns the entry, or ``None`` when no rule applies, the minimum study time
    is not reached, the item or source earned already, or the day's cap is full.
    Safe to call concurrently and again.
    """
    rule = rule_for(member, action)
    if rule is None:
        return None
    if rule.min_study_seconds:
        seconds = seconds() if callable(seconds) else seconds
        if seconds is not None and seconds < rule.min_study_seconds:
            return None
    now = now or timezone.now()
    points = (Decimal(rule.points) * Decimal(str(quantity)) * multiplier(rule, now)).quantize(
        Decimal(1), rounding=ROUND_HALF_UP
    )
    if points <= 0:
        return None
    if rule.once_per_item and item is not None:
        key = _object_key(member, action, item, per_item=True)
    elif source is not None:
        key = _object_key(member, action, source)
    else:
        key = None
    try:
        with transaction.atomic():
            return _post(
                member.pk,
                int(points),
                kind=PointEntry.Kind.EARNED,
                action=action,
                rule=rule,
                source=source,
                title=title or str(item or source or ""),
                key=key,
                cap=rule.daily_cap,
                now=now,
                by=by,
                reason=reason,
            )
    except IntegrityError:  # the key's unique constraint: recorded by a concurrent call
        if key is not None and PointEntry.objects.filter(key=key).exists():
            return None
        raise


def adjust(member, amount, *, reason, by):
    """A correction by an admin: a new entry with a reason, never an edit."""
    if not reason.strip():
        raise PointsError(_("An adjustment needs a reason."))
    if not amount:
        raise PointsError(_("Give a number of points other than zero."))
    with transaction.atomic():
        entry = _post(
            member.pk,
            amount,
            kind=PointEntry.Kind.ADJUSTMENT,
            action=Action.MANUAL,
            title=pgettext("points", "Adjustment"),
            by=by,
            reason=reason,
        )
        # The audit trail, whoever asked (a screen, the API, a command): who, whose, how many.
        log(
            entry,
            "learning_rewards.adjust",
            user=by,
            data={
                UNIT_KEY: member.unit_id,
                "member": member.member_number,
                "amount": amount,
                "reason": reason,
            },
        )
        return entry


# -- Reading it ------------------------------------------------------------------------------

#: Figures other apps show on the member's points page beside the balance (the daily
#: sign-in streak), by name, from their ``ready()``: each a callable
#: ``(member) -> {"label": ..., "value": ...} or None``. One query each at most.
page_figures = Registry("points page figures")


def figures_for(member):
    """The registered figures for ``member``'s points page: ``[{"name", "label", "value"}]``."""
    shown = []
    for name, figure in page_figures.items():
        value = figure(member)
        if value is not None:
            shown.append({"name": name, **value})
    return shown


def balance_of(member):
    """``(balance, lifetime, hidden)`` in one query; zeros for a member who never earned."""
    row = Balance.objects.filter(pk=member.pk).values_list("balance", "lifetime", "hidden").first()
    return row or (0, 0, False)


STREAK_DAYS = 366


def streak(member, now=None):
    """Days in a row, up to today, on which ``member`` earned points (studying, passing a
    quiz, signing in): today counts once earned, and a streak still running from
    yesterday is not broken before today ends. One query."""
    today = local_day(now)
    days = set(
        PointEntry.objects.filter(
            member=member,
            kind=PointEntry.Kind.EARNED,
            day__gt=today - timedelta(days=STREAK_DAYS),
        )
        .values_list("day", flat=True)
        .distinct()
    )
    day = today if today in days else today - timedelta(days=1)
    count = 0
    while day in days:
        count += 1
        day -= timedelta(days=1)
    return count


def history(member):
    """The member's entries, newest first (paginate it). Descriptions need no more queries."""
    return PointEntry.objects.filter(member=member).order_by("-created_at", "-pk")


_EARNED_TEXT = {
    Action.LESSON_STUDIED: gettext_lazy("Lesson %(title)s studied"),
    Action.MODULE_COMPLETED: gettext_lazy("Module %(title)s completed"),
    Action.QUIZ_PASSED: gettext_lazy("Quiz %(title)s passed"),
    Action.FULL_MARKS: gettext_lazy("Full marks in quiz %(title)s"),
    Action.DAILY_SIGN_IN: gettext_lazy("Daily sign-in %(title)s"),
    Action.CHECK_IN: gettext_lazy("Checked in at %(title)s"),
    Action.VOLUNTEER_HOUR: gettext_lazy("Volunteer service %(title)s"),
    Action.SUGGESTION_ADOPTED: gettext_lazy("Suggestion %(title)s adopted"),
    Action.MANUAL: gettext_lazy("%(title)s"),
}


def describe(entry):
    """An entry's source in words, from the entry alone (no query)."""
    values = {"title": entry.title, "reason": entry.reason}
    if entry.kind == PointEntry.Kind.EARNED:
        return str(_EARNED_TEXT.get(entry.action, gettext_lazy("%(title)s")) % values)
    if entry.kind == PointEntry.Kind.AWARD:
        return _("Award: %(reason)s") % values
    if entry.kind == PointEntry.Kind.REDEMPTION:
        return _("Redeemed %(title)s") % values
    if entry.kind == PointEntry.Kind.REFUND:
        return _("Refund: redemption of %(title)s cancelled") % values
    return _("Adjustment: %(reason)s") % values


def set_hidden(member, hidden):
    """The member's "hide me from leaderboards" choice."""
    Balance.objects.bulk_create([Balance(member_id=member.pk)], ignore_conflicts=True)
    Balance.objects.filter(pk=member.pk).update(hidden=bool(hidden))


# -- Leaderboards ------------------------------------------------------------------------

PERIODS = {
    "week": gettext_lazy("This week"),
    "month": gettext_lazy("This month"),
    "year": gettext_lazy("This year"),
}


def period_start(period, now=None):
    """The start of this week (Monday), month or study year, in the site's time zone."""
    from dj_learning.courses.services import study_year, year_bounds

    now = now or timezone.now()
    today = local_day(now)
    if period == "week":
        day = today - timedelta(days=today.weekday())
    elif period == "month":
        day = today.replace(day=1)
    else:
        return year_bounds(study_year(now))[0]
    return datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())


@dataclass
class Leaderboard:
    unit: object
    period: str
    rows: list
    me: dict | None

    @property
    def period_label(self):
        return PERIODS[self.period]


def leaderboard(unit, period="month", *, member=None, limit=10, now=None):
    """The members of ``unit``'s subtree with the most points earned in the period.

    Members who chose to hide are left out. ``member`` adds their own total and
    rank (``me``). Three queries at most, whatever the number of members.
    """
    if period not in PERIODS:
        period = "month"
    earned = (
        PointEntry.objects.filter(
            kind__in=PointEntry.EARNING,
            created_at__gte=period_start(period, now),
            member__unit__path__startswith=unit.path,
        )
        .exclude(member__points__hidden=True)
        .values("member_id")
        .annotate(total=Sum("amount"))
        .filter(total__gt=0)
    )
    rows = list(
        earned.values("member_id", "member__name", "member__unit__name", "total").order_by(
            "-total", "member_id"
        )[:limit]
    )
    for rank, row in enumerate(rows, start=1):
        row["rank"] = rank
    me = None
    if member is not None:
        mine = next((r for r in rows if r["member_id"] == member.pk), None)
        if mine is not None:
            me = mine
        else:
            mine = list(earned.filter(member_id=member.pk).values_list("total", flat=True)[:1])
            total = mine[0] if mine else 0
            ahead = earned.filter(total__gt=total).count() if total else None
            me = {"member_id": member.pk, "total": total, "rank": ahead + 1 if total else None}
    return Leaderboard(unit=unit, period=period, rows=rows, me=me)


def leaderboard_context(unit, period="month", *, member=None, limit=10):
    """The context of ``dj_learning/rewards/includes/leaderboard.html`` (also for widgets)."""
    board = leaderboard(unit, period, member=member, limit=limit)
    return {"board": board, "periods": PERIODS, "member": member}


# -- The catalog and redemptions -----------------------------------------------------------


def catalog_for(member, now=None):
    """The active items of the member's region (and the units above it), in their period."""
    now = now or timezone.now()
    return (
        _catalog(member)
        .filter(Q(starts_at__isnull=True) | Q(starts_at__lte=now))
        .filter(Q(ends_at__isnull=True) | Q(ends_at__gt=now))
    )


def _catalog(member):
    return (
        CatalogItem.objects.filter(active=True, unit__path__in=member.unit.ancestor_paths())
        .select_related("image")
        .order_by("cost", "title")
    )


def refusal(item, *, balance, taken, now=None):
    """Why a member with ``balance`` points, who holds ``taken`` (not cancelled)
    redemptions of ``item``, may not redeem it now (a message), or ``None``.

    The one rule the catalog (a greyed-out item says why) and ``redeem`` share.
    """
    now = now or timezone.now()
    if item.starts_at and item.starts_at > now:
        return _("Available from %(when)s.") % {
            "when": timezone.localtime(item.starts_at).strftime("%Y-%m-%d %H:%M")
        }
    if item.ends_at and item.ends_at <= now:
        return _("This item is not available to you.")
    if item.stock < 1:
        return _("Sorry, “%(title)s” is out of stock.") % {"title": item.title}
    if item.per_member_limit is not None and taken >= item.per_member_limit:
        return _("Limit reached: you may redeem “%(title)s” at most %(limit)s times.") % {
            "title": item.title,
            "limit": item.per_member_limit,
        }
    if balance < item.cost:
        return _("You need %(cost)s points; you have %(balance)s.") % {
            "cost": item.cost,
            "balance": balance,
        }
    return None


@dataclass
class Offer:
    """A catalog item as one member sees it: ``refusal`` says why it cannot be redeemed."""

    item: CatalogItem
    refusal: str | None
    taken: int = 0

    @property
    def can_redeem(self):
        return self.refusal is None


def _taken(member, items=None):
    redemptions = Redemption.objects.filter(member=member).exclude(
        status=Redemption.Status.CANCELLED
    )
    if items is not None:
        redemptions = redemptions.filter(item__in=items)
    counts = redemptions.order_by().values("item").annotate(n=Count("pk"))
    return dict(counts.values_list("item", "n"))


def offers_for(member, now=None):
    """The catalog as ``member`` sees it: the items in their period and those to come, each
    with the reason the member may not redeem it (if any). Three queries, however many items."""
    now = now or timezone.now()
    items = list(_catalog(member).filter(Q(ends_at__isnull=True) | Q(ends_at__gt=now)))
    balance, _lifetime, _hidden = balance_of(member)
    taken = _taken(member)
    return [
        Offer(
            item=item,
            refusal=refusal(item, balance=balance, taken=taken.get(item.pk, 0), now=now),
            taken=taken.get(item.pk, 0),
        )
        for item in items
    ]


def offer(member, item_id, now=None):
    """One item of ``member``'s catalog as ``offers_for`` sees it, or ``None``."""
    now = now or timezone.now()
    item = _catalog(member).filter(pk=item_id).filter(Q(ends_at__isnull=True) | Q(ends_at__gt=now))
    item = item.first()
    if item is None:
        return None
    balance, _lifetime, _hidden = balance_of(member)
    taken = _taken(member, [item]).get(item.pk, 0)
    return Offer(
        item=item, refusal=refusal(item, balance=balance, taken=taken, now=now), taken=taken
    )


def redeem(member, item_id, now=None):
    """Exchange points for one item: stock and points move together, or neither does.

    Raises ``PointsError`` with a message for the member (``refusal``). Exact
    under concurrent requests: the item's row is locked, then the member's balance.
    """
    now = now or timezone.now()
    with transaction.atomic():
        item = catalog_for(member, now).select_for_update(of=("self",)).filter(pk=item_id).first()
        if item is None:
            raise PointsError(_("This item is not available to you."))
        if item.stock < 1:
            raise PointsError(refusal(item, balance=0, taken=0, now=now))
        balance = _lock_balance(member.pk)
        taken = 0
        if item.per_member_limit is not None:
            taken = _taken(member, [item]).get(item.pk, 0)
        if reason := refusal(item, balance=balance.balance, taken=taken, now=now):
            raise PointsError(reason)
        CatalogItem.objects.filter(pk=item.pk).update(stock=F("stock") - 1)
        redemption = Redemption.objects.create(
            member=member, item=item, title=item.title, cost=item.cost
        )
        _post(
            member.pk,
            -item.cost,
            kind=PointEntry.Kind.REDEMPTION,
            source=redemption,
            title=item.title,
            key=f"redeem:{redemption.pk}",
            now=now,
            redemption=redemption,
        )
        tell(redemption, REDEMPTION_READY, member.user)
    return redemption


def _decide(redemption_id, by, status, reason=""):
    with transaction.atomic():
        redemption = Redemption.objects.select_for_update().get(pk=redemption_id)
        if redemption.status != Redemption.Status.PENDING:
            raise PointsError(
                _("This redemption is already %(status)s.")
                % {"status": redemption.get_status_display()}
            )
        redemption.status = status
        redemption.decided_at = timezone.now()
        redemption.decided_by = by
        redemption.reason = reason
        redemption.save(update_fields=["status", "decided_at", "decided_by", "reason"])
        if status == Redemption.Status.CANCELLED:
            CatalogItem.objects.filter(pk=redemption.item_id).update(stock=F("stock") + 1)
            if redemption.cost:
                _post(
                    redemption.member_id,
                    redemption.cost,
                    kind=PointEntry.Kind.REFUND,
                    source=redemption,
                    title=redemption.title,
                    key=f"refund:{redemption.pk}",
                    by=by,
                    reason=reason,
                    redemption=redemption,
                )
        tell(redemption, _DECIDED[status], redemption.member.user)
    return redemption


# -- Notices to the member ----------------------------------------------------------------

REDEMPTION_READY = "rewards.redemption_ready"
REDEMPTION_FULFILLED = "rewards.redemption_fulfilled"
REDEMPTION_CANCELLED = "rewards.redemption_cancelled"
POINTS_AWARDED = "rewards.points_awarded"
_DECIDED = {
    Redemption.Status.FULFILLED: REDEMPTION_FULFILLED,
    Redemption.Status.CANCELLED: REDEMPTION_CANCELLED,
}


def register_kinds():
    notices.register_kind(REDEMPTION_READY, gettext_lazy("A reward ready to pick up"), email=True)
    notices.register_kind(REDEMPTION_FULFILLED, gettext_lazy("A reward picked up"))
    notices.register_kind(REDEMPTION_CANCELLED, gettext_lazy("A redemption cancelled"), email=True)
    notices.register_kind(POINTS_AWARDED, gettext_lazy("Points awarded from your transcript"))


def tell(redemption, kind, user):
    """Notify the member of a redemption's step (ready, picked up, cancelled): once per
    step, in the member's language, after the transaction commits."""
    with notices.in_language(user):
        if kind == REDEMPTION_READY:
            title = _("“%(title)s” is ready to pick up") % {"title": redemption.title}
            body = _("Your pick-up code is %(code)s.") % {"code": redemption.code}
        elif kind == REDEMPTION_FULFILLED:
            title = _("You picked up “%(title)s”") % {"title": redemption.title}
            body = ""
        else:
            title = _("Your redemption of “%(title)s” was cancelled") % {"title": redemption.title}
            body = " ".join(
                part
                for part in [
                    redemption.cost
                    and _("%(points)s points are back in your balance.")
                    % {"points": redemption.cost},
                    redemption.reason and _("Reason: %(reason)s") % {"reason": redemption.reason},
                ]
                if part
            )
        notices.notify(
            user,
            kind,
            title,
            body=body,
            url=reverse("dj_learning:rewards_mine"),
            key=f"redemption:{redemption.pk}:{kind}",
        )


def fulfil(redemption, by):
    """The member picked the item up."""
    return _decide(redemption.pk, by, Redemption.Status.FULFILLED)


def cancel(redemption, by, reason=""):
    """Cancel a waiting redemption: the points come back and the stock is restored."""
    return _decide(redemption.pk, by, Redemption.Status.CANCELLED, reason)


def find_by_code(queryset, code):
    return queryset.filter(code=code.strip().upper()).first()


# -- The ledger check ------------------------------------------------------------------


@dataclass
class Drift:
    member_id: int
    cached_balance: int
    ledger_balance: int
    cached_lifetime: int
    ledger_lifetime: int


def check_ledger(repair=False):
    """Recompute every balance from the entries; return the members whose cached row
    differs. ``repair=True`` sets the cached rows to the ledger's numbers (the ledger
    itself is never changed)."""
    ledger = {
        row["member_id"]: (row["balance"], row["lifetime"] or 0)
        for row in PointEntry.objects.values("member_id")
        .annotate(
            balance=Sum("amount"), lifetime=Sum("amount", filter=Q(kind__in=PointEntry.EARNING))
        )
        .order_by()
    }
    drifts = []
    seen = set()
    for member_id, balance, lifetime in Balance.objects.values_list(
        "member_id", "balance", "lifetime"
    ).iterator():
        seen.add(member_id)
        expected = ledger.get(member_id, (0, 0))
        if (balance, lifetime) != expected:
            drifts.append(Drift(member_id, balance, expected[0], lifetime, expected[1]))
    for member_id, expected in ledger.items():
        if member_id not in seen:
            drifts.append(Drift(member_id, 0, expected[0], 0, expected[1]))
    if repair:
        for drift in drifts:
            Balance.objects.bulk_create([Balance(member_id=drift.member_id)], ignore_conflicts=True)
            Balance.objects.filter(pk=drift.member_id).update(
                balance=drift.ledger_balance, lifetime=drift.ledger_lifetime
            )
    return drifts


# -- The transcript's points section ---------------------------------------------------------


def transcript_section(member, year):
    """Points earned in the study year, by source: a section of the transcript."""
    from dj_learning.courses.services import year_bounds
    from dj_learning.credits.services import TranscriptSection

    start, end = year_bounds(year)
    rows = list(
        PointEntry.objects.filter(
            member=member, kind__in=PointEntry.EARNING, created_at__gte=start, created_at__lt=end
        )
        .values("kind", "action")
        .annotate(n=Count("pk"), total=Sum("amount"))
        .order_by("kind", "action")
    )
    if not rows:
        return None
    labels = dict(Action.choices)
    kinds = dict(PointEntry.Kind.choices)
    body = [
        [
            str(
                labels.get(r["action"]) if r["kind"] == PointEntry.Kind.EARNED else kinds[r["kind"]]
            ),
            str(r["n"]),
            str(r["total"]),
        ]
        for r in rows
    ]
    body.append([_("Total"), str(sum(r["n"] for r in rows)), str(sum(r["total"] for r in rows))])
    return TranscriptSection(
        title=_("Points earned"), columns=[_("Source"), _("Entries"), _("Points")], rows=body
    )
