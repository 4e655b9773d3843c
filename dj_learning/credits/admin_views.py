"""Unit reports in the Wagtail admin, scoped to the user's subtree. Thin."""

import csv
import io

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.core.validators import FileExtensionValidator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dj_learning.courses.services import recent_years, year_or_current
from dj_learning.members.imports import safe_cell
from dj_learning.orgs import scope
from dj_learning.review import services as review

from . import batches, reports, services
from .models import OfflineTraining, TranscriptBatch


def _context(request):
    if not scope.has_role(request.user, reports.STAFF_ROLES):
        raise PermissionDenied
    units = scope.visible_units(request.user, roles=reports.STAFF_ROLES).order_by("path")
    unit = units.filter(pk=request.GET.get("unit") or 0).first() or units.first()
    return units, unit, year_or_current(request.GET.get("year"))


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
            "years": recent_years(),
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
        yield [
            safe_cell(m.member_number),
            safe_cell(m.name),
            safe_cell(m.unit.name),
            year,
            m.required,
            m.elective,
            m.total,
            met,
        ]


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


# -- Offline training ------------------------------------------------------------------

PROOF_EXTENSIONS = ["pdf", "jpg", "jpeg", "png"]
PROOF_MAX_BYTES = 10 * 1024 * 1024


class TrainingForm(forms.ModelForm):
    class Meta:
        model = OfflineTraining
        fields = ["title", "date", "hours", "kind", "attachment"]
        widgets = {"date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}

    def clean_attachment(self):
        upload = self.cleaned_data.get("attachment")
        if upload and upload.size > PROOF_MAX_BYTES:
            raise forms.ValidationError(_("The proof must be 10 MB or smaller."))
        return upload


def training_new(request, member_id):
    from dj_learning.members.models import Member
    from dj_learning.members.records import may_edit

    member = get_object_or_404(
        scope.filter_members(request.user, Member.objects.all(), roles=reports.STAFF_ROLES),
        pk=member_id,
    )
    if not may_edit(request.user, member):
        raise PermissionDenied
    form = TrainingForm(request.POST or None, request.FILES or None)
    form.fields["attachment"].validators.append(FileExtensionValidator(PROOF_EXTENSIONS))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.propose_training(
                request.user,
                member,
                title=data["title"],
                date=data["date"],
                hours=data["hours"],
                kind=data["kind"],
                attachment=data.get("attachment"),
                reason=request.POST.get("reason", ""),
            )
        except review.ReviewError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The training was sent to the branch for approval."))
            return redirect("learning_records:detail", member.pk)
    return render(
        request,
        "dj_learning/credits/admin/training_form.html",
        {"title": _("Record offline training"), "form": form, "member": member},
    )


def _trainings(user):
    return scope.filter_members(
        user, OfflineTraining.objects.select_related("member", "unit"), roles=reports.STAFF_ROLES
    )


def training_queue(request):
    if not scope.has_role(request.user, reports.STAFF_ROLES):
        raise PermissionDenied
    return render(
        request,
        "dj_learning/credits/admin/training_queue.html",
        {
            "title": _("Offline training to approve"),
            "queue": review.queue_for(
                request.user, OfflineTraining.objects.select_related("member")
            ),
            "recent": _trainings(request.user)[:20],
        },
    )


@require_POST
def training_decide(request, pk):
    if not scope.has_role(request.user, reports.STAFF_ROLES):
        raise PermissionDenied
    training = get_object_or_404(_trainings(request.user), pk=pk)
    try:
        if request.POST.get("decision") == "approve":
            review.approve(training, request.user, request.POST.get("comment", ""))
            messages.success(request, _("Approved: the credits count now."))
        else:
            review.reject(training, request.user, request.POST.get("comment", ""))
            messages.success(request, _("Returned to the clerk."))
    except review.ReviewError as error:
        messages.error(request, str(error))
    return redirect("learning_training_queue")


def training_proof(request, pk):
    training = get_object_or_404(_trainings(request.user), pk=pk)
    if not training.attachment:
        raise Http404
    return FileResponse(training.attachment.open("rb"), as_attachment=True)
