"""Awards from transcripts: points or a catalog item for the members of a subtree picked
by their transcript for a year, as a django-q2 job that can be killed and rerun.

Each member's award has a key (``award:<award>:<member>``) and the recipients
are fixed when the job first runs, so a rerun awards only whom the killed run
did not reach. Members are written in chunks of bulk inserts: a fixed number
of queries per chunk, whatever its size.

Beside points and catalog items, an app above rewards may add a kind of award
to :data:`kinds` from its ``ready()`` (the certificates app adds "certificate").
An entry is an object with:

- ``label``: what the award form calls it ("a certificate");
- ``choices(user)``: ``[(target, label), ...]``, what of that kind ``user`` may award;
- ``award(award, member_ids) -> int``: award the members, idempotently, under the
  keys ``award_key(award, member_id)``; returns how many were new;
- ``awarded(award) -> int``: how many members hold the award;
- ``recipients(award)``: a queryset of rows with ``member`` and ``created_at``
  (the award's page lists them);
- ``describe(award) -> str``: what was awarded, in words.

Rewards never imports the apps that register kinds.
"""

from decimal import Decimal

from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext_lazy

from dj_learning import jobs
from dj_learning.conf import settings
from dj_learning.credits import reports
from dj_learning.members.models import Member
from dj_learning.notifications import notices
from dj_learning.orgs import scope
from dj_learning.orgs.models import StaffRole
from dj_learning.registry import Registry

from .models import Balance, CatalogItem, PointEntry, Redemption, TranscriptAward
from .services import POINTS_AWARDED, REDEMPTION_READY, PointsError, local_day

#: Staff roles that may award.
AWARD_ROLES = (StaffRole.Role.ADMIN,)

#: Kinds of award beyond points and catalog items: ``name -> kind`` (see the module docstring).
kinds = Registry("award kinds")


def award_key(award, member_id):
    """The key that makes one member's award happen once."""
    return f"award:{award.pk}:{member_id}"


def request_award(
    user,
    unit,
    year,
    *,
    criterion,
    reason,
    top_n=None,
    min_credits=None,
    points=None,
    item=None,
    kind="",
    target="",
):
    """Check the request, record it and queue the job. Returns the award (its progress).

    Exactly one of ``points``, ``item`` or ``kind`` (a name in :data:`kinds`, with
    ``target`` one of its ``choices(user)``) says what is awarded.
    """
    if not scope.can_see_unit(user, unit, roles=AWARD_ROLES):
        raise PointsError(_("This unit is outside your units."))
    if not (reason or "").strip():
        raise PointsError(_("Give a reason: it stays on the record."))
    if sum(1 for what in (points, item, kind or None) if what is not None) != 1:
        raise PointsError(_("Award either points or a catalog item."))
    if kind and (
        kind not in kinds or str(target) not in {str(c) for c, _label in kinds[kind].choices(user)}
    ):
        raise PointsError(_("This award is not available to you."))
    if points is not None and points <= 0:
        raise PointsError(_("Give a number of points above zero."))
    if criterion == TranscriptAward.Criterion.TOP and not top_n:
        raise PointsError(_("Give N, the number of members to award."))
    if criterion == TranscriptAward.Criterion.MIN_CREDITS and min_credits is None:
        raise PointsError(_("Give X, the credits a member needs at least."))
    if item is not None and not scope.can_see_unit(user, item.unit, roles=AWARD_ROLES):
        raise PointsError(_("This item is outside your units."))
    award = TranscriptAward.objects.create(
        unit=unit,
        year=year,
        criterion=criterion,
        top_n=top_n if criterion == TranscriptAward.Criterion.TOP else None,
        min_credits=min_credits if criterion == TranscriptAward.Criterion.MIN_CREDITS else None,
        points=points,
        item=item,
        kind=kind or "",
        target=str(target or "") if kind else "",
        reason=reason.strip(),
        requested_by=user,
    )
    transaction.on_commit(lambda: jobs.queue("dj_learning.rewards.tasks.run_award", award.pk))
    return award


def recipients(award):
    """The ids of the members the criteria pick, in one query."""
    members = reports.members_with_credits(award.requested_by, award.unit, award.year)
    if award.criterion == TranscriptAward.Criterion.MET:
        members = members.filter(met=True).order_by("pk")
    elif award.criterion == TranscriptAward.Criterion.MIN_CREDITS:
        members = members.filter(total__gte=award.min_credits).order_by("pk")
    else:
        members = members.filter(total__gt=Decimal(0)).order_by("-total", "member_number")
        members = members[: award.top_n]
    return list(members.values_list("pk", flat=True))


def run(award_id):
    """The job: award every recipient not awarded yet. Safe to run again at any point.

    Returns ``None`` when a live run holds the award; a run killed with its worker
    leaves a claim that lapses after the cluster's timeout (dj_learning.jobs).
    """
    if not jobs.claim(TranscriptAward, award_id):
        return None
    award = TranscriptAward.objects.select_related("unit", "requested_by", "item").get(pk=award_id)
    try:
        ids = recipients_frozen(award)
        TranscriptAward.objects.filter(pk=award.pk).update(total=len(ids), done=0, error="")
        done = awarded = 0
        size = settings.AWARD_CHUNK_SIZE
        for start in range(0, len(ids), size):
            chunk = ids[start : start + size]
            awarded += award_chunk(award, chunk)
            done += len(chunk)
            TranscriptAward.objects.filter(pk=award.pk).update(done=done)
        awarded = (
            kinds[award.kind].awarded(award)
            if award.kind
            else award.entries.count() + award.redemptions.count()
        )
        TranscriptAward.objects.filter(pk=award.pk).update(
            status=TranscriptAward.Status.DONE, awarded=awarded, finished_at=timezone.now()
        )
    except Exception as error:
        TranscriptAward.objects.filter(pk=award.pk).update(
            status=TranscriptAward.Status.FAILED, error=str(error)[:2000]
        )
        raise
    return awarded


def recipients_frozen(award):
    """The recipients as chosen by the first run (a rerun must not pick others)."""
    if award.member_ids is None:
        ids = recipients(award)
        TranscriptAward.objects.filter(pk=award.pk, member_ids__isnull=True).update(member_ids=ids)
        award.refresh_from_db(fields=["member_ids"])
    return list(award.member_ids)


def award_chunk(award, member_ids):
    """Award one chunk in one transaction; returns how many were new."""
    if award.kind:
        with transaction.atomic():
            return kinds[award.kind].award(award, member_ids)
    with transaction.atomic():
        keys = {f"award:{award.pk}:{member_id}": member_id for member_id in member_ids}
        if award.points is not None:
            Balance.objects.bulk_create(
                [Balance(member_id=m) for m in member_ids], ignore_conflicts=True
            )
            # Lock the rows in one order: a concurrent redemption or award waits, no deadlock.
            list(
                Balance.objects.select_for_update()
                .filter(member_id__in=member_ids)
                .order_by("member_id")
                .values_list("pk", flat=True)
            )
            done = set(PointEntry.objects.filter(key__in=list(keys)).values_list("key", flat=True))
            new = [m for key, m in keys.items() if key not in done]
            day = local_day()
            PointEntry.objects.bulk_create(
                [
                    PointEntry(
                        member_id=m,
                        amount=award.points,
                        kind=PointEntry.Kind.AWARD,
                        title=award.reason[:255],
                        reason=award.reason,
                        day=day,
                        key=f"award:{award.pk}:{m}",
                        award=award,
                        created_by=award.requested_by,
                    )
                    for m in new
                ],
                batch_size=settings.AWARD_CHUNK_SIZE,
            )
            Balance.objects.filter(member_id__in=new).update(
                balance=F("balance") + award.points, lifetime=F("lifetime") + award.points
            )
            _tell_points(award, new)
            return len(new)
        item = CatalogItem.objects.select_for_update().get(pk=award.item_id)
        done = set(Redemption.objects.filter(key__in=list(keys)).values_list("key", flat=True))
        new = [m for key, m in keys.items() if key not in done]
        if item.stock < len(new):
            raise PointsError(
                _("Not enough stock of “%(title)s”: %(stock)s left for %(count)s members.")
                % {"title": item.title, "stock": item.stock, "count": len(new)}
            )
        CatalogItem.objects.filter(pk=item.pk).update(stock=F("stock") - len(new))
        Redemption.objects.bulk_create(
            [
                Redemption(
                    member_id=m,
                    item=item,
                    title=item.title,
                    cost=0,
                    award=award,
                    key=f"award:{award.pk}:{m}",
                    reason=award.reason,
                )
                for m in new
            ],
            batch_size=settings.AWARD_CHUNK_SIZE,
        )
        _tell_awarded(award, item, new)
        return len(new)


def _accounts(member_ids):
    """The user ids of the members ``member_ids`` that have an account."""
    return Member.objects.filter(pk__in=member_ids, user__isnull=False).values_list(
        "user_id", flat=True
    )


def _tell_points(award, member_ids):
    """The members awarded points hear how many and why, once per award and member."""
    if not (member_ids and notices.installed()):
        return
    notices.notify_many(
        _accounts(member_ids),
        POINTS_AWARDED,
        ngettext_lazy(
            "You were awarded %(points)s point", "You were awarded %(points)s points", "points"
        ),
        params={"points": award.points},
        body=award.reason,
        url=reverse("dj_learning:points"),
        key=f"award:{award.pk}:points",
    )


def _tell_awarded(award, item, member_ids):
    """The members awarded an item hear it is ready to pick up (their code is on My
    redemptions): one insert after the chunk commits, once per award and member."""
    if not (member_ids and notices.installed()):
        return
    notices.notify_many(
        _accounts(member_ids),
        REDEMPTION_READY,
        gettext_lazy("“%(title)s” is ready to pick up"),
        params={"title": item.title},
        body=gettext_lazy("You were awarded it: your pick-up code is on My redemptions."),
        url=reverse("dj_learning:rewards_mine"),
        key=f"award:{award.pk}:ready",
    )
