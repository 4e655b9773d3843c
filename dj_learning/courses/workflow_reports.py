"""Wagtail's two moderation reports (Reports → Workflows, Workflow tasks) with a region filter.

Each region moderates its own copies of the same courses; in Wagtail's reports the
rows of every region come mixed. These are Wagtail's own views with one filter
more, "Region", which keeps the rows whose page lies on that region's site, and
the reports menu points at them instead (``construct_reports_menu``). The titles
already name the region (``AbstractModulePage.get_admin_display_title``).
"""

import django_filters
from django.db.models import CharField
from django.db.models.functions import Cast
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail.admin.views.reports import workflows as wagtail_reports
from wagtail.admin.widgets import HeaderButton
from wagtail.models import Page, get_default_page_content_type

from dj_learning.orgs import regions


def region_choices():
    """``[(unit path, region name)]`` of the regions with a site, by name."""
    return sorted(
        ((path, name) for path, name, site, _root, tree in regions.regions() if site and tree),
        key=lambda row: row[1],
    )


def page_ids_of_region(unit_path):
    """The ids (as text, as a workflow state keeps them) of the pages on a region's site."""
    tree = next((tree for path, *_rest, tree in regions.regions() if path == unit_path), None)
    if not tree:
        return Page.objects.none().values("pk")
    return (
        Page.objects.filter(path__startswith=tree)
        .annotate(text_id=Cast("pk", CharField()))
        .values("text_id")
    )


class RegionFilter(django_filters.ChoiceFilter):
    """Rows whose page is on the chosen region's site; ``prefix`` leads to the workflow state."""

    def __init__(self, prefix="", **kwargs):
        self.prefix = prefix
        kwargs.setdefault("label", _("Region"))
        kwargs.setdefault("choices", region_choices)
        kwargs.setdefault("empty_label", _("All regions"))
        super().__init__(**kwargs)

    def filter(self, queryset, value):
        if not value:
            return queryset
        return queryset.filter(
            **{
                # Pages only: a snippet's workflow state may hold the same id.
                f"{self.prefix}base_content_type_id": get_default_page_content_type().id,
                f"{self.prefix}object_id__in": page_ids_of_region(value),
            }
        )


class WorkflowReportFilterSet(wagtail_reports.WorkflowReportFilterSet):
    region = RegionFilter()

    class Meta(wagtail_reports.WorkflowReportFilterSet.Meta):
        fields = ["region", *wagtail_reports.WorkflowReportFilterSet.Meta.fields]


class WorkflowTasksReportFilterSet(wagtail_reports.WorkflowTasksReportFilterSet):
    region = RegionFilter(prefix="workflow_state__")

    class Meta(wagtail_reports.WorkflowTasksReportFilterSet.Meta):
        fields = ["region", *wagtail_reports.WorkflowTasksReportFilterSet.Meta.fields]


class OtherReportButton:
    """The header button to the other moderation report, named by ``other_report``:
    ``(label, URL name, icon)``."""

    other_report = None

    @cached_property
    def header_buttons(self):
        label, url_name, icon = self.other_report
        return [HeaderButton(label, reverse(url_name), icon_name=icon)]


class WorkflowView(OtherReportButton, wagtail_reports.WorkflowView):
    filterset_class = WorkflowReportFilterSet
    index_url_name = "learning_workflow_report"
    index_results_url_name = "learning_workflow_report_results"

    # The button to the other report: Wagtail's own leads to the report without the filter.
    other_report = (_("By task"), "learning_workflow_tasks_report", "thumbtack")


class WorkflowTasksView(OtherReportButton, wagtail_reports.WorkflowTasksView):
    filterset_class = WorkflowTasksReportFilterSet
    index_url_name = "learning_workflow_tasks_report"
    index_results_url_name = "learning_workflow_tasks_report_results"

    other_report = (_("By workflow"), "learning_workflow_report", "tasks")


#: Wagtail's report menu items (by name) and the URL names of the views replacing them.
REPLACED_MENU_ITEMS = {
    "workflows": "learning_workflow_report",
    "workflow-tasks": "learning_workflow_tasks_report",
}
