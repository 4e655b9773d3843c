"""Admin widgets of courses."""

from django import forms
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe
from wagtail.admin.widgets import AdminPageChooser


class PageChoosers(forms.Widget):
    """Wagtail's page chooser for a many-to-many page field (a module's prerequisites):
    one chooser per chosen page and ``extra`` empty ones, each posting one page id
    under the field's name. Clearing a chooser drops its page; saving offers new
    empty ones. The chooser browses and searches only ``target_models`` pages of the
    editor's regions (the page chooser hook in ``orgs``)."""

    def __init__(self, target_models, *, extra=2, attrs=None):
        super().__init__(attrs)
        self.chooser = AdminPageChooser(target_models=target_models)
        self.extra = extra

    @property
    def media(self):
        return self.chooser.media

    def value_from_datadict(self, data, files, name):
        values = data.getlist(name) if hasattr(data, "getlist") else data.get(name) or []
        if not isinstance(values, (list, tuple)):
            values = [values]
        return [value for value in values if value not in (None, "")]

    def value_omitted_from_data(self, data, files, name):
        # An empty list is a choice (no prerequisites), not a missing field.
        return False

    def render(self, name, value, attrs=None, renderer=None):
        attrs = self.build_attrs(self.attrs, attrs)
        base = attrs.get("id") or f"id_{name}"
        chosen = [v for v in (value or []) if v not in (None, "")]
        slots = [*chosen, *([None] * self.extra)]
        rendered = [
            # The first keeps the field's id, which the field's label points at.
            self.chooser.render(name, slot, {**attrs, "id": f"{base}_{i}" if i else base})
            for i, slot in enumerate(slots)
        ]
        return mark_safe(  # each chooser is rendered (and escaped) by Wagtail
            '<div class="djl-page-choosers" data-page-choosers>'
            + format_html_join(
                "", '<div class="djl-page-chooser">{}</div>', ((r,) for r in rendered)
            )
            + "</div>"
        )
