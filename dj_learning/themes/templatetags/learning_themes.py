from django import template

from .. import widgets

register = template.Library()


@register.simple_tag(takes_context=True)
def latest_courses(context, limit=3):
    """The newest live courses of the current site (for home page layouts)."""
    request = context["request"]
    return widgets.catalog(request)["courses"][:limit]


@register.simple_tag(takes_context=True)
def latest_notices(context, limit=3):
    """The newest live notices of the current site."""
    request = context["request"]
    return widgets.notices(request)["notices"][:limit]
