"""Template tags of the course pages."""

from django import template
from django.template import Context
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

register = template.Library()

ROW_TEMPLATE = "dj_learning/courses/module_row.html"
# Rendered rows kept per process; when full, it starts again (a few MB at most).
MAX_ROWS = 10_000
_rows = {}


def _row_key(template, language, row, member):
    module = row.module
    return (
        template,
        language,
        bool(member),
        module.pk,
        module.title,
        module.slug,
        module.kind,
        module.credits,
        module.min_study_minutes,
        row.url,
        row.completed,
        row.percent,
    )


@register.simple_tag(takes_context=True)
def module_rows(context, rows):
    """The rows of a course page, each rendered by ``module_row.html``.

    A row shows only its module (title, kind, credits…), its URL, whether it
    is complete and how far, and whether someone is signed
    in: members' rows repeat, so each process renders a distinct row once per
    language and reuses it. The row template sees only ``row`` and ``member``
    (``True`` or ``None``, not who), so nothing of one member can reach
    another's page (docs/theming.md). With the template engine in debug mode,
    every row is rendered.
    """
    engine = context.template.engine
    row_template = engine.get_template(ROW_TEMPLATE)
    member = True if context.get("member") else None
    reuse = not engine.debug
    language = get_language()
    parts = []
    for row in rows:
        key = _row_key(row_template, language, row, member) if reuse else None
        html = _rows.get(key) if reuse else None
        if html is None:
            html = row_template.render(
                Context(
                    {"row": row, "member": member},
                    autoescape=context.autoescape,
                    use_l10n=context.use_l10n,
                    use_tz=context.use_tz,
                )
            )
            if reuse:
                if len(_rows) >= MAX_ROWS:
                    _rows.clear()
                _rows[key] = html
        parts.append(html)
    return mark_safe("".join(parts))
