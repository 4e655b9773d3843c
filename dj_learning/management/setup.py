"""What ``manage.py learning_setup`` makes: a region ready for its first course.

``setup_region()`` ties a region's unit to a Wagtail site and makes the region's
catalog page, this year's study plan, the site's theme, the four staff groups
with their permissions and the content review workflow. Every step finds what
exists first, so running it again changes nothing and never duplicates.
"""

from dataclasses import dataclass, field

from django.apps import apps
from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.utils.translation import gettext as _
from wagtail.models import (
    Collection,
    GroupApprovalTask,
    GroupCollectionPermission,
    GroupPagePermission,
    Workflow,
    WorkflowPage,
    WorkflowTask,
)

from dj_learning.courses.models import CourseCatalogPage, StudyPlan
from dj_learning.courses.services import study_year
from dj_learning.orgs.models import Unit
from dj_learning.orgs.services import save_unit

# The staff groups, by role: (model permissions as "app_label.codename",
# page permissions on the catalog, collection permissions on images and documents).
GROUPS = {
    "editors": (
        [
            "wagtailadmin.access_admin",
            "learning_courses.add_studyplan",
            "learning_courses.change_studyplan",
            "learning_quizzes.add_questionbank",
            "learning_quizzes.change_questionbank",
            "learning_quizzes.add_question",
            "learning_quizzes.change_question",
            "learning_quizzes.add_quiz",
            "learning_quizzes.change_quiz",
        ],
        ["add", "change"],
        ["add", "change", "choose"],
    ),
    "moderators": (
        [
            "wagtailadmin.access_admin",
            "learning_courses.add_studyplan",
            "learning_courses.change_studyplan",
            "learning_courses.delete_studyplan",
            "learning_quizzes.add_questionbank",
            "learning_quizzes.change_questionbank",
            "learning_quizzes.add_question",
            "learning_quizzes.change_question",
            "learning_quizzes.add_quiz",
            "learning_quizzes.change_quiz",
        ],
        ["add", "change", "publish", "lock", "unlock"],
        ["add", "change", "choose", "delete"],
    ),
    # Clerks and reviewers work on members (their StaffRole sets whose): the admin
    # lets them in, and they mark written answers of quizzes.
    "clerks": (["wagtailadmin.access_admin", "learning_quizzes.mark_attempt"], [], []),
    "reviewers": (["wagtailadmin.access_admin", "learning_quizzes.mark_attempt"], [], []),
}


def group_names():
    """The groups' names, in the language active when setup runs."""
    return {
        "editors": _("Learning editors"),
        "moderators": _("Learning moderators"),
        "clerks": _("Member clerks"),
        "reviewers": _("Member reviewers"),
    }


@dataclass
class Report:
    """What setup made (``created``) and what it found already there (``kept``)."""

    created: list = field(default_factory=list)
    kept: list = field(default_factory=list)

    def note(self, thing, created):
        (self.created if created else self.kept).append(str(thing))


@transaction.atomic
def setup_region(
    *,
    site,
    code,
    name,
    parent_code=None,
    parent_name=None,
    catalog_title=None,
    catalog_slug="courses",
    year=None,
):
    """Make ``site`` the site of region ``code`` and everything a region needs. Idempotent."""
    report = Report()
    parent = None
    if parent_code:
        existed = Unit.objects.filter(code=parent_code).exists()
        parent = save_unit(
            code=parent_code, name=parent_name or parent_code, kind=Unit.Kind.NATIONAL
        )
        report.note(parent, not existed)
    existed = Unit.objects.filter(code=code).exists()
    region = save_unit(code=code, name=name, kind=Unit.Kind.REGION, parent=parent, site=site)
    report.note(region, not existed)

    catalog = _catalog(site, catalog_title or _("Courses"), catalog_slug, report)
    _plan(region, year or study_year(), report)
    _theme(site, name, report)
    groups = _groups(catalog, report)
    _workflow(catalog, groups["moderators"], report)
    return region, report


def _catalog(site, title, slug, report):
    home = site.root_page.specific
    catalog = CourseCatalogPage.objects.descendant_of(home).first()
    created = catalog is None
    if created:
        catalog = home.add_child(instance=CourseCatalogPage(title=title, slug=slug))
        catalog.save_revision().publish()
    report.note(catalog, created)
    return catalog


def _plan(region, year, report):
    plan, created = StudyPlan.objects.get_or_create(
        unit=region,
        year=year,
        defaults={"title": _("%(unit)s study plan %(year)s") % {"unit": region.name, "year": year}},
    )
    report.note(plan, created)


def _theme(site, name, report):
    if not apps.is_installed("dj_learning.themes"):
        return
    from dj_learning.themes.models import RegionTheme

    theme, created = RegionTheme.objects.get_or_create(site=site, defaults={"name": name})
    report.note(_("Theme of %(site)s") % {"site": site}, created)


def _groups(catalog, report):
    names = group_names()
    collection = Collection.get_first_root_node()
    groups = {}
    for role, (perms, page_perms, collection_perms) in GROUPS.items():
        group, created = Group.objects.get_or_create(name=names[role])
        report.note(group, created)
        group.permissions.add(*_permissions(perms))
        for permission in _permissions([f"wagtailcore.{kind}_page" for kind in page_perms]):
            GroupPagePermission.objects.get_or_create(
                group=group, page=catalog, permission=permission
            )
        for app, model in [("wagtailimages", "image"), ("wagtaildocs", "document")]:
            for permission in _permissions([f"{app}.{kind}_{model}" for kind in collection_perms]):
                GroupCollectionPermission.objects.get_or_create(
                    group=group, collection=collection, permission=permission
                )
        groups[role] = group
    return groups


def _permissions(names):
    """The Permission rows for ``names`` ("app_label.codename") of installed apps."""
    permissions = []
    for dotted in names:
        app_label, codename = dotted.split(".")
        permission = Permission.objects.filter(
            content_type__app_label=app_label, codename=codename
        ).first()
        if permission is not None:
            permissions.append(permission)
    return permissions


def _workflow(catalog, moderators, report):
    """Editors submit course pages; a moderator approves them before they go live."""
    workflow, created = Workflow.objects.get_or_create(
        name=_("Learning content review"), defaults={"active": True}
    )
    report.note(workflow, created)
    task = GroupApprovalTask.objects.filter(name=_("Moderator approval")).first()
    if task is None:
        task = GroupApprovalTask.objects.create(name=_("Moderator approval"))
    task.groups.add(moderators)
    WorkflowTask.objects.get_or_create(workflow=workflow, task=task, defaults={"sort_order": 0})
    WorkflowPage.objects.get_or_create(page=catalog, defaults={"workflow": workflow})
