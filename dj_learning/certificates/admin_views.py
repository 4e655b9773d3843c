"""Certificates in the Wagtail admin: templates (with a live preview), issuing rules, and
the list of certificates (filters, Excel export, revoke, re-render, issue by hand).

Every screen is a ``ScopedModelViewSet``: staff see their subtree only (``orgs.scope``).
"""

import django_filters
from csp.decorators import csp_update
from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.tables import BooleanColumn, Column
from wagtail.admin.viewsets.model import ModelViewSetGroup
from wagtail.admin.widgets.button import HeaderButton
from wagtail.log_actions import log

from dj_learning import uploads
from dj_learning.courses.models import AbstractCoursePage
from dj_learning.members.models import Member
from dj_learning.orgs import scope
from dj_learning.orgs.audit import log_export
from dj_learning.orgs.exports import safe_cell
from dj_learning.orgs.viewsets import (
    ScopedCreateView,
    ScopedEditView,
    ScopedIndexView,
    ScopedModelViewSet,
    ScopedUnitForm,
    UnitFilter,
    policy_of,
)
from dj_learning.pdf.services import PdfError

from . import batches, services
from .models import (
    PLACEHOLDERS,
    Certificate,
    CertificateBatch,
    CertificateTemplate,
    IssuingRule,
    unknown_placeholders,
)

IMAGE_FIELDS = ("background", "seal", "signer_1_image", "signer_2_image")


def _require(user, model, action):
    if not policy_of(model).user_has_permission(user, action):
        raise PermissionDenied


def _in_scope(user, model, action):
    return policy_of(model).instances_user_has_permission_for(user, action)


# -- Templates -------------------------------------------------------------------------------


class TemplateForm(ScopedUnitForm):
    """Images are checked by content (``uploads.check_upload``); the body's placeholders by name."""

    def clean_body(self):
        body = self.cleaned_data.get("body", "")
        try:
            unknown = unknown_placeholders(body)
        except ValueError:
            raise ValidationError(
                _(
                    "A brace is not closed. Write placeholders as {name}; a brace itself as {{ or }}."
                )
            ) from None
        if unknown:
            raise ValidationError(
                _("Unknown placeholder: %(names)s. Use %(known)s.")
                % {
                    "names": ", ".join(f"{{{name}}}" for name in unknown),
                    "known": ", ".join(f"{{{name}}}" for name in PLACEHOLDERS),
                }
            )
        return body

    def clean_accent_colour(self):
        colour = self.cleaned_data.get("accent_colour", "")
        if not (len(colour) == 7 and colour[0] == "#" and _is_hex(colour[1:])):
            raise ValidationError(_("Give a colour as #RRGGBB, for example #c8102e."))
        return colour

    def clean(self):
        data = super().clean()
        for name in IMAGE_FIELDS:
            if name in self.fields and name in data and self.files.get(name):
                try:
                    data[name] = uploads.check_upload(self.files[name], kinds=(uploads.IMAGE,))
                except ValidationError as error:
                    self.add_error(name, error)
        return data


def _is_hex(text):
    try:
        int(text, 16)
    except ValueError:
        return False
    return True


class TemplateFormMixin:
    template_name = "dj_learning/certificates/admin/template_form.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["preview_url"] = reverse("learning_certificate_templates:preview")
        return context


#: The live preview shows the PDF it fetched as a ``blob:`` URL in a frame; this page alone
#: may frame one (a blob is made by the page's own script, which the policy already trusts).
preview_frames = method_decorator(csp_update({"frame-src": ["blob:"]}), name="dispatch")


@preview_frames
class TemplateCreateView(TemplateFormMixin, ScopedCreateView):
    pass


@preview_frames
class TemplateEditView(TemplateFormMixin, ScopedEditView):
    pass


@require_POST
def template_preview(request):
    """The form as it stands (saved or not), rendered with sample data: a PDF."""
    _require(request.user, CertificateTemplate, "change")
    instance = None
    if pk := request.POST.get("pk"):
        instance = get_object_or_404(_in_scope(request.user, CertificateTemplate, "change"), pk=pk)
    form_class = TemplateViewSet().get_form_class()
    form = form_class(request.POST, request.FILES, instance=instance, for_user=request.user)
    if not form.is_valid():
        errors = "; ".join(
            f"{form.fields[f].label if f in form.fields else ''}: {' '.join(e)}"
            for f, e in form.errors.items()
        )
        return HttpResponse(errors, status=400, content_type="text/plain; charset=utf-8")
    template = form.save(commit=False)
    try:
        pdf = services.preview(template)
    except PdfError as error:
        return HttpResponse(str(error), status=400, content_type="text/plain; charset=utf-8")
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = 'inline; filename="preview.pdf"'
    return response


class TemplateViewSet(ScopedModelViewSet):
    model = CertificateTemplate
    name = "learning_certificate_templates"
    url_prefix = "learning/certificates/templates"
    icon = "doc-full"
    menu_label = gettext_lazy("Certificate templates")
    menu_order = 20
    views = ("index", "add", "edit", "history")
    add_view_class = TemplateCreateView
    edit_view_class = TemplateEditView
    export_text = staticmethod(safe_cell)
    form_fields = [
        "unit",
        "name",
        "orientation",
        "title",
        "body",
        "issuer",
        "number_prefix",
        "valid_days",
        "accent_colour",
        "background",
        "seal",
        "signer_1_name",
        "signer_1_title",
        "signer_1_image",
        "signer_2_name",
        "signer_2_title",
        "signer_2_image",
    ]
    select_related = ("unit",)
    ordering = ["unit__path", "name"]
    list_display = ["name", "unit", "title", "number_prefix", "orientation", "updated_at"]
    search_fields = ["name", "title"]

    def get_form_class(self, for_update=False):
        from django.forms import modelform_factory

        # The images live in the private storage: named, not linked, on the form.
        widgets = dict.fromkeys(IMAGE_FIELDS, uploads.PrivateFileInput)
        return modelform_factory(
            self.model, form=TemplateForm, fields=self.form_fields, widgets=widgets
        )

    def get_extra_urlpatterns(self):
        return [path("preview/", template_preview, name="preview")]


# -- Rules -----------------------------------------------------------------------------------


class RuleForm(ScopedUnitForm):
    def __init__(self, *args, for_user=None, **kwargs):
        super().__init__(*args, for_user=for_user, **kwargs)
        from wagtail.models import Page

        self.fields["template"].queryset = _in_scope(for_user, CertificateTemplate, "change")
        self.fields["course"].queryset = Page.objects.type(AbstractCoursePage).order_by("title")

    def clean(self):
        data = super().clean()
        trigger = data.get("trigger")
        if trigger == IssuingRule.Trigger.COURSE and not data.get("course"):
            self.add_error(
                "course", _("Choose the course whose completion issues the certificate.")
            )
        if trigger == IssuingRule.Trigger.EXAM and not data.get("quiz"):
            self.add_error("quiz", _("Choose the exam that issues the certificate."))
        return data


class RuleViewSet(ScopedModelViewSet):
    model = IssuingRule
    name = "learning_certificate_rules"
    url_prefix = "learning/certificates/rules"
    icon = "cogs"
    menu_label = gettext_lazy("Issuing rules")
    menu_order = 30
    form_fields = [
        "unit",
        "name",
        "template",
        "trigger",
        "course",
        "quiz",
        "min_score",
        "year",
        "active",
    ]
    select_related = ("unit", "template")
    ordering = ["unit__path", "name"]
    list_display = [
        "name",
        "unit",
        "trigger",
        "template",
        BooleanColumn("active", label=gettext_lazy("Active")),
    ]
    list_filter = ["trigger", "active"]

    def get_form_class(self, for_update=False):
        from django.forms import modelform_factory

        return modelform_factory(self.model, form=RuleForm, fields=self.form_fields)


# -- Certificates ----------------------------------------------------------------------------


class CertificateFilterSet(WagtailFilterSet):
    status = django_filters.ChoiceFilter(
        label=gettext_lazy("Status"), choices=Certificate.Status.choices, method="by_status"
    )
    year = django_filters.NumberFilter(label=gettext_lazy("Year"), field_name="issued_on__year")
    rule = django_filters.ModelChoiceFilter(
        label=gettext_lazy("Rule"),
        queryset=lambda request: _in_scope(request.user, IssuingRule, "view"),
    )
    unit = UnitFilter(roles=services.VIEW_ROLES, unit_field="member__unit")

    class Meta:
        model = Certificate
        fields = []

    def by_status(self, queryset, name, value):
        return services.filter_list(queryset, status=value)


def _member(certificate):
    return f"{certificate.member.name} ({certificate.member.member_number})"


def _status(certificate):
    return certificate.get_current_status_display()


class CertificateIndexView(ScopedIndexView):
    """The list, with "issue by hand" (admins) and "as ZIP" in its header."""

    @cached_property
    def header_buttons(self):
        buttons = list(super().header_buttons)
        if policy_of(CertificateTemplate).user_has_permission(self.request.user, "change"):
            buttons.append(
                HeaderButton(
                    _("Issue a certificate"),
                    url=reverse("learning_certificates:issue"),
                    icon_name="plus",
                )
            )
        buttons.append(
            HeaderButton(
                _("Certificates as ZIP"),
                url=reverse("learning_certificates:zip"),
                icon_name="download",
            )
        )
        return buttons


class CertificateViewSet(ScopedModelViewSet):
    model = Certificate
    index_view_class = CertificateIndexView
    name = "learning_certificates"
    url_prefix = "learning/certificates/issued"
    icon = "doc-full-inverse"
    menu_label = gettext_lazy("Certificates")
    menu_order = 10
    views = ("index",)
    export_text = staticmethod(safe_cell)
    select_related = ("member", "member__unit", "rule")
    ordering = ["-issued_on", "-pk"]
    list_per_page = 50
    list_display = [
        "number",
        Column("member", label=gettext_lazy("Member"), accessor=_member),
        Column("unit", label=gettext_lazy("Unit"), accessor="member.unit.name"),
        "title",
        "issued_on",
        "expires_on",
        Column("status", label=gettext_lazy("Status"), accessor=_status),
    ]
    filterset_class = CertificateFilterSet
    search_fields = ["number", "member__name", "member__member_number", "title"]
    list_export = [
        "number",
        "member.member_number",
        "member.name",
        "member.unit.name",
        "title",
        "issuer",
        "issued_on",
        "expires_on",
        "get_current_status_display",
        "revoked_reason",
    ]
    export_headings = {
        "member.member_number": gettext_lazy("Member number"),
        "member.name": gettext_lazy("Name"),
        "member.unit.name": gettext_lazy("Unit"),
        "get_current_status_display": gettext_lazy("Status"),
    }
    export_filename = "certificates"

    def get_index_view_kwargs(self, **kwargs):
        return super().get_index_view_kwargs(inspect_url_name=self.get_url_name("detail"), **kwargs)

    def get_extra_urlpatterns(self):
        return [
            path("<int:pk>/", certificate_detail, name="detail"),
            path("issue/", issue_by_hand, name="issue"),
            path("zip/", batch_page, name="zip"),
            path("zip/<int:pk>/", batch_download, name="zip_download"),
        ]


def certificate_detail(request, pk):
    """One certificate: its facts, the PDF, and for admins revoke (with a reason) and re-render."""
    _require(request.user, Certificate, "view")
    certificate = get_object_or_404(
        _in_scope(request.user, Certificate, "view").select_related(
            "member", "member__unit", "rule", "template"
        ),
        pk=pk,
    )
    may_act = scope.can_see_member(request.user, certificate.member, roles=services.ADMIN_ROLES)
    if request.method == "POST":
        if not may_act:
            raise PermissionDenied
        try:
            if request.POST.get("action") == "revoke":
                reason = request.POST.get("reason", "")
                services.revoke(request.user, certificate, reason)
                log(
                    certificate,
                    "learning_certificates.revoke",
                    user=request.user,
                    data={"reason": reason},
                )
                messages.success(request, _("The certificate was revoked."))
            else:
                services.rerender(request.user, certificate)
                log(certificate, "learning_certificates.rerender", user=request.user)
                messages.success(
                    request, _("The PDF is being rendered again; the number and code stay.")
                )
        except services.CertificateError as error:
            messages.error(request, str(error))
        return redirect("learning_certificates:detail", certificate.pk)
    return render(
        request,
        "dj_learning/certificates/admin/certificate.html",
        {"title": certificate.number, "certificate": certificate, "may_act": may_act},
    )


class IssueForm(forms.Form):
    member_number = forms.CharField(label=gettext_lazy("Member number"), max_length=40)
    template = forms.ModelChoiceField(label=gettext_lazy("Template"), queryset=None)
    course = forms.CharField(
        label=gettext_lazy("For (course or honour)"), max_length=120, required=False
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["template"].queryset = _in_scope(user, CertificateTemplate, "change")

    def clean_member_number(self):
        number = self.cleaned_data["member_number"].strip()
        members = scope.filter_members(
            self.user, Member.objects.select_related("unit"), roles=services.ADMIN_ROLES
        )
        member = members.filter(member_number=number).first()
        if member is None:
            raise ValidationError(_("No member with this number in your units."))
        return member


def issue_by_hand(request):
    _require(request.user, CertificateTemplate, "change")
    form = IssueForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            certificate = services.issue_by_hand(
                request.user, data["member_number"], data["template"], course=data["course"] or None
            )
        except services.CertificateError as error:
            form.add_error(None, str(error))
        else:
            log(
                certificate,
                "wagtail.create",
                user=request.user,
                data={"number": certificate.number, "member": data["member_number"].member_number},
            )
            messages.success(request, _("The certificate was issued; its PDF is being rendered."))
            return redirect("learning_certificates:detail", certificate.pk)
    return render(
        request,
        "dj_learning/certificates/admin/issue.html",
        {"title": _("Issue a certificate"), "form": form},
    )


class BatchForm(forms.Form):
    unit = forms.ModelChoiceField(label=gettext_lazy("Unit"), queryset=None)
    year = forms.IntegerField(
        label=gettext_lazy("Year issued"), min_value=2000, max_value=2100, required=False
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = scope.visible_units(
            user, roles=services.VIEW_ROLES
        ).order_by("path")


def _batches(user):
    return CertificateBatch.objects.filter(
        unit__in=scope.visible_units(user, roles=services.VIEW_ROLES)
    ).select_related("unit")


def batch_page(request):
    """A unit's certificates as one ZIP: start the job, follow its progress, download it."""
    _require(request.user, Certificate, "view")
    form = BatchForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        batches.request_batch(request.user, form.cleaned_data["unit"], form.cleaned_data["year"])
        messages.success(request, _("The ZIP is being built; refresh to see its progress."))
        return redirect("learning_certificates:zip")
    return render(
        request,
        "dj_learning/certificates/admin/batches.html",
        {
            "title": _("Certificates as ZIP"),
            "form": form,
            "batches": _batches(request.user)[:10],
        },
    )


def batch_download(request, pk):
    _require(request.user, Certificate, "view")
    batch = get_object_or_404(_batches(request.user), pk=pk, status=CertificateBatch.Status.DONE)
    log_export(request.user, batch, "certificates archive")
    return uploads.serve_private(batch.archive, filename=batch.archive.name.rsplit("/", 1)[-1])


class CertificatesGroup(ModelViewSetGroup):
    menu_label = gettext_lazy("Certificates")
    menu_icon = "doc-full-inverse"
    menu_order = 266
    items = (CertificateViewSet, TemplateViewSet, RuleViewSet)
