"""Staff screens for member records in the Wagtail admin. Thin: scope, form, service, render.

Every view narrows what it shows to the user's subtree through ``orgs.scope``,
and every change of state is a POST.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dj_learning import uploads
from dj_learning.orgs import scope
from dj_learning.orgs.audit import log_scope_export
from dj_learning.orgs.exports import XLSX
from dj_learning.review import services as review

from . import audit, records
from .imports import ImportFileError, export_records, import_records, read_rows
from .models import Member, RecordChange

STAFF_ROLES = scope.STAFF_ROLES


def _require_staff(request):
    if not scope.has_role(request.user, STAFF_ROLES):
        raise PermissionDenied


def _members(user):
    return scope.filter_members(user, Member.objects.all(), roles=STAFF_ROLES)


def _member(request, pk):
    return get_object_or_404(_members(request.user).select_related("unit"), pk=pk)


def _changes(user):
    return scope.filter_members(user, RecordChange.objects.all(), roles=STAFF_ROLES)


def record_list(request):
    _require_staff(request)
    members = _members(request.user).select_related("unit").order_by("unit__path", "member_number")
    query = request.GET.get("q", "").strip()
    if query:
        members = members.filter(Q(name__icontains=query) | Q(member_number__icontains=query))
    unit_id = request.GET.get("unit")
    units = scope.visible_units(request.user, roles=STAFF_ROLES).order_by("path")
    if unit_id and unit_id.isdigit():
        unit = units.filter(pk=unit_id).first()
        if unit is not None:
            members = members.filter(unit__path__startswith=unit.path)
    status = request.GET.get("status", "")
    if status in Member.Status.values:
        members = members.filter(status=status)
    page = Paginator(members, 50).get_page(request.GET.get("p"))
    for member in page:
        member.shown_id_number = records.id_number_for(request.user, member)
    return render(
        request,
        "dj_learning/members/admin/record_list.html",
        {
            "title": _("Member records"),
            "page_obj": page,
            "query": query,
            "units": units,
            "unit_id": unit_id,
            "statuses": Member.Status.choices,
            "status": status,
            "may_add": scope.has_role(request.user, records.CLERK_ROLES),
            "pending": review.level_counts(request.user, RecordChange.objects.all()),
        },
    )


def record_detail(request, pk):
    _require_staff(request)
    member = _member(request, pk)
    member.shown_id_number = records.id_number_for(request.user, member)
    applied = records.history(member)
    for change in applied:
        change.rows = records.display_changes(change, request.user)
    pending = member.record_changes.exclude(status=RecordChange.Status.APPLIED).prefetch_related(
        "steps__actor"
    )
    return render(
        request,
        "dj_learning/members/admin/record_detail.html",
        {
            "title": member.name,
            "member": member,
            "values": [
                (
                    Member._meta.get_field(name).verbose_name,
                    member.shown_id_number
                    if name == "id_number"
                    else records.display(name, records.as_text(name, getattr(member, name))),
                )
                for name in Member.record_fields
            ],
            "history": applied,
            "pending": pending,
            "may_edit": records.may_edit(request.user, member),
        },
    )


def record_edit(request, pk=None):
    _require_staff(request)
    member = _member(request, pk) if pk else None
    if member is not None and not records.may_edit(request.user, member):
        raise PermissionDenied
    if member is None and not scope.has_role(request.user, records.CLERK_ROLES):
        raise PermissionDenied
    form = records.RecordForm(request.POST or None, instance=member or Member())
    if member is not None and not records.can_see_identity(request.user, member):
        form.initial["id_number"] = member.masked_id_number
    if request.method == "POST" and form.is_valid():
        reason = request.POST.get("reason", "")
        values = form.cleaned_data
        try:
            change = records.propose_change(request.user, member, values, reason)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("The request was sent for review."))
            return redirect("learning_records:change", change.pk)
    return render(
        request,
        "dj_learning/members/admin/record_edit.html",
        {
            "title": _("Propose a change") if member else _("New member record"),
            "form": form,
            "member": member,
            "reason": request.POST.get("reason", ""),
        },
    )


def _add_errors(form, error):
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def review_queue(request):
    _require_staff(request)
    queue = review.queue_for(request.user, RecordChange.objects.select_related("member"))
    for change in queue:
        change.rows = records.display_changes(change, request.user)
    mine = _changes(request.user).filter(
        requested_by=request.user, status=RecordChange.Status.REJECTED
    )
    return render(
        request,
        "dj_learning/members/admin/review_queue.html",
        {
            "title": _("Review queue"),
            "queue": queue,
            "counts": review.level_counts(request.user, RecordChange.objects.all()),
            "returned": mine,
        },
    )


def change_detail(request, pk):
    _require_staff(request)
    change = get_object_or_404(
        _changes(request.user).select_related("member", "unit", "requested_by"), pk=pk
    )
    change.rows = records.display_changes(change, request.user)
    allowed, why = review.may_review(request.user, change)
    form = None
    if change.status == RecordChange.Status.REJECTED and change.requested_by_id == request.user.pk:
        instance = change.member or Member(member_number=change.member_number)
        form = records.RecordForm(
            instance=instance,
            initial={name: pair[1] for name, pair in change.changes.items() if name != "unit"},
        )
    return render(
        request,
        "dj_learning/members/admin/change_detail.html",
        {
            "title": _("Record change"),
            "change": change,
            "may_review": allowed,
            "why_not": why,
            "steps": change.steps.select_related("actor"),
            "level_unit": review.level_unit(change) if change.status == "pending" else None,
            "form": form,
        },
    )


@require_POST
def change_decide(request, pk):
    _require_staff(request)
    change = get_object_or_404(_changes(request.user), pk=pk)
    comment = request.POST.get("comment", "")
    level = change.level
    try:
        if request.POST.get("decision") == "approve":
            change = review.approve(change, request.user, comment)
            audit.log_decision(change, request.user, "approve", comment, level)
            done = change.status == RecordChange.Status.APPLIED
            messages.success(
                request, _("Approved and applied to the record.") if done else _("Approved.")
            )
        else:
            change = review.reject(change, request.user, comment)
            audit.log_decision(change, request.user, "reject", comment, level)
            messages.success(request, _("Returned to the clerk."))
    except review.ReviewError as error:
        messages.error(request, str(error))
        return redirect("learning_records:change", pk)
    return redirect("learning_records:review")


@require_POST
def change_resubmit(request, pk):
    _require_staff(request)
    change = get_object_or_404(_changes(request.user), pk=pk)
    form = records.RecordForm(request.POST, instance=change.member or Member())
    if form.is_valid():
        try:
            records.resubmit(
                request.user, change, form.cleaned_data, request.POST.get("reason", "")
            )
        except (ValidationError, review.ReviewError) as error:
            messages.error(request, "; ".join(getattr(error, "messages", [str(error)])))
        else:
            messages.success(request, _("The request was sent for review again."))
    else:
        messages.error(request, _("Correct the errors and try again."))
    return redirect("learning_records:change", pk)


def import_view(request):
    _require_staff(request)
    if not scope.has_role(request.user, records.CLERK_ROLES):
        raise PermissionDenied
    report = None
    error = None
    if request.method == "POST" and request.FILES.get("file"):
        upload = request.FILES["file"]
        dry_run = request.POST.get("dry_run") == "1"
        try:
            # Judged by content (an Excel file that unpacks to too much is refused).
            checked = uploads.check_upload(upload, kinds=(uploads.XLSX, uploads.TEXT))
            rows = read_rows(checked.name, checked.read())
            report = import_records(
                request.user, rows, dry_run=dry_run, reason=request.POST.get("reason", "")
            )
        except ValidationError as problem:
            error = " ".join(problem.messages)
        except ImportFileError as problem:
            error = str(problem)
        else:
            if not dry_run:
                messages.success(
                    request,
                    _("%(count)d requests were sent for review.") % {"count": report.submitted},
                )
    return render(
        request,
        "dj_learning/members/admin/import.html",
        {"title": _("Import member records"), "report": report, "error": error},
    )


def export_view(request):
    _require_staff(request)
    members = _members(request.user).select_related("unit").order_by("unit__path", "member_number")
    content = export_records(request.user, members)
    log_scope_export(request.user, "member records", roles=STAFF_ROLES)
    response = HttpResponse(
        content,
        content_type=XLSX,
    )
    stamp = timezone.localtime().strftime("%Y%m%d")
    response["Content-Disposition"] = f'attachment; filename="member-records-{stamp}.xlsx"'
    return response
