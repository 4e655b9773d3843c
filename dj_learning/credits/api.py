from datetime import date
from decimal import Decimal

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from ninja.errors import HttpError

from dj_learning.api_schema import Id, errors
from dj_learning.members.models import Member
from dj_learning.members.services import member_for
from dj_learning.orgs import scope
from dj_learning.orgs.audit import log_export

from . import services

router = Router(tags=["transcripts"])


class TranscriptEntryOut(Schema):
    date: date
    title: str
    source: str
    kind: str
    credits: Decimal
    reason: str


class SectionOut(Schema):
    title: str
    columns: list[str]
    rows: list[list[str]]


class TranscriptOut(Schema):
    member_number: str
    name: str
    unit: str
    year: int
    has_plan: bool
    required_credits: Decimal
    min_elective_credits: Decimal
    required_earned: Decimal
    elective_earned: Decimal
    total: Decimal
    met: bool
    status: str
    entries: list[TranscriptEntryOut]
    sections: list[SectionOut]


def _out(transcript):
    member = transcript.member
    return {
        "member_number": member.member_number,
        "name": member.name,
        "unit": member.unit.name,
        "year": transcript.year,
        "has_plan": transcript.has_plan,
        "required_credits": transcript.required_credits,
        "min_elective_credits": transcript.min_elective_credits,
        "required_earned": transcript.required_earned,
        "elective_earned": transcript.elective_earned,
        "total": transcript.total,
        "met": transcript.met,
        "status": transcript.status_label,
        "entries": [
            {
                "date": e.earned_on,
                "title": e.title,
                "source": e.source,
                "kind": e.kind,
                "credits": e.amount,
                "reason": e.reason,
            }
            for e in transcript.entries
        ],
        "sections": [
            {
                "title": str(s.title),
                "columns": [str(c) for c in s.columns],
                "rows": [[str(c) for c in row] for row in s.rows],
            }
            for s in transcript.extra
        ],
    }


def _own(request):
    member = member_for(request.user)
    if member is None:
        raise HttpError(404, _("This account has no member record."))
    return member


def _in_scope(request, member_id):
    members = scope.filter_members(request.user, Member.objects.select_related("unit"))
    return get_object_or_404(members, pk=member_id)


def _pdf(request, member, year):
    from . import documents

    return documents.transcript_response(member, year, request=request)


YEAR = Query(None, ge=2000, le=2100)

#: A PDF answer in the schema: a generated client reads it as bytes.
PDF = {
    "responses": {
        200: {
            "description": "The transcript as a PDF",
            "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
        }
    }
}


@router.get(
    "/me/transcript",
    response={200: TranscriptOut, **errors(404)},
    summary="The caller's transcript for a year",
)
def my_transcript(request, year: int | None = YEAR):
    return _out(services.transcript(_own(request), year))


@router.get(
    "/me/transcript/pdf",
    response={200: None, **errors(404)},
    openapi_extra=PDF,
    summary="The caller's transcript as a PDF (issues it)",
)
def my_transcript_pdf(request, year: int | None = YEAR):
    return _pdf(request, _own(request), year)


@router.get(
    "/members/{int:member_id}/transcript",
    response=TranscriptOut,
    summary="A member's transcript (the member, or staff of their units)",
)
def member_transcript(request, member_id: Id, year: int | None = YEAR):
    return _out(services.transcript(_in_scope(request, member_id), year))


@router.get(
    "/members/{int:member_id}/transcript/pdf",
    response={200: None, **errors(404)},
    openapi_extra=PDF,
    summary="A member's transcript as a PDF",
)
def member_transcript_pdf(request, member_id: Id, year: int | None = YEAR):
    member = _in_scope(request, member_id)
    if member.user_id != request.user.pk:
        log_export(request.user, member, "transcript", year=year)
    return _pdf(request, member, year)


class UnitReportRow(Schema):
    unit_id: int
    unit: str
    members: int
    met: int
    behind: int
    average_credits: Decimal


@router.get(
    "/units/{int:unit_id}/report",
    response=list[UnitReportRow],
    summary="For staff: per unit of the subtree, members who met the plan, who are behind",
)
def unit_report(request, unit_id: Id, year: int | None = YEAR):
    from dj_learning.courses.services import study_year

    from . import reports

    units = scope.visible_units(request.user, roles=reports.STAFF_ROLES)
    unit = get_object_or_404(units, pk=unit_id)
    return [
        {
            "unit_id": row.unit.pk,
            "unit": row.unit.name,
            "members": row.members,
            "met": row.met,
            "behind": row.behind,
            "average_credits": row.average,
        }
        for row in reports.unit_report(request.user, unit, year or study_year())
    ]
