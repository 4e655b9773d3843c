"""The inbox in the API: the caller's notifications with the unread count; mark read."""

from datetime import datetime

from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema, Status

from dj_learning.api_schema import MAX_INT, Id

from . import services
from .models import Notification

router = Router(tags=["notifications"])


class NotificationOut(Schema):
    id: int
    kind: str
    title: str
    body: str
    url: str
    created_at: datetime
    read: bool


class NotificationInboxOut(Schema):
    unread: int
    count: int
    notifications: list[NotificationOut]


def _out(n):
    return {
        "id": n.pk,
        "kind": n.kind,
        "title": n.title,
        "body": n.body,
        "url": n.url,
        "created_at": n.created_at,
        "read": n.read_at is not None,
    }


@router.get(
    "/me/notifications", response=NotificationInboxOut, summary="The caller's notifications"
)
def my_notifications(
    request,
    unread_only: bool = False,
    offset: int = Query(0, ge=0, le=MAX_INT),
    limit: int = Query(50, ge=1, le=200),
):
    rows = services.inbox(request.user)
    if unread_only:
        rows = rows.filter(read_at__isnull=True)
    return {
        "unread": services.unread_count(request.user),
        "count": rows.count(),
        "notifications": [_out(n) for n in rows[offset : offset + limit]],
    }


@router.post(
    "/me/notifications/{int:notification_id}/read",
    response={204: None},
    summary="Mark one of the caller's notifications read",
)
def read_one(request, notification_id: Id):
    get_object_or_404(Notification, pk=notification_id, user=request.user)
    services.mark_read(request.user, notification_id)
    return Status(204, None)


@router.post("/me/notifications/read", response={204: None}, summary="Mark all read")
def read_all(request):
    services.mark_all_read(request.user)
    return Status(204, None)
