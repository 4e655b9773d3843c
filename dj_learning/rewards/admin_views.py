"""Points in the Wagtail admin: rules, the catalog, redemptions and awards from transcripts.

Every list and every object is scoped to the staff's subtree through
``orgs.scope``; unit choices offer only the units the user administers. Thin:
changes of points go through ``services`` and ``awards``.
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.forms import inlineformset_factory
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from wagtail.images.widgets import AdminImageChooser

from dj_learning.courses.services import recent_years, year_or_current
from dj_learning.orgs import scope

from . import awards, services
from .admin_scope import (
    ADMIN_ROLES,
    FULFIL_ROLES,
    items_for_staff,
    redemptions_for_staff,
    rules_for_staff,
)
from .models import CatalogItem, PointRule, Redemption, RuleWindow, TranscriptAward


def _require(request, roles):
    if not scope.has_role(request.user, roles):
        raise PermissionDenied


def _units(user):
    return scope.visible_units(user, roles=ADMIN_ROLES).order_by("path")


class ScopedUnitForm(forms.ModelForm):
    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = _units(user)


# -- Rules -----------------------------------------------------------------------------------


class RuleForm(ScopedUnitForm):
    class Meta:
        model = PointRule
        fields = [
            "unit",
            "action",
            "points",
            "daily_cap",
            "once_per_item",
            "min_study_seconds",
            "active",
        ]


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


def rules(request):
    _require(request, ADMIN_ROLES)
    return render(
        request,
        "dj_learning/rewards/admin/rules.html",
        {
            "title": _("Point rules"),
            "rules": rules_for_staff(request.user)
            .select_related("unit")
            .prefetch_related("windows"),
        },
    )


def rule_edit(request, pk=None):
    _require(request, ADMIN_ROLES)
    rule = get_object_or_404(rules_for_staff(request.user), pk=pk) if pk else None
    form = RuleForm(request.POST or None, instance=rule, user=request.user)
    windows = WindowFormSet(request.POST or None, instance=rule or PointRule())
    if request.method == "POST" and form.is_valid() and windows.is_valid():
        rule = form.save()
        windows.instance = rule
        windows.save()
        messages.success(request, _("The rule was saved."))
        return redirect("learning_points_rules")
    return render(
        request,
        "dj_learning/rewards/admin/form.html",
        {
            "title": _("Point rule"),
            "form": form,
            "formset": windows,
            "formset_title": _("Time windows with a multiplier"),
            "back": "learning_points_rules",
        },
    )


# -- The catalog -----------------------------------------------------------------------------


class ItemForm(ScopedUnitForm):
    class Meta:
        model = CatalogItem
        fields = [
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
        widgets = {
            "image": AdminImageChooser,
            "starts_at": forms.DateTimeInput(attrs={"type": "datetime-local"}),
            "ends_at": forms.DateTimeInput(attrs={"type": "datetime-local"}),
        }


def items(request):
    _require(request, ADMIN_ROLES)
    return render(
        request,
        "dj_learning/rewards/admin/items.html",
        {
            "title": _("Rewards catalog"),
            "items": items_for_staff(request.user)
            .select_related("unit")
            .order_by("unit__path", "title"),
        },
    )


def item_edit(request, pk=None):
    _require(request, ADMIN_ROLES)
    item = get_object_or_404(items_for_staff(request.user), pk=pk) if pk else None
    form = ItemForm(request.POST or None, instance=item, user=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("The item was saved."))
        return redirect("learning_points_items")
    return render(
        request,
        "dj_learning/rewards/admin/form.html",
        {"title": _("Catalog item"), "form": form, "back": "learning_points_items"},
    )


# -- Redemptions -----------------------------------------------------------------------------


def redemptions(request):
    _require(request, FULFIL_ROLES)
    rows = redemptions_for_staff(request.user)
    status = request.GET.get("status", Redemption.Status.PENDING)
    code = request.GET.get("code", "").strip()
    if code:
        rows = rows.filter(code=code.upper())
    elif status in Redemption.Status.values:
        rows = rows.filter(status=status)
    return render(
        request,
        "dj_learning/rewards/admin/redemptions.html",
        {
            "title": _("Redemptions"),
            "page_obj": Paginator(rows, 50).get_page(request.GET.get("p")),
            "status": status,
            "code": code,
            "statuses": Redemption.Status.choices,
        },
    )


@require_POST
def redemption_decide(request, pk):
    _require(request, FULFIL_ROLES)
    redemption = get_object_or_404(redemptions_for_staff(request.user), pk=pk)
    try:
        if request.POST.get("decision") == "fulfil":
            services.fulfil(redemption, request.user)
            messages.success(request, _("Marked as fulfilled."))
        else:
            services.cancel(redemption, request.user, request.POST.get("reason", "").strip())
            messages.success(
                request, _("Cancelled: the points were refunded and the stock restored.")
            )
    except services.PointsError as error:
        messages.error(request, str(error))
    return redirect("learning_points_redemptions")


# -- Awards from transcripts ------------------------------------------------------------------


class AwardForm(forms.Form):
    unit = forms.ModelChoiceField(label=gettext_lazy("Unit"), queryset=None)
    year = forms.TypedChoiceField(label=gettext_lazy("Study year"), coerce=int, choices=())
    criterion = forms.ChoiceField(
        label=gettext_lazy("Members who"), choices=TranscriptAward.Criterion.choices
    )
    top_n = forms.IntegerField(label=gettext_lazy("N"), min_value=1, required=False)
    min_credits = forms.DecimalField(
        label=gettext_lazy("X credits"),
        min_value=0,
        max_digits=6,
        decimal_places=2,
        required=False,
    )
    points = forms.IntegerField(label=gettext_lazy("Points"), min_value=1, required=False)
    item = forms.ModelChoiceField(
        label=gettext_lazy("or a catalog item"), queryset=None, required=False
    )
    reason = forms.CharField(label=gettext_lazy("Reason"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = _units(user)
        self.fields["item"].queryset = items_for_staff(user).filter(active=True)
        self.fields["year"].choices = [(y, y) for y in recent_years()]
        self.fields["year"].initial = year_or_current(None)

    def clean(self):
        data = super().clean()
        if (data.get("points") is None) == (data.get("item") is None):
            raise forms.ValidationError(_("Award either points or a catalog item."))
        if data.get("criterion") == TranscriptAward.Criterion.TOP and not data.get("top_n"):
            self.add_error("top_n", _("Give N, the number of members to award."))
        if (
            data.get("criterion") == TranscriptAward.Criterion.MIN_CREDITS
            and data.get("min_credits") is None
        ):
            self.add_error("min_credits", _("Give X, the credits a member needs at least."))
        return data


def _awards(user):
    return scope.filter_members(
        user,
        TranscriptAward.objects.select_related("unit", "item", "requested_by"),
        roles=ADMIN_ROLES,
    )


def award_list(request):
    _require(request, ADMIN_ROLES)
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
                reason=data["reason"],
            )
        except services.PointsError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The award is running; refresh to see its progress."))
            return redirect("learning_points_award", award.pk)
    return render(
        request,
        "dj_learning/rewards/admin/awards.html",
        {"title": _("Awards from transcripts"), "form": form, "awards": _awards(request.user)[:20]},
    )


def award_detail(request, pk):
    """The audit trail: who awarded what, why, and to whom."""
    _require(request, ADMIN_ROLES)
    award = get_object_or_404(_awards(request.user), pk=pk)
    if request.method == "POST" and award.status == TranscriptAward.Status.FAILED:
        from django_q.tasks import async_task

        async_task("dj_learning.rewards.tasks.run_award", award.pk)
        messages.success(request, _("Resumed: members already awarded are skipped."))
        return redirect("learning_points_award", award.pk)
    recipients = (award.redemptions if award.item_id else award.entries).select_related(
        "member", "member__unit"
    )
    return render(
        request,
        "dj_learning/rewards/admin/award.html",
        {
            "title": _("Award from transcripts"),
            "award": award,
            "page_obj": Paginator(recipients.order_by("member__member_number"), 100).get_page(
                request.GET.get("p")
            ),
        },
    )
