from django import template
from django.apps import apps
from wagtail.models import Site

register = template.Library()


@register.simple_tag(takes_context=True)
def catalog_page(context):
    """The course catalog of the current page, or the site's first live one, or ``None``.

    A course or module page knows its catalog from routing (no query); other
    pages look for the first live catalog in the request's site.
    """
    request = context.get("request")
    if request is None or not apps.is_installed("dj_learning.courses"):
        return None
    if not hasattr(request, "_learning_catalog"):
        from dj_learning.courses.models import CourseCatalogPage

        site = Site.find_for_request(request)
        request._learning_catalog = (
            CourseCatalogPage.objects.live().in_site(site).first() if site else None
        )
    return request._learning_catalog


@register.simple_tag(takes_context=True)
def learning_theme(context):
    """The request's resolved theme (``dj_learning.themes``), or ``None`` without that app."""
    request = context.get("request")
    if request is None or not apps.is_installed("dj_learning.themes"):
        return None
    from dj_learning.themes.services import theme_for_request

    return theme_for_request(request)
