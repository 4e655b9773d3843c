"""Unit reports in the Wagtail admin, scoped to the user's subtree. Thin."""

import csv
import io

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from dj_learning.courses.services import study_year
from dj_learning.orgs import scope

from . import batches, reports
from .models import TranscriptBatch


def _context(request):
    if not scope.has_role(request.user, reports.STAFF_ROLES):
        raise PermissionDenied
    units = scope.visible_units(request.user, roles=reports.STAFF_ROLES).order_by("path")
    unit = units.filter(pk=request.GET.get("unit") or 0).first() or units.first()
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        year = study_year()
    if not 2000 <= year <= 2100:
        year = study_year()
    return units, unit, year


def report(request):
    units, unit, year = _context(request)
    if request.method == "POST" and unit is not None:
        batches.request_batch(request.user, unit, year)
        messages.success(request, _("The transcripts are being prepared; refresh to see progress."))
        return redirect(f"{request.path}?unit={unit.pk}&year={year}")
    rows = reports.unit_report(request.user, unit, year) if unit else []
    members = (
        reports.members_with_credits(request.user, unit, year)
        .select_related("unit")
        .order_by("met", "total", "member_number")
        if unit
        else []
    )
    page = Paginator(members, 50).get_page(request.GET.get("p"))
    return render(
        request,
        "dj_learning/credits/admin/report.html",
        {
            "title": _("Study report"),
            "units": units,
            "unit": unit,
            "year": year,
            "years": range(study_year(), study_year() - 5, -1),
            "rows": rows,
            "page_obj": page,
            "batches": _batches(request.user)[:5],
        },
    )


def _batches(user):
    """The bulk jobs whose unit lies in the user's subtree."""
    return scope.filter_members(
        user, TranscriptBatch.objects.select_related("unit"), roles=reports.STAFF_ROLES
    )


def batch_download(request, pk):
    if not scope.has_role(request.user, reports.STAFF_ROLES):
        raise PermissionDenied
    batch = get_object_or_404(_batches(request.user), pk=pk, status=TranscriptBatch.Status.DONE)
    return FileResponse(
        batch.archive.open("rb"), as_attachment=True, filename=batch.archive.name.rsplit("/", 1)[-1]
    )


HEADER = ["member_number", "name", "unit", "year", "required", "elective", "total", "met"]


def _export_rows(request):
    _units, unit, year = _context(request)
    members = reports.members_with_credits(request.user, unit, year).select_related("unit")
    for m in members.order_by("unit__path", "member_number"):
        met = "" if m.met is None else ("yes" if m.met else "no")
        yield [m.member_number, m.name, m.unit.name, year, m.required, m.elective, m.total, met]


def export(request, fmt):
    rows = _export_rows(request)
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(HEADER)
        writer.writerows(rows)
        response = HttpResponse(
            buffer.getvalue().encode("utf-8-sig"), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = 'attachment; filename="study-report.csv"'
        return response
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = str(_("Study report"))
    sheet.append(HEADER)
    for row in rows:
        sheet.append([float(v) if hasattr(v, "as_tuple") else v for v in row])
    buffer = io.BytesIO()
    book.save(buffer)
    response = HttpResponse(
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = 'attachment; filename="study-report.xlsx"'
    return response
