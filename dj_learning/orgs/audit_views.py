"""The "Audit log" admin report: who did what, when, to which object, within the user's subtree.

Read-only (the report has no form that writes; Wagtail offers no edit or
delete of log entries). Staff of any role see their subtree's entries
(``audit.entries_for``); administrators (the admin role, superusers) also
download them as Excel, and that download is itself logged.
"""

import datetime

import django_filters
from django.contrib.admin.models import LogEntry
from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.db.models import Q
from django.utils.formats import date_format
from django.utils.text import capfirst
from django.utils.timezone import is_aware, localtime, make_naive
from django.utils.translation import gettext, gettext_lazy, pgettext_lazy
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet
from wagtail.admin.ui.tables import Column
from wagtail.admin.views.reports import ReportView
from wagtail.log_actions import registry as log_action_registry
from wagtail.models import ModelLogEntry

from . import audit, scope
from .exports import safe_cell
from .models import StaffRole, Unit

#: Roles that download the log (clerks and reviewers read it on screen only).
EXPORT_ROLES = (StaffRole.Role.ADMIN,)
#: Keys of an entry's ``data`` not shown as its change (the unit has its own column).
HIDDEN_KEYS = {audit.UNIT_KEY, "username"}


def may_read(user):
    return scope.has_role(user, scope.STAFF_ROLES)


def may_export(user):
    return scope.has_role(user, EXPORT_ROLES)


class AuditLogFilterSet(WagtailFilterSet):
    action = django_filters.ChoiceFilter(
        label=gettext_lazy("Action"), choices=lambda: log_action_registry.get_choices()
    )
    person = django_filters.CharFilter(
        label=gettext_lazy("Person"),
        method="filter_person",
        help_text=gettext_lazy("Part of a name or username."),
    )
    timestamp = django_filters.DateFromToRangeFilter(
        label=gettext_lazy("Date"), widget=DateRangePickerWidget
    )

    def filter_person(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(user__username__icontains=value)
            | Q(user__first_name__icontains=value)
            | Q(user__last_name__icontains=value)
            | Q(data__username__icontains=value)
        )

    class Meta:
        model = ModelLogEntry
        fields = []


def person(entry):
    """ "Full name (username)" of who acted; the name tried for a failed sign-in; or "system"."""
    user = entry.user if entry.user_id else None
    if user is not None:
        full_name = user.get_full_name().strip()
        username = user.get_username()
        return f"{full_name} ({username})" if full_name else username
    if entry.user_id:  # the account was deleted since: Wagtail shows its id
        return str(entry.user_display_name)
    if entry.data.get("username"):
        return entry.data["username"]
    return gettext("System")


def _field_label(model, name):
    try:
        return capfirst(model._meta.get_field(name).verbose_name)
    except (AttributeError, FieldDoesNotExist):
        return name


#: The words of an entry's ``data`` as staff read them (keys not listed show as they are).
KEY_LABELS = {
    "reason": pgettext_lazy("audit log", "reason"),
    "comment": pgettext_lazy("audit log", "comment"),
    "ip_address": pgettext_lazy("audit log", "address"),
    "username": pgettext_lazy("audit log", "name tried"),
    "via": pgettext_lazy("audit log", "through"),
    "added": pgettext_lazy("audit log", "added"),
    "removed": pgettext_lazy("audit log", "removed"),
    "export": pgettext_lazy("audit log", "exported"),
    "rows": pgettext_lazy("audit log", "rows"),
    "format": pgettext_lazy("audit log", "format"),
    "year": pgettext_lazy("audit log", "year"),
    "number": pgettext_lazy("audit log", "number"),
    "member": pgettext_lazy("audit log", "member"),
    "assignee": pgettext_lazy("audit log", "assigned to"),
    "amount": pgettext_lazy("audit log", "amount"),
    "points": pgettext_lazy("audit log", "points"),
    "status": pgettext_lazy("audit log", "status"),
    "action": pgettext_lazy("audit log", "action"),
    "change": pgettext_lazy("audit log", "change"),
    "before": pgettext_lazy("audit log", "before"),
    "role": pgettext_lazy("audit log", "role"),
    "user": pgettext_lazy("audit log", "account"),
    "unit": pgettext_lazy("audit log", "unit"),
}
#: The Django admin's actions (``learning_orgs.django_admin`` entries), as staff read them.
ACTION_LABELS = {
    "added": pgettext_lazy("audit log", "added"),
    "changed": pgettext_lazy("audit log", "changed"),
    "deleted": pgettext_lazy("audit log", "deleted"),
}


def change(entry):
    """The entry's change as one line: the changed fields with their new values, then the rest."""
    model = entry.content_type.model_class() if entry.content_type_id else None
    parts = []
    for key, value in entry.data.items():
        if key in HIDDEN_KEYS or value in (None, "", [], {}):
            continue
        if key == "changed" and isinstance(value, dict):
            parts.extend(f"{_field_label(model, k)}: {v}" for k, v in value.items())
        elif key == "change" and entry.action == "learning_orgs.django_admin":
            # The Django admin's message, kept as its JSON and read in today's language.
            message = LogEntry(change_message=value).get_change_message()
            parts.append(f"{KEY_LABELS[key]}: {message}")
        elif key == "action":
            parts.append(f"{KEY_LABELS[key]}: {ACTION_LABELS.get(value, value)}")
        elif isinstance(value, dict):
            inner = ", ".join(f"{KEY_LABELS.get(k, k)} {v}" for k, v in value.items())
            parts.append(f"{KEY_LABELS.get(key, key)}: {inner}")
        else:
            parts.append(f"{KEY_LABELS.get(key, key)}: {value}")
    return "; ".join(parts)


def when(entry):
    return date_format(localtime(entry.timestamp), "Y-m-d H:i:s")


def what(entry):
    return f"{entry.object_verbose_name}: {entry.label}" if entry.content_type_id else entry.label


class AuditLogView(ReportView):
    page_title = gettext_lazy("Audit log")
    header_icon = "history"
    filterset_class = AuditLogFilterSet
    index_url_name = "learning_audit"
    index_results_url_name = "learning_audit_results"
    paginate_by = 50
    columns = [
        Column("when", label=gettext_lazy("Time"), accessor=when),
        Column("person", label=gettext_lazy("Person"), accessor=person),
        Column("message", label=gettext_lazy("Action")),
        Column("what", label=gettext_lazy("Object"), accessor=what),
        Column("change", label=gettext_lazy("Change"), accessor=change),
        Column("unit_name", label=gettext_lazy("Unit")),
    ]
    list_export = ["timestamp", "person", "username", "message", "what", "change", "unit_name"]
    export_headings = {
        "timestamp": gettext_lazy("Time"),
        "person": gettext_lazy("Person"),
        "username": gettext_lazy("Username"),
        "message": gettext_lazy("Action"),
        "what": gettext_lazy("Object"),
        "change": gettext_lazy("Change"),
        "unit_name": gettext_lazy("Unit"),
    }
    custom_value_preprocess = {
        **ReportView.custom_value_preprocess,
        # A failed sign-in stores the name typed, by anyone: never a formula in a cell.
        str: {"csv": safe_cell, "xlsx": safe_cell},
        # The site's local times, as on the screen.
        datetime.datetime: {
            "csv": lambda value: f"{localtime(value):%Y-%m-%d %H:%M:%S}",
            "xlsx": lambda value: make_naive(value) if is_aware(value) else value,
        },
    }

    def dispatch(self, request, *args, **kwargs):
        if not may_read(request.user):
            raise PermissionDenied
        if self.is_export and not may_export(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self):
        return audit.entries_for(self.request.user).order_by("-timestamp", "-pk")

    def get_filename(self):
        return "audit-log-" + localtime().strftime("%Y-%m-%d")

    @property
    def show_export_buttons(self):
        return may_export(self.request.user)

    def decorate_paginated_queryset(self, object_list):
        """Name each entry's unit (one query for the page) and give the export its columns."""
        entries = list(object_list)
        unit_ids = {e.data.get(audit.UNIT_KEY) for e in entries} - {None}
        names = dict(Unit.objects.filter(pk__in=unit_ids).values_list("pk", "name"))
        for entry in entries:
            entry.unit_name = names.get(entry.data.get(audit.UNIT_KEY), "")
            entry.person = person(entry)
            entry.username = (
                entry.user.get_username() if entry.user else entry.data.get("username", "")
            )
            entry.what = what(entry)
            entry.change = change(entry)
        return entries

    def render_to_response(self, context, **response_kwargs):
        if self.is_export:
            audit.log_scope_export(self.request.user, "audit log", rows=len(context["object_list"]))
        return super().render_to_response(context, **response_kwargs)
