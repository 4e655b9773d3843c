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


def narrow_choices(form, user):
    """Narrow ``form``'s unit and page choice fields to the user's regions."""
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
        narrow_choices(self, self.for_user)


class RegionChoicesPageForm(WagtailAdminPageForm):
    """A page's admin form offering only its user's regions' units and pages."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        narrow_choices(self, self.for_user)
