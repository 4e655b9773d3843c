"""Admin registrations of quizzes: snippets for banks, questions and quizzes; the marking queue."""

import importlib.util

from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.tables import Column
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from dj_learning.orgs.viewsets import region_chooser_viewset_class

from . import admin_views, reports
from .models import Question, QuestionBank, QuestionCategory, Quiz


def _quiz_region(quiz):
    from dj_learning.orgs.regions import region_name, region_of_page

    if quiz.unit_id:
        return region_name(quiz.unit.path)
    return region_of_page(quiz.module) if quiz.module_id else ""


def _bank_region(bank):
    from dj_learning.orgs.regions import region_name

    return region_name(bank.unit.path) if bank.unit_id else ""


def _of_banks_of_regions(rows, user):
    from dj_learning.orgs.regions import filter_by_unit, user_region_paths

    if user_region_paths(user) is None:
        return rows
    # By the bank itself: the question search filters on its indexed "bank" only.
    return rows.filter(bank__in=list(filter_by_unit(QuestionBank.objects.all(), user)))


def _banks_of_regions(banks, user):
    from dj_learning.orgs.regions import filter_by_unit

    return filter_by_unit(banks, user)


class QuestionBankViewSet(SnippetViewSet):
    model = QuestionBank
    # Staff of one region choose only their regions' rows (orgs.regions).
    chooser_viewset_class = region_chooser_viewset_class(_banks_of_regions)
    icon = "folder-open-inverse"
    list_display = ["name", "unit", Column("region", label=_("Region"), accessor=_bank_region)]
    search_fields = ["name"]


class QuestionCategoryViewSet(SnippetViewSet):
    model = QuestionCategory
    chooser_viewset_class = region_chooser_viewset_class(_of_banks_of_regions)
    icon = "folder-inverse"
    list_display = ["path", "bank"]
    list_filter = ["bank"]


class QuestionViewSet(SnippetViewSet):
    model = Question
    chooser_viewset_class = region_chooser_viewset_class(_of_banks_of_regions)
    icon = "help"
    list_display = ["__str__", "kind", "points", "category", "bank"]
    list_filter = ["bank", "kind"]


class QuizViewSet(SnippetViewSet):
    model = Quiz
    chooser_viewset_class = region_chooser_viewset_class(reports.of_user_regions)
    icon = "tasks"
    list_display = [
        "title",
        "module",
        Column("region", label=_("Region"), accessor=_quiz_region),
        "attempts_allowed",
        "pass_percent",
        "live",
    ]
    list_filter = ["live"]


class QuizzesGroup(SnippetViewSetGroup):
    menu_label = _("Quizzes")
    menu_icon = "tasks"
    menu_order = 250
    items = (QuizViewSet, QuestionViewSet, QuestionCategoryViewSet, QuestionBankViewSet)


register_snippet(QuizzesGroup)


@hooks.register("register_admin_urls")
def register_marking_urls():
    return [
        path("learning/marking/", admin_views.marking_queue, name="learning_marking"),
        path("learning/marking/<int:answer_id>/", admin_views.mark, name="learning_mark_answer"),
    ]


class MarkerMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.has_perm(admin_views.MARK_PERMISSION)


@hooks.register("register_admin_menu_item")
def register_marking_menu_item():
    return MarkerMenuItem(_("Marking"), reverse("learning_marking"), icon_name="edit", order=252)


@hooks.register("register_permissions")
def register_marking_permission():
    from django.contrib.auth.models import Permission

    return Permission.objects.filter(
        content_type__app_label="learning_quizzes", codename="mark_attempt"
    )


# The import/export screens live in their own module when present.
if importlib.util.find_spec("dj_learning.quizzes.import_admin") is not None:
    from . import import_admin  # noqa: F401
