"""Tags of the shared templates (``dj_learning/base.html`` and its partials).

The shared templates sit below every app, yet show what apps above them know:
the request's theme, the link to the course catalog. Each tag asks
``providers`` for an answer that the app which knows it registers from its
``ready()`` (``"catalog_page"`` by courses, ``"theme"`` by themes), each a
callable ``(request) -> value``. Without that app installed, the tag gives
``None`` and the template leaves the part out.
"""

from django import template

from dj_learning.registry import Registry

register = template.Library()

providers = Registry("shared template providers")


def _provided(name, context):
    request = context.get("request")
    provider = providers.get(name)
    if request is None or provider is None:
        return None
    return provider(request)


@register.simple_tag(takes_context=True)
def catalog_page(context):
    """The course catalog of the current page, or the site's first live one, or ``None``."""
    return _provided("catalog_page", context)


@register.simple_tag(takes_context=True)
def learning_theme(context):
    """The request's resolved theme (``dj_learning.themes``), or ``None`` without that app."""
    return _provided("theme", context)


@register.simple_tag(takes_context=True)
def unread_notifications(context):
    """The signed-in user's unread notifications (``dj_learning.notifications``), or ``None``."""
    return _provided("unread_notifications", context)
