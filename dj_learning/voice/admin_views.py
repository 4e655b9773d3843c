"""Members' voice in the Wagtail admin: the suggestion queue, categories, polls.

Every list, form, export and object is scoped to the staff's subtree through
``orgs.viewsets`` (each model's ``ScopePolicy`` is registered in
``wagtail_hooks``). Thin: replies, notes, assignment and status changes go
through ``services``, each with an entry in Wagtail's audit log.
"""

from datetime import date

import django_filters
from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.forms import inlineformset_factory
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.tables import Column, TitleColumn
from wagtail.admin.viewsets.model import ModelViewSetGroup
from wagtail.admin.widgets.button import HeaderButton
from wagtail.log_actions import log

from dj_learning import charts
from dj_learning.members.services import person_name
from dj_learning.orgs.exports import safe_cell, xlsx_response
from dj_learning.orgs.viewsets import (
    ScopedCreateView,
    ScopedEditView,
    ScopedIndexView,
    ScopedModelViewSet,
    UnitFilter,
    policy_of,
)

from . import services
from .forms import ReplyForm
from .models import Comment, Option, Poll, Question, Suggestion, SuggestionCategory
from .services import STAFF_ROLES


def _require(user, model, action):
    if not policy_of(model).user_has_permission(user, action):
        raise PermissionDenied


def _in_scope(user, model, action):
    return policy_of(model).instances_user_has_permission_for(user, action)


def waited_text(delta):
    """A wait in days and hours (or hours and minutes when under a day)."""
    minutes = int(delta.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return _("%(d)s d %(h)s h") % {"d": days, "h": hours}
    return _("%(h)s h %(m)s min") % {"h": hours, "m": minutes}


class VoiceViewSet(ScopedModelViewSet):
    export_text = staticmethod(safe_cell)


# -- The suggestion queue ------------------------------------------------------------------


class SuggestionFilterSet(WagtailFilterSet):
    status = django_filters.ChoiceFilter(
        label=gettext_lazy("Status"), choices=Suggestion.Status.choices
    )
    waiting = django_filters.BooleanFilter(
        label=gettext_lazy("Waiting for a first reply"), method="by_waiting"
    )
    mine = django_filters.BooleanFilter(label=gettext_lazy("Assigned to me"), method="by_mine")
    kind = django_filters.ChoiceFilter(label=gettext_lazy("Kind"), choices=Suggestion.Kind.choices)
    category = django_filters.ModelChoiceFilter(
        label=gettext_lazy("Category"),
        # The categories of the suggestions in scope (a branch's staff hold no role on
        # the region that owns them).
        queryset=lambda request: SuggestionCategory.objects.filter(
            pk__in=services.staff_queue(request.user).values("category")
        ),
    )
    unit = UnitFilter(roles=STAFF_ROLES)

    class Meta:
        model = Suggestion
        fields = []

    def by_waiting(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(first_reply_at__isnull=value)

    def by_mine(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(assigned_to=self.request.user)


def _sender(s):
    return f"{s.member.name} ({s.member.member_number})"


def _waited(s):
    text = waited_text(s.waited())
    return text if s.first_reply_at else _("%(wait)s, waiting") % {"wait": text}


def _assigned(s):
    return person_name(s.assigned_to) if s.assigned_to_id else "—"


class SuggestionIndexView(ScopedIndexView):
    @cached_property
    def header_buttons(self):
        summary_url = reverse("learning_voice_suggestions:summary")
        return [HeaderButton(_("Suggestions by month"), url=summary_url, icon_name="table")]


class SuggestionViewSet(VoiceViewSet):
    model = Suggestion
    index_view_class = SuggestionIndexView
    name = "learning_voice_suggestions"
    url_prefix = "learning/voice/suggestions"
    icon = "mail"
    menu_label = gettext_lazy("Suggestions")
    menu_order = 10
    views = ("index",)
    select_related = ("member", "unit", "category", "assigned_to__learning_member")
    ordering = ["created_at", "pk"]  # the longest waiting first
    list_per_page = 50
    list_display = [
        "number",
        TitleColumn(
            "title", label=gettext_lazy("Title"), url_name="learning_voice_suggestions:detail"
        ),
        Column("sender", label=gettext_lazy("From"), accessor=_sender),
        Column("unit", label=gettext_lazy("Unit"), accessor="unit.name"),
        Column("category", label=gettext_lazy("Category"), accessor="category"),
        "status",
        Column("assigned", label=gettext_lazy("Assigned to"), accessor=_assigned),
        Column("waited", label=gettext_lazy("Waited"), accessor=_waited),
        "created_at",
    ]
    filterset_class = SuggestionFilterSet
    search_fields = ["number", "title", "text", "member__name", "member__member_number"]
    list_export = [
        "number",
        "created_at",
        "member.member_number",
        "member.name",
        "unit.name",
        "category.name",
        "get_kind_display",
        "get_status_display",
        "title",
        "text",
        "first_reply_at",
        "waited_hours",
        "adopted_at",
    ]
    export_headings = {
        "member.member_number": gettext_lazy("Member number"),
        "member.name": gettext_lazy("Name"),
        "unit.name": gettext_lazy("Unit"),
        "category.name": gettext_lazy("Category"),
        "get_kind_display": gettext_lazy("Kind"),
        "get_status_display": gettext_lazy("Status"),
        "waited_hours": gettext_lazy("Hours to first reply (or so far)"),
    }
    export_filename = "suggestions"

    def get_index_view_kwargs(self, **kwargs):
        return super().get_index_view_kwargs(inspect_url_name=self.get_url_name("detail"), **kwargs)

    def get_extra_urlpatterns(self):
        return [
            path("<int:pk>/", suggestion_detail, name="detail"),
            path("<int:pk>/act/", suggestion_act, name="act"),
            path("<int:pk>/attachment/", suggestion_attachment, name="attachment"),
            path("summary/", summary, name="summary"),
        ]


def _staff_choices(suggestion):
    User = get_user_model()
    return (
        User.objects.filter(
            is_active=True,
            learning_roles__unit__path__in=suggestion.unit.ancestor_paths(),
            learning_roles__role__in=STAFF_ROLES,
        )
        .select_related("learning_member")
        .distinct()
        .order_by("username")
    )


def _suggestion_in_scope(user, pk):
    _require(user, Suggestion, "change")
    return get_object_or_404(
        _in_scope(user, Suggestion, "change").select_related(
            "member__user", "unit", "category", "assigned_to__learning_member"
        ),
        pk=pk,
    )


def suggestion_detail(request, pk, form=None):
    """One suggestion with its replies and internal notes; reply, note, assign, status."""
    suggestion = _suggestion_in_scope(request.user, pk)
    return render(
        request,
        "dj_learning/voice/admin/suggestion.html",
        {
            "title": f"{suggestion.number} · {suggestion.title}",
            "suggestion": suggestion,
            "waited": waited_text(suggestion.waited()),
            "messages_list": suggestion.messages.select_related("author__learning_member"),
            "form": form or ReplyForm(),
            "staff": [(u.pk, person_name(u)) for u in _staff_choices(suggestion)],
            "statuses": Suggestion.Status.choices,
        },
        status=400 if form is not None else 200,
    )


@require_POST
def suggestion_act(request, pk):
    suggestion = _suggestion_in_scope(request.user, pk)
    action = request.POST.get("action")
    try:
        if action == "reply":
            form = ReplyForm(request.POST)
            if not form.is_valid():
                return suggestion_detail(request, pk, form=form)
            internal = form.cleaned_data["internal"]
            services.reply(suggestion, request.user, form.cleaned_data["text"], internal=internal)
            log(suggestion, "learning_voice.note" if internal else "learning_voice.reply",
                user=request.user)  # fmt: skip
            messages.success(request, _("Note saved.") if internal else _("Reply sent."))
        elif action == "assign":
            assignee_id = request.POST.get("assignee")
            assignee = (
                _staff_choices(suggestion).filter(pk=assignee_id).first() if assignee_id else None
            )
            if assignee_id and assignee is None:
                raise services.VoiceError(_("This person is not staff of the suggestion's unit."))
            services.assign(suggestion, assignee)
            log(suggestion, "learning_voice.assign", user=request.user,
                data={"assignee": person_name(assignee) if assignee else ""})  # fmt: skip
            messages.success(request, _("Assigned."))
        elif action == "status":
            status = request.POST.get("status")
            services.set_status(suggestion, status, by=request.user)
            log(suggestion, "learning_voice.status", user=request.user, data={"status": status})
            messages.success(request, _("Status changed."))
        else:
            raise services.VoiceError(_("Unknown action."))
    except services.VoiceError as error:
        messages.error(request, error.message)
    return redirect("learning_voice_suggestions:detail", pk)


def suggestion_attachment(request, pk):
    from dj_learning import uploads

    suggestion = _suggestion_in_scope(request.user, pk)
    if not suggestion.attachment:
        raise Http404
    return uploads.serve_private(suggestion.attachment, as_attachment=False)


def _month(value):
    try:
        year, month = (int(part) for part in value.split("-"))
        return date(year, month, 1)
    except (AttributeError, ValueError):
        return timezone.localdate().replace(day=1)


def summary(request):
    """The monthly summary per unit: received, replied, median hours to reply, adopted."""
    _require(request.user, Suggestion, "view")
    month = _month(request.GET.get("month"))
    rows = services.monthly_summary(request.user, month.year, month.month)
    if request.GET.get("format") == "xlsx":
        return _summary_xlsx(rows, month)
    return render(
        request,
        "dj_learning/voice/admin/summary.html",
        {"title": _("Suggestions by month"), "rows": rows, "month": month},
    )


def _summary_xlsx(rows, month):
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = f"{month:%Y-%m}"
    sheet.append([_("Unit"), _("Received"), _("Replied"), _("Median hours to first reply"),
                  _("Adopted")])  # fmt: skip
    for row in rows:
        sheet.append([safe_cell(row["unit"]), row["received"], row["replied"],
                      row["median_hours"], row["adopted"]])  # fmt: skip
    return xlsx_response(workbook, f"suggestions-{month:%Y-%m}.xlsx")


class CategoryViewSet(VoiceViewSet):
    model = SuggestionCategory
    name = "learning_voice_categories"
    url_prefix = "learning/voice/categories"
    icon = "tag"
    menu_label = gettext_lazy("Suggestion categories")
    menu_order = 20
    views = ("index", "add", "edit", "delete")
    form_fields = ["unit", "name", "order"]
    select_related = ("unit",)
    ordering = ["unit__path", "order"]
    list_display = ["name", "unit", "order"]
    list_export = ["unit.name", "name", "order"]
    export_filename = "suggestion-categories"


# -- Polls ----------------------------------------------------------------------------------


class QuestionForm(forms.ModelForm):
    choices = forms.CharField(
        label=gettext_lazy("Options, one per line"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy("Single and multiple choice only."),
    )

    class Meta:
        model = Question
        fields = ["order", "text", "type", "required", "max_choices"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["choices"].initial = "\n".join(o.text for o in self.instance.options.all())

    def clean(self):
        data = super().clean()
        lines = [line.strip() for line in (data.get("choices") or "").splitlines() if line.strip()]
        if data.get("type") in Question.CHOICE_TYPES and len(lines) < 2 and not data.get("DELETE"):
            self.add_error("choices", _("Give at least two options, one per line."))
        data["lines"] = lines
        return data


QuestionFormSet = inlineformset_factory(Poll, Question, form=QuestionForm, extra=2, can_delete=True)


class QuestionsMixin:
    """A poll's questions (and their options) edited with the poll; frozen once answered."""

    @cached_property
    def questions(self):
        return QuestionFormSet(
            self.request.POST if self.request.method == "POST" else None,
            instance=getattr(self, "object", None) or Poll(),
            prefix="questions",
        )

    def get_context_data(self, **kwargs):
        return super().get_context_data(questions=self.questions, **kwargs)

    def is_valid(self, form):
        valid = super().is_valid(form)
        poll = getattr(self, "object", None)
        if poll is not None and poll.pk and poll.ballots.exists() and self.questions.has_changed():
            form.add_error(None, _("Members have answered: the questions can no longer change."))
            valid = False
        valid = self.questions.is_valid() and valid
        if not valid:
            self.produced_error_code = "validation_error"
            self.produced_error_message = self.get_error_message()
        return valid

    def save_instance(self):
        poll = super().save_instance()
        self.questions.instance = poll
        self.questions.save()
        for question_form in self.questions.forms:
            question = question_form.instance
            if not question.pk or question_form.cleaned_data.get("DELETE"):
                continue
            _sync_options(question, question_form.cleaned_data.get("lines", []))
        services.schedule_poll_notice(poll)
        return poll


def _sync_options(question, lines):
    if question.type not in Question.CHOICE_TYPES:
        question.options.all().delete()
        return
    existing = {o.text: o for o in question.options.all()}
    for order, text in enumerate(lines):
        option = existing.pop(text, None) or Option(question=question, text=text)
        option.order = order
        option.save()
    for option in existing.values():
        option.delete()


class PollCreateView(QuestionsMixin, ScopedCreateView):
    pass


class PollEditView(QuestionsMixin, ScopedEditView):
    pass


class PollViewSet(VoiceViewSet):
    model = Poll
    name = "learning_voice_polls"
    url_prefix = "learning/voice/polls"
    icon = "list-ul"
    menu_label = gettext_lazy("Polls")
    menu_order = 30
    views = ("index", "add", "edit", "history")
    add_view_class = PollCreateView
    edit_view_class = PollEditView
    create_template_name = "dj_learning/voice/admin/poll_create.html"
    edit_template_name = "dj_learning/voice/admin/poll_edit.html"
    form_fields = ["unit", "title", "description", "opens_at", "closes_at", "anonymous", "results"]
    select_related = ("unit",)
    ordering = ["-opens_at", "-pk"]
    list_display = ["title", "unit", "opens_at", "closes_at", "anonymous", "results"]
    list_filter = ["anonymous", "results"]
    search_fields = ["title"]
    list_export = ["title", "unit.name", "opens_at", "closes_at", "anonymous", "results"]
    export_filename = "polls"

    def get_index_view_kwargs(self, **kwargs):
        return super().get_index_view_kwargs(
            inspect_url_name=self.get_url_name("results"), **kwargs
        )

    def get_extra_urlpatterns(self):
        return [path("<int:pk>/results/", poll_results, name="results")]


def poll_results(request, pk):
    """Charts of a poll's answers for the staff of its audience; ``?format=xlsx`` exports."""
    _require(request.user, Poll, "view")
    poll = get_object_or_404(_in_scope(request.user, Poll, "view").select_related("unit"), pk=pk)
    if request.GET.get("format") == "xlsx":
        return _results_xlsx(poll)
    results = services.results(poll)
    for row in results["questions"]:
        row["chart"] = (
            charts.bar_chart(row["bars"], title=row["question"].text) if row["bars"] else ""
        )
    return render(
        request,
        "dj_learning/voice/admin/poll_results.html",
        {"title": poll.title, "poll": poll, "results": results},
    )


def _results_xlsx(poll):
    """Counts per option, then one row per response (named polls: with the member)."""
    from openpyxl import Workbook

    from .models import Answer, Response

    results = services.results(poll, texts_shown=0)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Summary")
    sheet.append([_("Question"), _("Answer"), _("Count"), _("Percent")])
    for row in results["questions"]:
        for bar in row["bars"]:
            sheet.append([safe_cell(row["question"].text), safe_cell(bar["label"]), bar["count"],
                          bar["percent"]])  # fmt: skip
    questions = [row["question"] for row in results["questions"]]
    answers_sheet = workbook.create_sheet(_("Answers"))
    named = not poll.anonymous
    answers_sheet.append(([_("Member number"), _("Name")] if named else [])
                         + [safe_cell(q.text) for q in questions])  # fmt: skip
    cells = {}
    for response_id, question_id, option, rating, text in Answer.objects.filter(
        question__poll=poll
    ).values_list("response_id", "question_id", "option__text", "rating", "text"):
        value = option or (str(rating) if rating else text)
        cells.setdefault(response_id, {}).setdefault(question_id, []).append(value)
    responses = Response.objects.filter(poll=poll).select_related("member")
    # Anonymous: ordered by the responses' random ids, which say nothing of who or when.
    for response in responses.order_by("member__member_number" if named else "pk"):
        row = [response.member.member_number, response.member.name] if named else []
        answers = cells.get(response.pk, {})
        row += [safe_cell("; ".join(answers.get(q.pk, []))) for q in questions]
        answers_sheet.append(row)
    return xlsx_response(workbook, f"poll-{poll.pk}.xlsx")


# -- Comments to moderate -------------------------------------------------------------------


class CommentFilterSet(WagtailFilterSet):
    reported = django_filters.BooleanFilter(label=gettext_lazy("Reported"), method="by_reported")
    hidden = django_filters.BooleanFilter(label=gettext_lazy("Hidden"), method="by_hidden")
    unit = UnitFilter(roles=STAFF_ROLES, unit_field="member__unit")

    class Meta:
        model = Comment
        fields = []

    def by_reported(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(report_count__gt=0) if value else queryset.filter(report_count=0)

    def by_hidden(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(hidden_at__isnull=not value)


class CommentIndexView(ScopedIndexView):
    def get_base_queryset(self):
        return super().get_base_queryset().annotate(report_count=Count("reports"))


def _comment_link(comment):
    return reverse("dj_learning:discussion", args=[comment.module_id]) + f"#comment-{comment.pk}"


class CommentViewSet(VoiceViewSet):
    model = Comment
    name = "learning_voice_comments"
    url_prefix = "learning/voice/comments"
    icon = "comment"
    menu_label = gettext_lazy("Comments")
    menu_order = 40
    views = ("index",)
    index_view_class = CommentIndexView
    select_related = ("member", "member__unit", "module")
    ordering = ["-created_at", "-pk"]
    list_display = [
        TitleColumn("text", label=gettext_lazy("Comment"), get_url=_comment_link),
        Column("member", label=gettext_lazy("From"), accessor=_sender),
        Column("module", label=gettext_lazy("Module"), accessor="module.title"),
        Column("report_count", label=gettext_lazy("Reports"), accessor="report_count"),
        Column("hidden_reason", label=gettext_lazy("Hidden"), accessor="hidden_reason"),
        "created_at",
    ]
    filterset_class = CommentFilterSet
    search_fields = ["text", "member__name"]
    list_export = ["created_at", "member.name", "module.title", "text", "hidden_reason"]
    export_filename = "comments"


class VoiceGroup(ModelViewSetGroup):
    menu_label = gettext_lazy("Members' voice")
    menu_icon = "mail"
    menu_order = 270
    items = (SuggestionViewSet, CategoryViewSet, PollViewSet, CommentViewSet)
