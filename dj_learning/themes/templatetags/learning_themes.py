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


@register.inclusion_tag("dj_learning/themes/member_home.html", takes_context=True)
def member_home(context):
    """The member home's parts (``themes.home``), in the region's order.

    ``{% member_home %}`` in a home page template; each part is a ``djl-home-part``
    section a region's CSS may style, named ``data-part="<name>"``.
    """
    from .. import home

    request = context["request"]
    return {"parts": home.parts(request), "request": request}
