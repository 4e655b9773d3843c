from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from . import workflow_reports
from .models import StudyPlan


class StudyPlanViewSet(SnippetViewSet):
    model = StudyPlan
    icon = "date"
    menu_label = _("Study plans")
    menu_order = 300
    add_to_admin_menu = True
    list_display = ["__str__", "unit", "year", "required_credits", "min_elective_credits"]
    list_filter = ["year"]
    search_fields = ["title"]


register_snippet(StudyPlanViewSet)


@hooks.register("register_admin_urls")
def register_workflow_report_urls():
    urls = []
    for name, view in (
        ("learning_workflow_report", workflow_reports.WorkflowView),
        ("learning_workflow_tasks_report", workflow_reports.WorkflowTasksView),
    ):
        route = f"learning/reports/{name.removeprefix('learning_').replace('_', '-')}/"
        urls += [
            path(route, view.as_view(), name=name),
            path(f"{route}results/", view.as_view(results_only=True), name=f"{name}_results"),
        ]
    return urls


@hooks.register("construct_reports_menu")
def point_workflow_reports_at_the_region_filtered_ones(request, menu_items):
    """Reports → Workflows and Workflow tasks open the same reports with a region filter."""
    for item in menu_items:
        if url_name := workflow_reports.REPLACED_MENU_ITEMS.get(item.name):
            item.url = reverse(url_name)
