"""Question import and export, and quiz reports, in the Wagtail admin.

Import is two steps: the upload is checked with a dry run and previewed; the
editor confirms, and the same file is imported. Between the steps the file
waits in the database under a random token, for that editor only, so the
confirm may reach any web process, nobody else can confirm it and nothing
lands on a public disk; it expires after an hour (``importing.hold``).

Permissions: importing needs ``learning_quizzes.add_question`` (and
``add_questionbank`` to create a bank); exporting needs
``learning_quizzes.change_question``. A bank owned by a unit is open only to
users who see that unit (``orgs.scope``); a bank without a unit is everyone's.
"""

import os

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.widgets import Button

from dj_learning import charts, uploads
from dj_learning.conf import settings
from dj_learning.orgs import scope
from dj_learning.orgs.exports import safe_cell, xlsx_response

from . import importing, reports
from .formats import FormatError, table
from .models import QuestionBank, QuestionKind, Quiz

IMPORT_PERMISSION = "learning_quizzes.add_question"
BANK_PERMISSION = "learning_quizzes.add_questionbank"
EXPORT_PERMISSION = "learning_quizzes.change_question"
FORMAT_LABELS = {"gift": "GIFT", "xlsx": "Excel", "csv": "CSV"}


def visible_banks(user):
    """The banks ``user`` may import into and export."""
    banks = QuestionBank.objects.select_related("unit")
    if scope.sees_everything(user):
        return banks
    return banks.filter(Q(unit__isnull=True) | Q(unit__in=scope.visible_units(user)))


class ImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Question file"),
        help_text=gettext_lazy("GIFT (.gift, .txt), Excel (.xlsx) or CSV (.csv)."),
    )
    bank = forms.CharField(
        label=gettext_lazy("Question bank"),
        max_length=200,
        help_text=gettext_lazy("An existing bank, or the name of a new one."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_bank(self):
        name = self.cleaned_data["bank"].strip()
        bank = QuestionBank.objects.select_related("unit").filter(name=name).first()
        if bank is None:
            if not self.user.has_perm(BANK_PERMISSION):
                raise forms.ValidationError(_("There is no bank of that name."))
        elif not visible_banks(self.user).filter(pk=bank.pk).exists():
            raise forms.ValidationError(_("That bank belongs to a unit outside your scope."))
        return name

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload is None:  # the confirm step re-checks the bank only
            return upload
        try:
            importing.check_size(upload.size)
        except FormatError as error:
            raise forms.ValidationError(str(error)) from None
        # Judged by content: an Excel file that unpacks to too much (a ZIP bomb), or
        # HTML under a .csv name, is refused before any reader opens it.
        checked = uploads.check_upload(
            upload, kinds=(uploads.XLSX, uploads.TEXT), max_bytes=settings.QUIZ_IMPORT_MAX_BYTES
        )
        # Nothing is stored under this name: it only names the file on the preview.
        checked.name = os.path.basename(upload.name)
        return checked


def _require(user, permission):
    if not user.has_perm(permission):
        raise PermissionDenied


def _kinds(report):
    labels = dict(QuestionKind.choices)
    return [(labels.get(kind, kind), count) for kind, count in sorted(report.kinds.items())]


def question_import(request):
    _require(request.user, IMPORT_PERMISSION)
    if request.method == "POST" and request.POST.get("token"):
        return _confirm(request)
    form = ImportForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        content = upload.read()
        try:
            report = importing.import_questions(
                upload.name, content, bank_name=form.cleaned_data["bank"], dry_run=True
            )
        except FormatError as error:
            form.add_error("file", str(error))
        else:
            token = importing.hold(
                request.user, upload.name, content, bank_name=form.cleaned_data["bank"]
            )
            return render(
                request,
                "dj_learning/quizzes/admin/question_import_preview.html",
                {
                    "title": _("Import questions: check and confirm"),
                    "report": report,
                    "kinds": _kinds(report),
                    "items": [
                        (position, dict(QuestionKind.choices).get(kind, kind), category, text)
                        for position, kind, category, text in report.items[:200]
                    ],
                    "more": max(0, len(report.items) - 200),
                    "token": token,
                    "filename": upload.name,
                },
            )
    banks = [
        (bank, list(FORMAT_LABELS.items())) for bank in visible_banks(request.user).order_by("name")
    ]
    return render(
        request,
        "dj_learning/quizzes/admin/question_import.html",
        {
            "title": _("Import questions"),
            "form": form,
            "banks": banks,
            "can_export": request.user.has_perm(EXPORT_PERMISSION),
        },
    )


def _confirm(request):
    pending = importing.take(request.user, request.POST["token"])
    if pending is None:
        messages.error(request, _("The upload has expired; choose the file again."))
        return redirect("learning_question_import")
    # The bank may have changed hands since the preview: check again.
    form = ImportForm({"bank": pending.bank}, user=request.user)
    form.fields["file"].required = False
    if not form.is_valid():
        messages.error(request, " ".join(form.errors.get("bank", [])))
        return redirect("learning_question_import")
    try:
        report = importing.import_questions(
            pending.filename, bytes(pending.content), bank_name=pending.bank
        )
    except FormatError as error:
        messages.error(request, str(error))
        return redirect("learning_question_import")
    messages.success(
        request,
        _("Imported %(count)s questions into “%(bank)s”.")
        % {"count": report.created, "bank": report.bank},
    )
    return redirect("learning_question_import")


def question_export(request, bank_id, fmt):
    _require(request.user, EXPORT_PERMISSION)
    if fmt not in importing.FORMATS:
        raise Http404
    bank = get_object_or_404(visible_banks(request.user), pk=bank_id)
    try:
        filename, content, content_type = importing.export_bank(bank, fmt)
    except ValueError as error:
        messages.error(request, str(error))
        return redirect("learning_question_import")
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = _attachment(filename)
    return response


def question_template(request, fmt):
    _require(request.user, IMPORT_PERMISSION)
    if fmt == "xlsx":
        content, content_type = table.template_xlsx(), importing.CONTENT_TYPES["xlsx"]
    elif fmt == "csv":
        content, content_type = table.template_csv().encode(), importing.CONTENT_TYPES["csv"]
    else:
        raise Http404
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = _attachment(_("question-template") + "." + fmt)
    return response


def _attachment(filename):
    from urllib.parse import quote

    return f"attachment; filename*=UTF-8''{quote(filename)}"


@hooks.register("register_admin_urls")
def register_question_import_urls():
    return [
        path("learning/questions/import/", question_import, name="learning_question_import"),
        path(
            "learning/questions/banks/<int:bank_id>/export.<str:fmt>",
            question_export,
            name="learning_question_export",
        ),
        path(
            "learning/questions/template.<str:fmt>",
            question_template,
            name="learning_question_template",
        ),
    ]


class _ImportMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.has_perm(IMPORT_PERMISSION)


@hooks.register("register_admin_menu_item")
def register_question_import_menu_item():
    return _ImportMenuItem(
        gettext_lazy("Import questions"),
        reverse("learning_question_import"),
        icon_name="upload",
        order=251,
    )


@hooks.register("register_snippet_listing_buttons")
def question_bank_export_buttons(snippet, user, next_url=None):
    if not isinstance(snippet, QuestionBank) or not user.has_perm(EXPORT_PERMISSION):
        return
    # One query per listing, not per row: the visible bank ids, kept on the user.
    visible = getattr(user, "_learning_visible_banks", None)
    if visible is None:
        visible = set(visible_banks(user).values_list("pk", flat=True))
        user._learning_visible_banks = visible
    if snippet.pk not in visible:
        return
    for fmt, label in FORMAT_LABELS.items():
        yield Button(
            _("Export %(format)s") % {"format": label},
            reverse("learning_question_export", args=[snippet.pk, fmt]),
            icon_name="download",
            priority=50,
        )


# -- Reports ------------------------------------------------------------------------


def _require_reports(user):
    if not reports.can_see_reports(user):
        raise PermissionDenied


def quiz_reports(request):
    _require_reports(request.user)
    return render(
        request,
        "dj_learning/quizzes/admin/quiz_reports.html",
        {"title": _("Quiz reports"), "quizzes": reports.quiz_summaries(request.user)},
    )


def quiz_report(request, quiz_id):
    _require_reports(request.user)
    # Another region's quiz is a 404, as a missing one.
    quiz = get_object_or_404(reports.of_user_regions(Quiz.objects.all(), request.user), pk=quiz_id)
    distribution = reports.score_distribution(request.user, quiz)
    top = max((count for _low, _high, count in distribution), default=0)
    graded, passed = reports.pass_rate(request.user, quiz)
    return render(
        request,
        "dj_learning/quizzes/admin/quiz_report.html",
        {
            "title": _("Quiz report: %(quiz)s") % {"quiz": quiz.title},
            "quiz": quiz,
            "distribution": [
                (low, high, count, round(count * 100 / top) if top else 0)
                for low, high, count in distribution
            ],
            "graded": sum(count for _low, _high, count in distribution),
            "distribution_chart": distribution_chart(quiz, distribution),
            "passed": passed,
            "failed": graded - passed,
            "pass_percent": round(passed * 100 / graded) if graded else None,
            "pass_chart": pass_chart(quiz, graded, passed),
            "questions": reports.question_stats(request.user, quiz),
        },
    )


def quiz_report_export(request, quiz_id):
    """The quiz report's figures as an Excel workbook: the score distribution, the pass
    rate and the questions, a sheet each (the charts' figures, for reading and reuse)."""
    from openpyxl import Workbook

    _require_reports(request.user)
    quiz = get_object_or_404(reports.of_user_regions(Quiz.objects.all(), request.user), pk=quiz_id)
    book = Workbook()
    sheet = book.active
    sheet.title = str(_("Score distribution"))
    sheet.append([_("Score"), _("Attempts")])
    for low, high, count in reports.score_distribution(request.user, quiz):
        sheet.append([bucket_label(low, high), count])
    graded, passed = reports.pass_rate(request.user, quiz)
    sheet = book.create_sheet(str(_("Pass rate")))
    sheet.append([_("Attempts"), _("Passed"), _("Not passed"), _("Pass rate")])
    sheet.append([graded, passed, graded - passed, round(passed / graded, 4) if graded else None])
    sheet = book.create_sheet(str(_("Questions, hardest first")))
    sheet.append(
        [_("Question"), _("Answered"), _("Right"), _("Partly right"), _("Wrong"),
         _("Not answered"), _("Waiting for marking"), _("Share right")]
    )  # fmt: skip
    for row in reports.question_stats(request.user, quiz):
        text = str(row["question"]) if row["question"] else _("(deleted question)")
        share = row["right_percent"] / 100 if row["right_percent"] is not None else None
        sheet.append(
            [safe_cell(text), row["total"], row["right"], row["partial"], row["wrong"],
             row["unanswered"], row["pending"], share]
        )  # fmt: skip
    return xlsx_response(book, f"quiz-report-{quiz.pk}.xlsx")


def bucket_label(low, high):
    return f"{low}–{100 if high == 100 else high - 1}%"


def distribution_chart(quiz, distribution):
    """The graded attempts by score, in tenths, as a histogram."""
    bars = [(bucket_label(low, high), count) for low, high, count in distribution]
    return charts.column_chart(
        bars,
        name="score-distribution",
        title=_("Score distribution: %(quiz)s") % {"quiz": quiz.title},
        desc="; ".join(f"{label}: {count}" for label, count in bars),
    )


def pass_chart(quiz, graded, passed):
    """Passed and failed graded attempts as one bar of shares."""
    desc = _("%(passed)s of %(graded)s graded attempts passed.") % {
        "passed": passed,
        "graded": graded,
    }
    return charts.stacked_bars(
        [(_("All graded attempts"), [passed, graded - passed])],
        [(_("Passed"), charts.GREEN), (_("Not passed"), charts.RED)],
        name="pass-rate",
        title=_("Pass rate: %(quiz)s") % {"quiz": quiz.title},
        desc=desc,
    )


@hooks.register("register_admin_urls")
def register_quiz_report_urls():
    return [
        path("learning/quizzes/reports/", quiz_reports, name="learning_quiz_reports"),
        path("learning/quizzes/reports/<int:quiz_id>/", quiz_report, name="learning_quiz_report"),
        path(
            "learning/quizzes/reports/<int:quiz_id>/export.xlsx",
            quiz_report_export,
            name="learning_quiz_report_export",
        ),
    ]


class _ReportsMenuItem(MenuItem):
    def is_shown(self, request):
        return reports.can_see_reports(request.user)


@hooks.register("register_admin_menu_item")
def register_quiz_reports_menu_item():
    return _ReportsMenuItem(
        gettext_lazy("Quiz reports"),
        reverse("learning_quiz_reports"),
        icon_name="table",
        order=252,
    )
