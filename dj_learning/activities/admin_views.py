"""Activities, attendance, volunteer service and lobby screens in the Wagtail admin, scoped to
the staff member's subtree. Thin: the rules are in ``services``.

Activities are a scoped viewset (list, create, edit, delete, history, export);
the attendance list of an activity, marking by hand, crediting and its Excel
export are small views registered on it. Volunteer service is a list with the
entries waiting for the user's decision, decided through the review flow.
"""

from django import forms
from django.contrib import messages
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from wagtail.admin.ui.tables import Column
from wagtail.admin.viewsets.model import ModelViewSetGroup
from wagtail.log_actions import log

from dj_learning import uploads
from dj_learning.members.models import Member
from dj_learning.orgs import scope
from dj_learning.orgs.audit import log_export
from dj_learning.orgs.exports import safe_cell, xlsx_response
from dj_learning.orgs.models import Unit
from dj_learning.orgs.viewsets import (
    ScopedCreateView,
    ScopedIndexView,
    ScopedModelViewSet,
    ScopedUnitForm,
    ScopePolicy,
)
from dj_learning.review import services as review

from . import services
from .models import Activity, LobbyScreen, Volunteering

ACTIVITIES = ScopePolicy(
    Activity, services.STAFF_ROLES, actions=("add", "change", "delete", "view")
)
VOLUNTEERING = ScopePolicy(Volunteering, services.STAFF_ROLES, actions=("view",))
SCREENS = ScopePolicy(LobbyScreen, services.STAFF_ROLES, actions=("add", "change", "view"))


# -- Activities --------------------------------------------------------------------------


class ActivityForm(ScopedUnitForm):
    """An activity: organized by a branch or a unit above it, ending after it starts."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "unit" in self.fields:
            self.fields["unit"].queryset = self.fields["unit"].queryset.exclude(
                kind=Unit.Kind.SUB_BRANCH
            )

    def clean(self):
        data = super().clean()
        starts, ends = data.get("starts_at"), data.get("ends_at")
        if starts and ends and ends <= starts:
            self.add_error("ends_at", _("The activity must end after it starts."))
        deadline = data.get("signup_deadline")
        if deadline and ends and deadline > ends:
            self.add_error("signup_deadline", _("The sign-up deadline must be before the end."))
        if (data.get("capacity") or deadline) and not data.get("signup"):
            self.add_error(
                "signup", _("Capacity and deadline apply only when members sign up: tick it.")
            )
        return data


class ActivityCreateView(ScopedCreateView):
    def save_instance(self):
        self.form.instance.created_by = self.request.user
        return super().save_instance()


class LinksColumn(Column):
    cell_template_name = "dj_learning/activities/admin/links_cell.html"


class ActivityViewSet(ScopedModelViewSet):
    model = Activity
    name = "learning_activities"
    url_prefix = "learning/activities"
    icon = "date"
    menu_label = gettext_lazy("Activities")
    menu_order = 10
    add_view_class = ActivityCreateView
    form_fields = [
        "unit",
        "title",
        "kind",
        "description",
        "place",
        "starts_at",
        "ends_at",
        "signup",
        "capacity",
        "signup_deadline",
        "credit_hours",
        "credit_kind",
        "points",
    ]
    select_related = ("unit",)
    ordering = ["-starts_at", "-pk"]
    list_display = [
        "title",
        "unit",
        "kind",
        "starts_at",
        "place",
        LinksColumn("links", label=gettext_lazy("Check-in"), accessor=lambda activity: activity),
    ]
    list_filter = ["kind", "starts_at"]
    search_fields = ["title", "place"]
    list_export = ["title", "unit.name", "get_kind_display", "starts_at", "ends_at", "place"]
    export_headings = {
        "unit.name": gettext_lazy("Unit"),
        "get_kind_display": gettext_lazy("Kind"),
    }
    export_filename = "activities"
    export_text = staticmethod(safe_cell)

    def get_form_class(self, for_update=False):
        return forms.modelform_factory(self.model, form=ActivityForm, fields=self.form_fields)

    def get_extra_urlpatterns(self):
        return [
            path("<int:pk>/attendance/", attendance, name="attendance"),
            path("<int:pk>/attendance/mark/", mark, name="mark"),
            path("<int:pk>/attendance/credit/", credit, name="credit"),
            path("<int:pk>/attendance.xlsx", attendance_export, name="attendance_export"),
        ]


def _managed(request, pk):
    return get_object_or_404(services.managed_by(request.user).select_related("unit"), pk=pk)


class MarkForm(forms.Form):
    member = forms.CharField(
        label=gettext_lazy("Member number"),
        max_length=40,
        help_text=gettext_lazy("The member number of the member who came without a phone."),
    )
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=500)


def attendance(request, pk, form=None):
    activity = _managed(request, pk)
    rows = services.attendance_rows(activity)
    return render(
        request,
        "dj_learning/activities/admin/attendance.html",
        {
            "title": _("Attendance: %(title)s") % {"title": activity.title},
            "activity": activity,
            "rows": rows,
            "present": sum(1 for r in rows if r.status != "absent"),
            "absent": sum(1 for r in rows if r.status == "absent"),
            "form": form or MarkForm(),
        },
        status=400 if form is not None else 200,
    )


@require_POST
def mark(request, pk):
    activity = _managed(request, pk)
    form = MarkForm(request.POST)
    if not form.is_valid():
        return attendance(request, pk, form)
    number = form.cleaned_data["member"].strip()
    member = (
        scope.filter_members(
            request.user, Member.objects.select_related("unit"), roles=services.STAFF_ROLES
        )
        .filter(member_number=number)
        .first()
    )
    if member is None:
        form.add_error(
            "member", _("No member with the number %(number)s in your units.") % {"number": number}
        )
        return attendance(request, pk, form)
    try:
        record, _entry = services.mark_by_hand(
            request.user, activity, member, form.cleaned_data["reason"]
        )
    except services.ActivityError as error:
        form.add_error(None, str(error))
        return attendance(request, pk, form)
    log(
        activity,
        "learning_activities.mark",
        user=request.user,
        data={"member": member.member_number, "reason": record.reason},
    )
    messages.success(request, _("%(name)s is marked present.") % {"name": member.name})
    return redirect("learning_activities:attendance", activity.pk)


@require_POST
def credit(request, pk):
    """Queue the bulk action (a branch may have hundreds of attendees); safe to press twice."""
    from django_q.tasks import async_task

    activity = _managed(request, pk)
    user_id = request.user.pk
    transaction.on_commit(
        lambda: async_task("dj_learning.activities.tasks.credit_attendance", activity.pk, user_id)
    )
    messages.success(
        request,
        _(
            "The attendees' credits and points are being recorded; refresh the page to see "
            "the credits' status."
        ),
    )
    return redirect("learning_activities:attendance", activity.pk)


def attendance_export(request, pk):
    from openpyxl import Workbook

    activity = _managed(request, pk)
    log_export(request.user, activity, "attendance")
    book = Workbook()
    sheet = book.active
    sheet.title = str(_("Attendance"))[:31]
    sheet.append(
        [
            str(_("Member number")),
            str(_("Name")),
            str(_("Unit")),
            str(_("Attendance")),
            str(_("At")),
            str(_("Reason")),
            str(_("Signed up")),
        ]
    )
    from django.utils.timezone import localtime

    for row in services.attendance_rows(activity):
        sheet.append(
            [
                safe_cell(row.member.member_number),
                safe_cell(row.member.name),
                safe_cell(row.member.unit.name),
                str(row.status_label),
                f"{localtime(row.attendance.at):%Y-%m-%d %H:%M}" if row.attendance else "",
                safe_cell(row.attendance.reason) if row.attendance else "",
                str(_("yes")) if row.signed_up else "",
            ]
        )
    return xlsx_response(book, f"attendance-{activity.pk}.xlsx")


# -- Volunteer service -------------------------------------------------------------------


def _volunteering(user):
    return VOLUNTEERING.instances_user_has_permission_for(user, "view")


@require_POST
def volunteering_decide(request, pk):
    entry = get_object_or_404(_volunteering(request.user), pk=pk)
    comment = request.POST.get("comment", "")
    try:
        if request.POST.get("decision") == "approve":
            review.approve(entry, request.user, comment)
            log(entry, "learning_activities.approve_volunteering", user=request.user)
            messages.success(request, _("Approved: the hours and their points count now."))
        else:
            review.reject(entry, request.user, comment)
            log(
                entry,
                "learning_activities.reject_volunteering",
                user=request.user,
                data={"comment": comment},
            )
            messages.success(request, _("Returned to the member with your reason."))
    except review.ReviewError as error:
        messages.error(request, str(error))
    return redirect("learning_volunteering:index")


def volunteering_proof(request, pk):
    entry = get_object_or_404(_volunteering(request.user), pk=pk)
    if not entry.proof:
        raise Http404
    return uploads.serve_private(entry.proof, as_attachment=False)


class VolunteeringIndexView(ScopedIndexView):
    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if not self.results_only:
            context["queue"] = review.queue_for(
                self.request.user, Volunteering.objects.select_related("member")
            )
        return context


def _member(entry):
    return f"{entry.member.name} ({entry.member.member_number})"


class VolunteeringViewSet(ScopedModelViewSet):
    model = Volunteering
    name = "learning_volunteering"
    url_prefix = "learning/volunteering"
    icon = "group"
    menu_label = gettext_lazy("Volunteer service")
    menu_order = 20
    index_view_class = VolunteeringIndexView
    index_template_name = "dj_learning/activities/admin/volunteering_index.html"
    # Logged by members, decided through the review flow.
    views = ("index",)
    select_related = ("member", "unit")
    ordering = ["-date", "-pk"]
    list_display = [
        "description",
        Column("member", label=gettext_lazy("Member"), accessor=_member),
        "unit",
        "date",
        "hours",
        "status",
    ]
    list_filter = ["status", "date"]
    search_fields = ["description", "member__name", "member__member_number"]
    list_export = [
        "member.member_number",
        "member.name",
        "unit.name",
        "date",
        "hours",
        "description",
        "get_status_display",
    ]
    export_headings = {
        "member.member_number": gettext_lazy("Member number"),
        "member.name": gettext_lazy("Name"),
        "unit.name": gettext_lazy("Unit"),
        "get_status_display": gettext_lazy("Status"),
    }
    export_filename = "volunteer-service"
    export_text = staticmethod(safe_cell)

    def get_extra_urlpatterns(self):
        return [
            path("<int:pk>/decide/", volunteering_decide, name="decide"),
            path("<int:pk>/proof/", volunteering_proof, name="proof"),
        ]


# -- Lobby screens -----------------------------------------------------------------------


class BoardLinkColumn(Column):
    cell_template_name = "dj_learning/activities/admin/board_link_cell.html"


class LobbyScreenViewSet(ScopedModelViewSet):
    model = LobbyScreen
    name = "learning_lobby_screens"
    url_prefix = "learning/lobby-screens"
    icon = "desktop"
    menu_label = gettext_lazy("Lobby screens")
    menu_order = 30
    views = ("index", "add", "edit", "history")
    form_fields = ["unit", "name", "revoked"]
    select_related = ("unit",)
    list_display = [
        "name",
        "unit",
        "revoked",
        BoardLinkColumn("token", label=gettext_lazy("Secret link"), accessor=lambda screen: screen),
    ]


class ActivitiesGroup(ModelViewSetGroup):
    menu_label = gettext_lazy("Activities")
    menu_icon = "date"
    menu_order = 262
    items = (ActivityViewSet, VolunteeringViewSet, LobbyScreenViewSet)
