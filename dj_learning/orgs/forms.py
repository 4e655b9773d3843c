"""Admin forms whose choices keep to the user's regions (``regions.user_region_paths``).

A model's ``base_form_class`` (a snippet's or a page's) built on these offers in
its unit selects only the units of the user's regions (and those above them),
and in its page choosers only pages outside other regions' sites. The value a
row already holds stays a choice, so opening an old row never makes it invalid.
"""

from django import forms
from wagtail.admin.forms import WagtailAdminModelForm, WagtailAdminPageForm
from wagtail.models import Page

from . import regions
from .models import Unit


def unit_path(model):
    """How ``model``'s rows reach the unit that owns them: ``"unit"``, or through one
    foreign key (``"bank__unit"`` for a question); ``None`` if they do not."""

    def unit_of(model):
        field = next((f for f in model._meta.get_fields() if f.name == "unit"), None)
        return field is not None and field.many_to_one and issubclass(field.related_model, Unit)

    if unit_of(model):
        return "unit"
    for field in model._meta.get_fields():
        if field.many_to_one and field.related_model is not None and unit_of(field.related_model):
            return f"{field.name}__unit"
    return None


def narrow_all(form, user):
    """``narrow_choices`` for ``form`` and the forms of its inline panels (a quiz's items)."""
    narrow_choices(form, user)
    for formset in getattr(form, "formsets", {}).values():
        for child in formset.forms:
            narrow_choices(child, user)


def narrow_choices(form, user):
    """Narrow ``form``'s choice fields of units, pages and rows owned by a unit to the
    user's regions."""
    if user is None or regions.user_region_paths(user) is None:
        return
    for name, field in form.fields.items():
        if not isinstance(field, forms.ModelChoiceField):
            continue
        model = field.queryset.model
        if issubclass(model, Unit):
            narrowed = regions.filter_units(field.queryset, user)
        elif issubclass(model, Page):
            narrowed = regions.filter_pages(field.queryset, user)
        elif unit_field := unit_path(model):
            # Rows owned by a unit (a question bank), or through one (its questions).
            narrowed = regions.filter_by_unit(field.queryset, user, unit_field)
        else:
            continue
        current = form.initial.get(name)
        if current:
            held = current if isinstance(current, (list, tuple)) else [current]
            pks = [getattr(value, "pk", value) for value in held]
            narrowed = narrowed | field.queryset.filter(pk__in=pks)
        field.queryset = narrowed


class RegionChoicesForm(WagtailAdminModelForm):
    """A snippet's admin form offering only its user's regions' units and pages."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        narrow_all(self, self.for_user)


class RegionChoicesPageForm(WagtailAdminPageForm):
    """A page's admin form offering only its user's regions' units and pages."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        narrow_all(self, self.for_user)
