"""The points API: the caller's balance, history, leaderboards, catalog, redemptions;
fulfil and cancel for staff of the member's units. Thin: each calls a service."""

from datetime import datetime

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError
from wagtail.log_actions import log

from dj_learning.api_schema import MAX_INT, Id, Text, errors
from dj_learning.members.services import member_for
from dj_learning.orgs import scope

from . import services
from .admin_scope import FULFIL_ROLES, redemptions_for_staff

router = Router(tags=["points"])


class BalanceOut(Schema):
    balance: int
    lifetime: int
    hidden: bool


class PointEntryOut(Schema):
    id: int
    at: datetime
    points: int
    kind: str
    source: str
    reason: str


class HistoryOut(Schema):
    count: int
    entries: list[PointEntryOut]


class BoardRow(Schema):
    rank: int
    name: str
    unit: str
    points: int


class BoardOut(Schema):
    unit: str
    period: str
    rows: list[BoardRow]
    my_rank: int | None
    my_points: int


class ItemOut(Schema):
    id: int
    title: str
    description: str
    image: str | None
    cost: int
    stock: int
    per_member_limit: int | None
    starts_at: datetime | None
    ends_at: datetime | None
    can_redeem: bool
    refusal: str | None = Field(None, description="Why the caller cannot redeem it now")


class RedemptionOut(Schema):
    id: int
    item_id: int
    title: str
    cost: int
    code: str
    status: str
    created_at: datetime


class StaffRedemptionOut(RedemptionOut):
    member_number: str
    member: str


class CancelIn(Schema):
    reason: Text = ""


def _own(request):
    member = member_for(request.user)
    if member is None:
        raise HttpError(404, _("This account has no member record."))
    return member


def _redemption(r):
    return {
        "id": r.pk,
        "item_id": r.item_id,
        "title": r.title,
        "cost": r.cost,
        "code": r.code,
        "status": r.status,
        "created_at": r.created_at,
    }


@router.get(
    "/me/points",
    response={200: BalanceOut, **errors(404)},
    summary="The caller's balance and lifetime points",
)
def my_balance(request):
    balance, lifetime, hidden = services.balance_of(_own(request))
    return {"balance": balance, "lifetime": lifetime, "hidden": hidden}


@router.get(
    "/me/points/history",
    response={200: HistoryOut, **errors(404)},
    summary="The caller's points history",
)
def my_history(
    request, offset: int = Query(0, ge=0, le=MAX_INT), limit: int = Query(50, ge=1, le=200)
):
    entries = services.history(_own(request))
    return {
        "count": entries.count(),
        "entries": [
            {
                "id": e.pk,
                "at": e.created_at,
                "points": e.amount,
                "kind": e.kind,
                "source": e.description,
                "reason": e.reason,
            }
            for e in entries[offset : offset + limit]
        ],
    }


@router.get(
    "/me/points/leaderboard",
    response={200: BoardOut, **errors(404)},
    summary="Leaderboard of the caller's unit or region",
)
def my_leaderboard(
    request,
    scope_: str = Query("unit", alias="scope", pattern="^(unit|region)$"),
    period: str = Query("month", pattern="^(week|month|year)$"),
):
    member = _own(request)
    unit = (member.unit.region or member.unit) if scope_ == "region" else member.unit
    board = services.leaderboard(unit, period, member=member)
    return {
        "unit": unit.name,
        "period": period,
        "rows": [
            {
                "rank": r["rank"],
                "name": r["member__name"],
                "unit": r["member__unit__name"],
                "points": r["total"],
            }
            for r in board.rows
        ],
        "my_rank": board.me["rank"] if board.me else None,
        "my_points": board.me["total"] if board.me else 0,
    }


@router.get(
    "/me/rewards",
    response={200: list[ItemOut], **errors(404)},
    summary="The catalog the caller may redeem from",
)
def my_catalog(request):
    return [
        {
            "id": item.pk,
            "title": item.title,
            "description": item.description,
            "image": item.image.get_rendition("fill-320x200").url if item.image else None,
            "cost": item.cost,
            "stock": item.stock,
            "per_member_limit": item.per_member_limit,
            "starts_at": item.starts_at,
            "ends_at": item.ends_at,
            "can_redeem": offer.can_redeem,
            "refusal": offer.refusal,
        }
        for offer in services.offers_for(_own(request))
        for item in [offer.item]
    ]


@router.post(
    "/me/rewards/{int:item_id}/redeem",
    response={201: RedemptionOut, **errors(404, 409)},
    summary="Redeem one item: deducts the points, reserves stock, returns the pick-up code",
)
def redeem(request, item_id: Id):
    try:
        redemption = services.redeem(_own(request), item_id)
    except services.PointsError as error:
        raise HttpError(409, str(error)) from error
    return Status(201, _redemption(redemption))


@router.get(
    "/me/redemptions",
    response={200: list[RedemptionOut], **errors(404)},
    summary="The caller's redemptions",
)
def my_redemptions(request):
    member = _own(request)
    return [_redemption(r) for r in member.redemptions.order_by("-created_at", "-pk")[:200]]


def _staff_redemption(request, redemption_id):
    if not scope.has_role(request.user, FULFIL_ROLES):
        raise HttpError(403, _("Only staff of the member's units may do this."))
    return get_object_or_404(redemptions_for_staff(request.user), pk=redemption_id)


def _staff_out(r):
    return {**_redemption(r), "member_number": r.member.member_number, "member": r.member.name}


@router.get(
    "/redemptions",
    response={200: list[StaffRedemptionOut], **errors(403)},
    summary="For staff: redemptions in their units, waiting ones first; find one by its code",
)
def staff_redemptions(request, code: Text = "", status: Text = "pending"):
    if not scope.has_role(request.user, FULFIL_ROLES):
        raise HttpError(403, _("Only staff of the member's units may do this."))
    rows = redemptions_for_staff(request.user)
    if code:
        rows = rows.filter(code=code.strip().upper())
    elif status:
        rows = rows.filter(status=status)
    return [_staff_out(r) for r in rows[:200]]


@router.post(
    "/redemptions/{int:redemption_id}/fulfil",
    response={200: StaffRedemptionOut, **errors(403, 409)},
    summary="For staff: the member picked the item up",
)
def fulfil(request, redemption_id: Id):
    redemption = _staff_redemption(request, redemption_id)
    try:
        services.fulfil(redemption, request.user)
    except services.PointsError as error:
        raise HttpError(409, str(error)) from error
    log(redemption, "learning_rewards.fulfil", user=request.user)
    return Status(200, _staff_out(redemptions_for_staff(request.user).get(pk=redemption_id)))


@router.post(
    "/redemptions/{int:redemption_id}/cancel",
    response={200: StaffRedemptionOut, **errors(403, 409)},
    summary="For staff: cancel a waiting redemption; refunds the points and restores stock",
)
def cancel(request, redemption_id: Id, body: CancelIn | None = None):
    redemption = _staff_redemption(request, redemption_id)
    try:
        reason = (body.reason if body else "").strip()
        services.cancel(redemption, request.user, reason)
    except services.PointsError as error:
        raise HttpError(409, str(error)) from error
    log(redemption, "learning_rewards.cancel", user=request.user, data={"reason": reason})
    return Status(200, _staff_out(redemptions_for_staff(request.user).get(pk=redemption_id)))
