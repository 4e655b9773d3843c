"""Wagtail viewsets scoped to the staff member's subtree.

The admin screens of the apps above ``orgs`` (the rewards catalog, point
rules, redemptions, awards, offline training) are Wagtail ``ModelViewSet``s
built on the pieces here, so that every list, edit, delete, history and
export answers the same question through ``orgs.scope``:

- ``ScopePolicy`` is the model's Wagtail permission policy: a staff role of
  ``roles`` grants the listed ``actions``; an object is within reach when its
  unit lies in the subtree of one of those roles.
- ``ScopedModelViewSet`` builds its list from the policy (filters, search and
  CSV/XLSX export see only rows in scope; a "Region" column names each row's
  region), answers 404 for edit, delete and
  history views of objects out of scope, exactly like missing ones, offers
  only in-scope units in its forms (``ScopedUnitForm``) and filters its list
  by a unit of the subtree (``UnitFilter``).
"""

import datetime
from functools import reduce

import django_filters
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db.models import Q
from django.forms import modelform_factory
from django.urls import path
from django.utils.timezone import is_aware, localtime, make_naive
from django.utils.translation import gettext_lazy
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.ui.tables import Column
from wagtail.admin.views import generic
from wagtail.admin.views.generic.history import HistoryView
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.log_actions import log
from wagtail.permission_policies import BasePermissionPolicy
from wagtail.permissions import policy_registry

from . import regions, scope
from .audit import log_scope_export


class ScopePolicy(BasePermissionPolicy):
    """Staff roles decide what a user may do with ``model``; ``orgs.scope`` decides on which rows.

    ``actions`` are the Wagtail actions ("add", "change", "delete", "view")
    the roles grant; any other action is refused. ``unit_field`` is the lookup
    from the model to its unit (``"member__unit"`` for rows of a member).
    """

    def __init__(self, model, roles, *, actions=("add", "change", "delete"), unit_field="unit"):
        super().__init__(model)
        self.roles = tuple(roles)
        self.actions = frozenset(actions)
        self.unit_field = unit_field

    def user_has_permission(self, user, action):
        return action in self.actions and scope.has_role(user, self.roles)

    def users_with_any_permission(self, actions):
        users = get_user_model().objects.filter(is_active=True)
        if not self.actions.intersection(actions):
            return users.none()
        return users.filter(
            Q(is_superuser=True) | Q(learning_roles__role__in=self.roles)
        ).distinct()

    def unit_of(self, instance):
        return reduce(getattr, self.unit_field.split("__"), instance)

    def user_has_permission_for_instance(self, user, action, instance):
        return self.user_has_permission(user, action) and scope.can_see_unit(
            user, self.unit_of(instance), roles=self.roles
        )

    def instances_user_has_any_permission_for(self, user, actions):
        queryset = self.model._default_manager.all()
        if not self.user_has_any_permission(user, actions):
            return queryset.none()
        return scope.filter_members(user, queryset, roles=self.roles, unit_field=self.unit_field)


def policy_of(model):
    return policy_registry.get_by_type(model)


class ScopedUnitForm(WagtailAdminModelForm):
    """A model form whose ``unit`` choices are the units the user's roles cover."""

    def __init__(self, *args, for_user=None, **kwargs):
        super().__init__(*args, for_user=for_user, **kwargs)
        if "unit" in self.fields:
            roles = policy_of(self._meta.model).roles
            self.fields["unit"].queryset = scope.visible_units(for_user, roles=roles).order_by(
                "path"
            )


class UnitFilter(django_filters.ModelChoiceFilter):
    """A list filter: the rows of a unit of the user's subtree and of the units below it.

    Only units the user's ``roles`` cover are offered, so a filter never shows
    another region's units.
    """

    def __init__(self, *, roles, unit_field="unit", **kwargs):
        kwargs.setdefault("label", gettext_lazy("Unit"))
        super().__init__(
            field_name=unit_field,
            queryset=lambda request: scope.visible_units(request.user, roles=roles).order_by(
                "path"
            ),
            **kwargs,
        )

    def filter(self, queryset, value):
        if not value:
            return queryset
        return queryset.filter(**{f"{self.field_name}__path__startswith": value.path})


def region_column(unit_field="unit"):
    """A list column naming the region of each row's unit (no query per row)."""

    def region(instance):
        unit = reduce(getattr, unit_field.split("__"), instance)
        return regions.region_name(unit.path) if unit is not None else ""

    return Column("region", label=gettext_lazy("Region"), accessor=region)


class ScopedObjectMixin:
    """Edit, delete and history views look the object up among the rows in scope (404 if not)."""

    select_related = ()
    prefetch_related = ()

    def scoped_queryset(self, actions):
        queryset = self.permission_policy.instances_user_has_any_permission_for(
            self.request.user, actions
        )
        unit_field = self.permission_policy.unit_field
        return queryset.select_related(unit_field, *self.select_related).prefetch_related(
            *self.prefetch_related
        )


def changed_fields(form):
    """``{field: new value as text}`` for the fields ``form`` changed, for the audit entry."""
    values = {}
    for name in form.changed_data:
        value = form.cleaned_data.get(name)
        if hasattr(value, "all"):  # a many-to-many field
            value = ", ".join(str(item) for item in value.all())
        values[name] = "" if value is None else str(value)
    return values


class LogChangedFieldsMixin:
    """Create and edit views whose audit entry names the changed fields and their new values.

    Wagtail's actions log ``wagtail.create``/``wagtail.edit`` without them; these views
    run the same action with its logging off and log the entry themselves.
    """

    log_action_name = None

    def save_instance(self):
        changed = changed_fields(self.form)
        self.action_class(
            self.form.instance, user=self.request.user, form=self.form, log_action=None
        ).execute(skip_permission_checks=True)
        log(
            self.form.instance,
            self.log_action_name,
            user=self.request.user,
            content_changed=True,
            data={"changed": changed},
        )
        return self.form.instance


def holds_members(model, unit_field):
    """Are ``model``'s rows about members (personal data), by their unit or their own
    ``member``? Suggestions, volunteer service and offline training are, by the latter."""
    return unit_field.startswith("member__") or any(
        field.name == "member" for field in model._meta.get_fields()
    )


class ScopedIndexView(ScopedObjectMixin, generic.IndexView):
    def get_base_queryset(self):
        return self.scoped_queryset(self.any_permission_required)

    def render_to_response(self, context, **response_kwargs):
        # A list of members' rows downloaded as CSV or Excel: the audit trail records who took it.
        if self.is_export and holds_members(self.model, self.permission_policy.unit_field):
            log_scope_export(
                self.request.user,
                f"{self.model._meta.label_lower} list",
                roles=self.permission_policy.roles,
                format=self.request.GET.get("export"),
            )
        return super().render_to_response(context, **response_kwargs)


class ScopedCreateView(LogChangedFieldsMixin, generic.CreateView):
    """Creates through the viewset's ``ScopedUnitForm``: only in-scope units are offered."""

    log_action_name = "wagtail.create"


class ScopedEditView(LogChangedFieldsMixin, ScopedObjectMixin, generic.EditView):
    log_action_name = "wagtail.edit"

    def get_queryset(self):
        return self.scoped_queryset([self.permission_required])


class ScopedDeleteView(ScopedObjectMixin, generic.DeleteView):
    def get_queryset(self):
        return self.scoped_queryset([self.permission_required])


class ScopedHistoryView(ScopedObjectMixin, HistoryView):
    def get_base_object_queryset(self):
        return self.scoped_queryset(self.any_permission_required)


class ScopedModelViewSet(ModelViewSet):
    """A ``ModelViewSet`` whose model has a ``ScopePolicy`` registered.

    ``views`` names the standard views the viewset serves (a subset of
    index, add, edit, delete, history); ``get_extra_urlpatterns()`` adds the
    screens a viewset cannot express, such as an action through a service.
    """

    index_view_class = ScopedIndexView
    add_view_class = ScopedCreateView
    edit_view_class = ScopedEditView
    delete_view_class = ScopedDeleteView
    history_view_class = ScopedHistoryView
    copy_view_enabled = False
    add_to_reference_index = False
    views = ("index", "add", "edit", "delete", "history")
    select_related = ()
    prefetch_related = ()
    #: Applied to every text cell of a CSV/XLSX export (a host passes its formula guard).
    export_text = None

    def get_common_view_kwargs(self, **kwargs):
        view_kwargs = super().get_common_view_kwargs(
            select_related=self.select_related, prefetch_related=self.prefetch_related, **kwargs
        )
        for view in ("add", "edit", "delete", "history"):
            if view not in self.views:
                view_kwargs[f"{view}_url_name"] = None
        view_kwargs["usage_url_name"] = None
        return view_kwargs

    def get_index_view_kwargs(self, **kwargs):
        kwargs.setdefault("page_title", self.menu_label)
        # Every list filters by a unit of the user's subtree, beside its list_filter.
        policy = policy_of(self.model)
        unit = UnitFilter(roles=policy.roles, unit_field=policy.unit_field)
        kwargs.setdefault(
            "base_filterset_class",
            type(f"{self.model.__name__}UnitFilterSet", (WagtailFilterSet,), {"unit": unit}),
        )
        # Exported times are the site's local times, as on the screen.
        preprocess = {
            **generic.IndexView.custom_value_preprocess,
            datetime.datetime: {
                "csv": lambda value: f"{localtime(value):%Y-%m-%d %H:%M}",
                "xlsx": lambda value: make_naive(value) if is_aware(value) else value,
            },
        }
        if self.export_text is not None:
            preprocess[str] = {"csv": self.export_text, "xlsx": self.export_text}
        kwargs.setdefault("custom_value_preprocess", preprocess)
        view_kwargs = super().get_index_view_kwargs(**kwargs)
        # Every list names each row's region, so that two regions' rows are told apart.
        if isinstance(view_kwargs.get("list_display"), (list, tuple)):
            view_kwargs["list_display"] = [
                *view_kwargs["list_display"],
                region_column(policy.unit_field),
            ]
        return view_kwargs

    def register_admin_url_finder(self):
        # Without an edit view there is no edit URL to find (the log would link to nothing).
        if "edit" in self.views:
            super().register_admin_url_finder()

    def get_form_class(self, for_update=False):
        return modelform_factory(
            self.model,
            form=ScopedUnitForm,
            fields=self.get_form_fields(),
            exclude=self.get_exclude_form_fields(),
        )

    def get_permissions_to_register(self):
        # Staff roles grant these screens, not Django permissions: nothing to tick in a group.
        return Permission.objects.none()

    def get_extra_urlpatterns(self):
        return []

    def get_urlpatterns(self):
        # Build only the views served: a list-only viewset has no form to construct.
        pk = f"<{self.pk_path_converter}:pk>"
        routes = {
            "index": lambda: [
                path("", self.index_view, name="index"),
                path("results/", self.index_results_view, name="index_results"),
            ],
            "add": lambda: [path("new/", self.add_view, name="add")],
            "edit": lambda: [path(f"edit/{pk}/", self.edit_view, name="edit")],
            "delete": lambda: [path(f"delete/{pk}/", self.delete_view, name="delete")],
            "history": lambda: [
                path(f"history/{pk}/", self.history_view, name="history"),
                path(
                    f"history-results/{pk}/",
                    self.history_results_view,
                    name="history_results",
                ),
            ],
        }
        patterns = [pattern for view in self.views for pattern in routes[view]()]
        return patterns + self.get_extra_urlpatterns()


def region_chooser_viewset_class(region_filter):
    """A snippet chooser viewset whose list, search and choices are
    ``region_filter(queryset, user)`` (``regions.filter_by_unit`` and the like), so
    that staff of one region never pick another region's row, not even by its id
    (choosing one out of reach answers 404, as a missing one)."""
    from wagtail.snippets.views import chooser

    class ChooseView(chooser.ChooseView):
        def get_object_list(self):
            return region_filter(super().get_object_list(), self.request.user)

    class ChooseResultsView(chooser.ChooseResultsView):
        def get_object_list(self):
            return region_filter(super().get_object_list(), self.request.user)

    class ChosenView(chooser.SnippetChosenView):
        def get_object(self, pk):
            return region_filter(self.model_class.objects.all(), self.request.user).get(pk=pk)

    class ChosenMultipleView(chooser.SnippetChosenMultipleView):
        def get_objects(self, pks):
            return region_filter(super().get_objects(pks), self.request.user)

    return type(
        "RegionSnippetChooserViewSet",
        (chooser.SnippetChooserViewSet,),
        {
            "choose_view_class": ChooseView,
            "choose_results_view_class": ChooseResultsView,
            "chosen_view_class": ChosenView,
            "chosen_multiple_view_class": ChosenMultipleView,
        },
    )
