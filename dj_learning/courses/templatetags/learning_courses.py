"""Template tags of the course pages."""

import hashlib

from django import template
from django.core.cache import cache
from django.template import Context
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from dj_learning.conf import settings
from dj_learning.courses import memo

register = template.Library()

ROW_TEMPLATE = "dj_learning/courses/module_row.html"
#: Short keys: a page reads a hundred of them, and backends check each key character by character.
ROW_CACHE_PREFIX = "djl-row:"


def row_cache_key(template_digest, language, row, member):
    """The key of one rendered row in Django's cache: everything the row shows.

    The progress, whether someone is signed in, the language, the row
    template's source, and the module as shown: the version of its course's
    outline (``ModuleOutline.version``, renewed by any change to a module of
    the course) or else its fields and URL. Publishing a change to what a row
    shows (or deploying another template) makes a new key in every process.
    """
    module = row.module
    version = getattr(module, "version", None)
    if version is not None:
        parts = (
            f"{template_digest}:{language}:{int(bool(member))}:{version}:"
            f"{module.pk}:{int(bool(row.completed))}:{row.percent}"
        )
        return ROW_CACHE_PREFIX + hashlib.blake2b(parts.encode(), digest_size=16).hexdigest()
    parts = (
        template_digest,
        language,
        bool(member),
        module.pk,
        module.title,
        module.slug,
        module.kind,
        str(module.credits),
        str(module.min_study_minutes),
        row.url,
        row.completed,
        row.percent,
    )
    return ROW_CACHE_PREFIX + hashlib.blake2b(repr(parts).encode(), digest_size=16).hexdigest()


def _template_digest(row_template):
    source = getattr(getattr(row_template, "template", row_template), "source", "")
    return hashlib.sha256(source.encode()).hexdigest()[:16]


@register.simple_tag(takes_context=True)
def module_rows(context, rows):
    """The rows of a course page, each rendered by ``module_row.html``.

    A row shows only its module (title, kind, credits…), its URL, whether it
    is complete and how far, and whether someone is signed in: members' rows
    repeat, so a rendered row is kept in Django's cache (shared by every
    process) for ``COURSE_PAGE_CACHE_SECONDS`` under a key made of exactly
    that (``row_cache_key``), and a page reads all of its rows at once. The
    row template sees only ``row`` and ``member`` (``True`` or ``None``, not
    who), so nothing of one member can reach another's page
    (docs/theming.md). With the template engine in debug mode, or the
    setting at 0, every row is rendered.
    """
    engine = context.template.engine
    row_template = engine.get_template(ROW_TEMPLATE)
    member = True if context.get("member") else None
    seconds = settings.COURSE_PAGE_CACHE_SECONDS
    rows = list(rows)
    keys, found = [], {}
    if seconds and not engine.debug:
        digest, language = _template_digest(row_template), get_language()
        keys = [row_cache_key(digest, language, row, member) for row in rows]
        found = memo.rows.get_many(keys)
        if len(found) < len(keys):
            shared = cache.get_many([key for key in keys if key not in found])
            memo.rows.set_many(shared, seconds)
            found.update(shared)
    parts, missing = [], {}
    for position, row in enumerate(rows):
        key = keys[position] if keys else None
        html = found.get(key) if key else None
        if html is None:
            html = row_template.render(
                Context(
                    {"row": row, "member": member},
                    autoescape=context.autoescape,
                    use_l10n=context.use_l10n,
                    use_tz=context.use_tz,
                )
            )
            if key:
                missing[key] = str(html)
        parts.append(html)
    if missing:
        cache.set_many(missing, seconds)
        memo.rows.set_many(missing, seconds)
    return mark_safe("".join(parts))
