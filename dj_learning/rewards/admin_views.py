"""Points in the Wagtail admin: viewsets for the catalog, rules, redemptions and awards.

Every list, form, export and object is scoped to the staff's subtree through
``orgs.viewsets`` (each model's ``ScopePolicy`` is registered in
``wagtail_hooks``). Thin: changes of points go through ``services`` and
``awards``; the screens a viewset cannot express (fulfil or cancel a
redemption, start an award and follow it) are small views registered on their
viewset.
"""

import django_filters
from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.forms import inlineformset_factory
from django.http import JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.functional import cached_property
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.tables import BooleanColumn, Column
from wagtail.admin.viewsets.model import ModelViewSetGroup
from wagtail.log_actions import log

from dj_learning import jobs
from dj_learning.courses.services import recent_years, year_or_current
from dj_learning.members.services import person_name
from dj_learning.orgs import regions, scope
from dj_learning.orgs.exports import safe_cell
from dj_learning.orgs.viewsets import (
    ScopedCreateView,
    ScopedEditView,
    ScopedModelViewSet,
    UnitFilter,
    policy_of,
)

from . import awards, services
from .admin_scope import ADMIN_ROLES, FULFIL_ROLES
from .models import CatalogItem, PointRule, Redemption, RuleWindow, TranscriptAward


def _require(user, model, action):
    if not policy_of(model).user_has_permission(user, action):
        raise PermissionDenied


def _in_scope(user, model, action):
    """The rows of ``model`` that ``user`` may ``action`` (404 for the others)."""
    return policy_of(model).instances_user_has_permission_for(user, action)


class PointsViewSet(ScopedModelViewSet):
    export_text = staticmethod(safe_cell)


# -- The catalog -----------------------------------------------------------------------------


class CatalogViewSet(PointsViewSet):
    model = CatalogItem
    name = "learning_points_items"
    url_prefix = "learning/points/catalog"
    icon = "pick"
    menu_label = gettext_lazy("Rewards catalog")
    menu_order = 20
    # Items that were redeemed cannot be deleted (the redemptions keep them); switch them off.
    views = ("index", "add", "edit", "history")
    form_fields = [
        "unit",
        "title",
        "description",
        "image",
        "cost",
        "stock",
        "per_member_limit",
        "starts_at",
        "ends_at",
        "active",
    ]
    select_related = ("unit",)
    ordering = ["unit__path", "title"]
    list_display = [
        "title",
        "unit",
        "cost",
        "stock",
        "per_member_limit",
        "starts_at",
        "ends_at",
        BooleanColumn("active", label=gettext_lazy("Active")),
    ]
    list_filter = ["active"]
    search_fields = ["title", "description"]
    list_export = [
        "unit.name",
        "title",
        "cost",
        "stock",
        "per_member_limit",
        "starts_at",
        "ends_at",
        "active",
    ]
    export_headings = {"unit.name": gettext_lazy("Region")}
    export_filename = "rewards-catalog"


# -- Rules -----------------------------------------------------------------------------------


WindowFormSet = inlineformset_factory(
    PointRule,
    RuleWindow,
    fields=["starts_at", "ends_at", "multiplier"],
    extra=1,
    can_delete=True,
    widgets={
        "starts_at": forms.DateTimeInput(attrs={"type": "datetime-local"}),
        "ends_at": forms.DateTimeInput(attrs={"type": "datetime-local"}),
    },
)


class WindowsMixin:
    """A rule's time windows, edited with the rule as an inline formset."""

    @cached_property
    def windows(self):
        return WindowFormSet(
            self.request.POST if self.request.method == "POST" else None,
            instance=getattr(self, "object", None) or PointRule(),
        )

    def get_context_data(self, **kwargs):
        return super().get_context_data(windows=self.windows, **kwargs)

    def is_valid(self, form):
        valid = super().is_valid(form)
        return self.windows.is_valid() and valid

    def save_instance(self):
        rule = super().save_instance()
        self.windows.instance = rule
        self.windows.save()
        return rule


class RuleCreateView(WindowsMixin, ScopedCreateView):
    pass


class RuleEditView(WindowsMixin, ScopedEditView):
    pass


def _windows(rule):
    return "; ".join(
        f"{localtime(w.starts_at):%Y-%m-%d %H:%M} – {localtime(w.ends_at):%Y-%m-%d %H:%M}"
        f" × {w.multiplier}"
        for w in rule.windows.all()
    )


class RuleViewSet(PointsViewSet):
    model = PointRule
    name = "learning_points_rules"
    url_prefix = "learning/points/rules"
    icon = "cog"
    menu_label = gettext_lazy("Point rules")
    menu_order = 30
    add_view_class = RuleCreateView
    edit_view_class = RuleEditView
    create_template_name = "dj_learning/rewards/admin/rule_create.html"
    edit_template_name = "dj_learning/rewards/admin/rule_edit.html"
    form_fields = [
        "unit",
        "action",
        "points",
        "daily_cap",
        "once_per_item",
        "min_study_seconds",
        "active",
    ]
    select_related = ("unit",)
    prefetch_related = ("windows",)
    ordering = ["unit__path", "action"]
    list_display = [
        "action",
        "unit",
        "points",
        "daily_cap",
        BooleanColumn("once_per_item", label=gettext_lazy("Once per item")),
        "min_study_seconds",
        Column("windows", label=gettext_lazy("Time windows"), accessor=_windows),
        BooleanColumn("active", label=gettext_lazy("Active")),
    ]
    list_filter = ["action", "active"]
    list_export = [
        "unit.name",
        "get_action_display",
        "points",
        "daily_cap",
        "once_per_item",
        "min_study_seconds",
        "active",
    ]
    export_headings = {
        "unit.name": gettext_lazy("Region"),
        "get_action_display": gettext_lazy("Action"),
    }
    export_filename = "point-rules"


# -- Redemptions -----------------------------------------------------------------------------


class RedemptionFilterSet(WagtailFilterSet):
    status = django_filters.ChoiceFilter(
        label=gettext_lazy("Status"), choices=Redemption.Status.choices, empty_label=None
    )
    code = django_filters.CharFilter(label=gettext_lazy("Pick-up code"), method="by_code")
    unit = UnitFilter(roles=FULFIL_ROLES, unit_field="member__unit")

    class Meta:
        model = Redemption
        fields = []

    def __init__(self, data=None, *args, **kwargs):
        # The counter's view: waiting redemptions, unless a status, a code or a search is asked for.
        asked = data and any(data.get(key, "").strip() for key in ("status", "code", "q"))
        if data is not None and not asked:
            data = data.copy()
            data["status"] = Redemption.Status.PENDING
        super().__init__(data, *args, **kwargs)

    def by_code(self, queryset, name, value):
        return queryset.filter(code=value.strip().upper())

    def filter_queryset(self, queryset):
        # A pick-up code finds its redemption whatever its status.
        if code := self.form.cleaned_data.get("code", "").strip():
            return self.by_code(queryset, "code", code)
        return super().filter_queryset(queryset)


class DecisionColumn(Column):
    """Fulfil or cancel (with a reason) a waiting redemption: POST forms with CSRF."""

    cell_template_name = "dj_learning/rewards/admin/redemption_decision.html"

    def get_cell_context_data(self, instance, parent_context):
        context = super().get_cell_context_data(instance, parent_context)
        context["csrf_token"] = get_token(parent_context["request"])
        return context


def _member(redemption):
    return f"{redemption.member.name} ({redemption.member.member_number})"


def _status(redemption):
    status = redemption.get_status_display()
    return f"{status} · {redemption.reason}" if redemption.reason else status


class RedemptionViewSet(PointsViewSet):
    model = Redemption
    name = "learning_points_redemptions"
    url_prefix = "learning/points/redemptions"
    icon = "tick"
    menu_label = gettext_lazy("Redemptions")
    menu_order = 10
    views = ("index",)
    select_related = ("member", "member__unit", "item")
    ordering = ["-created_at", "-pk"]
    list_per_page = 50
    list_display = [
        "created_at",
        Column("member", label=gettext_lazy("Member"), accessor=_member),
        Column("unit", label=gettext_lazy("Unit"), accessor="member.unit.name"),
        "title",
        "cost",
        "code",
        Column("status", label=gettext_lazy("Status"), accessor=_status),
        DecisionColumn("decision", label=""),
    ]
    filterset_class = RedemptionFilterSet
    search_fields = ["code", "member__name", "member__member_number", "title"]
    list_export = [
        "created_at",
        "member.member_number",
        "member.name",
        "member.unit.name",
        "title",
        "cost",
        "code",
        "get_status_display",
        "decided_at",
        "reason",
    ]
    export_headings = {
        "member.member_number": gettext_lazy("Member number"),
        "member.name": gettext_lazy("Name"),
        "member.unit.name": gettext_lazy("Unit"),
        "get_status_display": gettext_lazy("Status"),
    }
    export_filename = "redemptions"

    def get_extra_urlpatterns(self):
        return [path("<int:pk>/decide/", redemption_decide, name="decide")]


@require_POST
def redemption_decide(request, pk):
    """Fulfil or cancel one redemption, then back to the list."""
    _require(request.user, Redemption, "change")
    redemption = get_object_or_404(_in_scope(request.user, Redemption, "change"), pk=pk)
    try:
        if request.POST.get("decision") == "fulfil":
            services.fulfil(redemption, request.user)
            log(redemption, "learning_rewards.fulfil", user=request.user)
            messages.success(request, _("Marked as fulfilled."))
        else:
            reason = request.POST.get("reason", "").strip()
            services.cancel(redemption, request.user, reason)
            log(redemption, "learning_rewards.cancel", user=request.user, data={"reason": reason})
            messages.success(
                request, _("Cancelled: the points were refunded and the stock restored.")
            )
    except services.PointsError as error:
        messages.error(request, str(error))
    return redirect("learning_points_redemptions:index")


# -- Awards from transcripts ------------------------------------------------------------------


class ItemChoiceField(forms.ModelChoiceField):
    """Catalog items named with their region, so that two regions' items are told apart."""

    def label_from_instance(self, obj):
        return regions.with_region(obj.title, regions.region_name(obj.unit.path))


class AwardForm(forms.Form):
    unit = forms.ModelChoiceField(label=gettext_lazy("Unit"), queryset=None)
    year = forms.TypedChoiceField(label=gettext_lazy("Study year"), coerce=int, choices=())
    criterion = forms.ChoiceField(
        label=gettext_lazy("Members who"),
        choices=TranscriptAward.Criterion.choices,
        widget=forms.RadioSelect,
        initial=TranscriptAward.Criterion.MET,
    )
    top_n = forms.IntegerField(
        label=gettext_lazy("How many members (N)"),
        min_value=1,
        required=False,
        help_text=gettext_lazy(
            "The N members of the unit with the most credits in the study year are awarded."
        ),
    )
    min_credits = forms.DecimalField(
        label=gettext_lazy("Credits at least (X)"),
        min_value=0,
        max_digits=6,
        decimal_places=2,
        required=False,
        help_text=gettext_lazy(
            "Every member of the unit with X credits or more in the study year is awarded."
        ),
    )
    points = forms.IntegerField(
        label=gettext_lazy("Points"),
        min_value=1,
        required=False,
        help_text=gettext_lazy("Points each member receives; or choose a catalog item below."),
    )
    item = ItemChoiceField(
        label=gettext_lazy("or a catalog item"),
        queryset=None,
        required=False,
        help_text=gettext_lazy("Each member receives one, with a pick-up code."),
    )
    other = forms.ChoiceField(label=gettext_lazy("or"), required=False, choices=())
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("Shown to the members in their points history."),
    )
    #: The fields shown only when their criterion is chosen (the rest of the form always).
    criterion_fields = {"top_n": "top", "min_credits": "min_credits"}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = scope.visible_units(user, roles=ADMIN_ROLES).order_by("path")
        self.fields["item"].queryset = (
            _in_scope(user, CatalogItem, "change")
            .filter(active=True)
            .select_related("unit")
            .order_by("unit__path", "title")
        )
        self.fields["year"].choices = [(y, y) for y in recent_years()]
        self.fields["year"].initial = year_or_current(None)
        # The kinds other apps registered (a certificate): "kind:target" choices.
        other = [
            (str(kind.label), [(f"{name}:{target}", label) for target, label in kind.choices(user)])
            for name, kind in awards.kinds.items()
        ]
        if any(group for _label, group in other):
            self.fields["other"].choices = [("", "---------"), *other]
        else:
            del self.fields["other"]

    def rows(self):
        """``(bound field, criterion or None)``: the template shows a criterion's field only
        while that criterion is chosen (CSS, no JavaScript needed)."""
        return [(field, self.criterion_fields.get(field.name)) for field in self]

    def clean(self):
        data = super().clean()
        kind, _sep, target = (data.get("other") or "").partition(":")
        data["kind"], data["target"] = kind, target
        given = [data.get("points") is not None, data.get("item") is not None, bool(kind)]
        if sum(given) != 1:
            raise forms.ValidationError(_("Award either points or a catalog item."))
        if data.get("criterion") == TranscriptAward.Criterion.TOP and not data.get("top_n"):
            self.add_error("top_n", _("Give N, the number of members to award."))
        if (
            data.get("criterion") == TranscriptAward.Criterion.MIN_CREDITS
            and data.get("min_credits") is None
        ):
            self.add_error("min_credits", _("Give X, the credits a member needs at least."))
        return data


def _award_data(data):
    """What an award gives, for its audit entry: the form's answers as text."""
    return {
        name: str(value)
        for name, value in data.items()
        if value not in (None, "") and name != "unit"
    }


def award_new(request):
    """Start an award from transcripts through ``awards.request_award``; then its progress."""
    _require(request.user, TranscriptAward, "add")
    form = AwardForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            award = awards.request_award(
                request.user,
                data["unit"],
                data["year"],
                criterion=data["criterion"],
                top_n=data.get("top_n"),
                min_credits=data.get("min_credits"),
                points=data.get("points"),
                item=data.get("item"),
                kind=data["kind"],
                target=data["target"],
                reason=data["reason"],
            )
        except services.PointsError as error:
            form.add_error(None, str(error))
        else:
            log(award, "wagtail.create", user=request.user, data=_award_data(data))
            messages.success(request, _("The award is running; its progress shows below."))
            return redirect("learning_points_awards:detail", award.pk)
    return render(
        request,
        "dj_learning/rewards/admin/award_form.html",
        {"title": _("Award from transcripts"), "form": form},
    )


def award_detail(request, pk):
    """The audit trail: who awarded what, why, and to whom."""
    _require(request.user, TranscriptAward, "view")
    award = get_object_or_404(
        _in_scope(request.user, TranscriptAward, "view").select_related(
            "unit", "item", "requested_by__learning_member"
        ),
        pk=pk,
    )
    if request.method == "POST" and award.status == TranscriptAward.Status.FAILED:
        # Queued afresh, with its runs counted from nought (dj_learning.jobs.claim).
        TranscriptAward.objects.filter(pk=award.pk, status=award.status).update(
            status=TranscriptAward.Status.QUEUED, runs=0
        )
        jobs.queue("dj_learning.rewards.tasks.run_award", award.pk)
        log(award, "learning_rewards.resume_award", user=request.user)
        messages.success(request, _("Resumed: members already awarded are skipped."))
        return redirect("learning_points_awards:detail", award.pk)
    if award.kind:
        recipients = awards.kinds[award.kind].recipients(award)
    else:
        recipients = award.redemptions if award.item_id else award.entries
    recipients = recipients.select_related("member", "member__unit")
    return render(
        request,
        "dj_learning/rewards/admin/award.html",
        {
            "title": _("Award from transcripts"),
            "award": award,
            "awarded_by": person_name(award.requested_by),
            "page_obj": Paginator(recipients.order_by("member__member_number"), 100).get_page(
                request.GET.get("p")
            ),
        },
    )


def award_progress(request, pk):
    """The progress of an award as JSON, for its page to update itself while the job runs."""
    _require(request.user, TranscriptAward, "view")
    award = get_object_or_404(_in_scope(request.user, TranscriptAward, "view"), pk=pk)
    return JsonResponse(
        {
            "done": award.done,
            "total": award.total,
            "percent": award.percent,
            "status": award.status,
            "status_label": award.get_status_display(),
            "error": award.error,
            "finished": award.status
            in (TranscriptAward.Status.DONE, TranscriptAward.Status.FAILED),
        }
    )


def _criterion(award):
    text = award.get_criterion_display()
    if award.top_n:
        return f"{text} ({award.top_n})"
    if award.min_credits is not None:
        return f"{text} ({award.min_credits})"
    return text


def _requested_by(award):
    return person_name(award.requested_by)


def _progress(award):
    return f"{award.done} / {award.total} ({award.percent}%)"


class AwardViewSet(PointsViewSet):
    model = TranscriptAward
    name = "learning_points_awards"
    url_prefix = "learning/points/awards"
    icon = "pick"
    menu_label = gettext_lazy("Awards from transcripts")
    menu_order = 40
    # An award is an audit record: started through awards.request_award, never edited.
    views = ("index", "add")
    select_related = ("unit", "item", "requested_by__learning_member")
    ordering = ["-created_at", "-pk"]
    list_display = [
        "created_at",
        Column("requested_by", label=gettext_lazy("Awarded by"), accessor=_requested_by),
        "unit",
        "year",
        Column("criterion", label=gettext_lazy("Members who"), accessor=_criterion),
        Column("what", label=gettext_lazy("Award"), accessor="what"),
        Column("progress", label=gettext_lazy("Progress"), accessor=_progress),
        "status",
    ]
    list_filter = ["year", "status", "criterion"]
    search_fields = ["reason"]
    list_export = [
        "created_at",
        "requested_by",
        "unit.name",
        "year",
        "get_criterion_display",
        "top_n",
        "min_credits",
        "what",
        "reason",
        "total",
        "done",
        "awarded",
        "get_status_display",
    ]
    export_headings = {
        "unit.name": gettext_lazy("Unit"),
        "get_criterion_display": gettext_lazy("Members who"),
        "what": gettext_lazy("Award"),
        "get_status_display": gettext_lazy("Status"),
    }
    export_filename = "awards-from-transcripts"

    @property
    def add_view(self):
        return award_new

    def get_index_view_kwargs(self, **kwargs):
        # The list links each award to its progress page.
        return super().get_index_view_kwargs(inspect_url_name=self.get_url_name("detail"), **kwargs)

    def get_extra_urlpatterns(self):
        return [
            path("<int:pk>/", award_detail, name="detail"),
            path("<int:pk>/progress/", award_progress, name="progress"),
        ]


class PointsGroup(ModelViewSetGroup):
    menu_label = gettext_lazy("Points")
    menu_icon = "pick"
    menu_order = 265
    items = (RedemptionViewSet, CatalogViewSet, RuleViewSet, AwardViewSet)
