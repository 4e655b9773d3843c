from django.utils.translation import gettext_lazy as _
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

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
