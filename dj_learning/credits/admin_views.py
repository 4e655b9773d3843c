"""Unit reports and offline training in the Wagtail admin, scoped to the user's subtree. Thin.

Offline training is a Wagtail viewset (list, filters, search, CSV/XLSX export)
whose rows come from its ``ScopePolicy``; recording and deciding stay small
views registered on the viewset, calling ``services.propose_training`` and the
review flow.
"""

import csv
import io

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from wagtail.admin.ui.tables import Column
from wagtail.log_actions import log

from dj_learning import charts, uploads
from dj_learning.courses.services import recent_years, year_or_current
from dj_learning.orgs import scope
from dj_learning.orgs.audit import log_export, log_scope_export
from dj_learning.orgs.exports import safe_cell, xlsx_response
from dj_learning.orgs.viewsets import ScopedIndexView, ScopedModelViewSet, ScopePolicy
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
    months = reports.credits_by_month(request.user, unit, year) if unit else []
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
            "months": [(month_label(month), total) for month, total in months],
            "plan_chart": plan_chart(rows, year) if rows else "",
            "month_chart": month_chart(months, year) if months else "",
            "page_obj": page,
            "batches": _batches(request.user)[:5],
        },
    )


def plan_chart(rows, year):
    """Each unit's members by plan completion (met, on track, behind), as stacked bars."""
    series = [
        (_("Plan met"), charts.GREEN),
        (_("On track"), charts.AMBER),
        (_("Behind pace"), charts.RED),
    ]
    desc = "; ".join(
        _("%(unit)s: %(met)s met, %(on_track)s on track, %(behind)s behind")
        % {"unit": r.unit.name, "met": r.met, "on_track": r.on_track, "behind": r.off_track}
        for r in rows
    )
    return charts.stacked_bars(
        [(r.unit.name, [r.met, r.on_track, r.off_track]) for r in rows],
        series,
        name="plan-completion",
        title=_("Plan completion by unit, %(year)s") % {"year": year},
        desc=desc,
    )


def month_label(month):
    return _("%(month)s/%(year)s") % {"month": month.month, "year": month.year % 100}


def month_chart(months, year):
    """The credits earned in each month of the study year, as a line."""
    points = [(month_label(month), total) for month, total in months]
    desc = "; ".join(f"{label}: {charts.number(total)}" for label, total in points)
    return charts.line_chart(
        points,
        name="credits-by-month",
        title=_("Credits earned by month, %(year)s") % {"year": year},
        desc=desc,
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
    log_export(request.user, batch, "transcripts archive", year=batch.year)
    return uploads.serve_private(batch.archive, filename=batch.archive.name.rsplit("/", 1)[-1])


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


def _chart_sheets(book, request):
    """The charts' figures as sheets of their own, as the report screen draws them."""
    _units, unit, year = _context(request)
    if unit is None:
        return
    plan = book.create_sheet(str(_("Plan completion")))
    plan.append(
        [
            str(_("Unit")),
            str(_("Members")),
            str(_("Plan met")),
            str(_("On track")),
            str(_("Behind pace")),
            str(_("Average credits")),
        ]
    )
    for r in reports.unit_report(request.user, unit, year):
        plan.append(
            [safe_cell(r.unit.name), r.members, r.met, r.on_track, r.off_track, float(r.average)]
        )
    by_month = book.create_sheet(str(_("Credits by month")))
    by_month.append([str(_("Month")), str(_("Credits"))])
    for month, total in reports.credits_by_month(request.user, unit, year):
        by_month.append([month_label(month), float(total)])


def export(request, fmt):
    _units, unit, year = _context(request)
    if unit is None:
        log_scope_export(request.user, "study report", roles=reports.STAFF_ROLES, year=year)
    else:
        log_export(request.user, unit, "study report", year=year)
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
    _chart_sheets(book, request)
    return xlsx_response(book, "study-report.xlsx")


# -- Offline training ------------------------------------------------------------------


class TrainingForm(forms.ModelForm):
    class Meta:
        model = OfflineTraining
        fields = ["title", "date", "hours", "kind", "attachment"]
        widgets = {"date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}

    def clean_attachment(self):
        upload = self.cleaned_data.get("attachment")
        if not upload:
            return upload
        # Judged by content, re-encoded if an image, renamed at random (docs/security.md).
        return uploads.check_upload(upload, kinds=(uploads.IMAGE, uploads.PDF))


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
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            training = services.propose_training(
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
            log(training, "wagtail.create", user=request.user)
            messages.success(request, _("The training was sent to the branch for approval."))
            return redirect("learning_records:detail", member.pk)
    return render(
        request,
        "dj_learning/credits/admin/training_form.html",
        {"title": _("Record offline training"), "form": form, "member": member},
    )


#: The Wagtail permission policy of the offline training screens (registered in wagtail_hooks).
TRAINING = ScopePolicy(OfflineTraining, reports.STAFF_ROLES, actions=("view",))


def _trainings(user):
    return TRAINING.instances_user_has_permission_for(user, "view")


@require_POST
def training_decide(request, pk):
    """Approve or reject through the review flow, then back to the list and its queue."""
    if not scope.has_role(request.user, reports.STAFF_ROLES):
        raise PermissionDenied
    training = get_object_or_404(_trainings(request.user), pk=pk)
    comment = request.POST.get("comment", "")
    try:
        if request.POST.get("decision") == "approve":
            review.approve(training, request.user, comment)
            log(training, "learning_credits.approve_training", user=request.user)
            messages.success(request, _("Approved: the credits count now."))
        else:
            review.reject(training, request.user, comment)
            log(
                training,
                "learning_credits.reject_training",
                user=request.user,
                data={"comment": comment},
            )
            messages.success(request, _("Returned to the clerk."))
    except review.ReviewError as error:
        messages.error(request, str(error))
    return redirect("learning_training:index")


def training_proof(request, pk):
    training = get_object_or_404(_trainings(request.user), pk=pk)
    return uploads.serve_private(training.attachment)


class TrainingIndexView(ScopedIndexView):
    """The offline training in the user's units, with the trainings waiting for their decision."""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if not self.results_only:
            context["queue"] = review.queue_for(
                self.request.user, OfflineTraining.objects.select_related("member")
            )
        return context


def _member(training):
    return f"{training.member.name} ({training.member.member_number})"


class ProofColumn(Column):
    cell_template_name = "dj_learning/credits/admin/training_proof_cell.html"


class TrainingViewSet(ScopedModelViewSet):
    """Offline training: a list and queue; recorded from a member's record, decided in review."""

    model = OfflineTraining
    name = "learning_training"
    url_prefix = "learning/training"
    icon = "date"
    menu_label = gettext_lazy("Offline training")
    menu_order = 255
    add_to_admin_menu = True
    index_view_class = TrainingIndexView
    index_template_name = "dj_learning/credits/admin/training_index.html"
    # Recorded through credits.services.propose_training, decided through the review flow.
    views = ("index",)
    export_text = staticmethod(safe_cell)
    select_related = ("member", "unit")
    ordering = ["-date", "-pk"]
    list_display = [
        "title",
        Column("member", label=gettext_lazy("Member"), accessor=_member),
        "unit",
        "date",
        "hours",
        "kind",
        "status",
        ProofColumn("attachment", label=gettext_lazy("Proof")),
    ]
    list_filter = ["status", "kind", "date"]
    search_fields = ["title", "member__name", "member__member_number"]
    list_export = [
        "member.member_number",
        "member.name",
        "unit.name",
        "title",
        "date",
        "hours",
        "get_kind_display",
        "get_status_display",
    ]
    export_headings = {
        "member.member_number": gettext_lazy("Member number"),
        "member.name": gettext_lazy("Name"),
        "unit.name": gettext_lazy("Unit"),
        "get_kind_display": gettext_lazy("Kind"),
        "get_status_display": gettext_lazy("Status"),
    }
    export_filename = "offline-training"

    def get_extra_urlpatterns(self):
        return [
            path("new/<int:member_id>/", training_new, name="new"),
            path("<int:pk>/decide/", training_decide, name="decide"),
            path("<int:pk>/proof/", training_proof, name="proof"),
        ]
