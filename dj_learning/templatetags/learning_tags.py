"""Tags of the shared templates (``dj_learning/base.html`` and its partials).

The shared templates sit below every app, yet show what apps above them know:
the request's theme, the link to the course catalog. Each tag asks
``providers`` for an answer that the app which knows it registers from its
``ready()`` (``"catalog_page"`` by courses, ``"theme"`` by themes, ``"certificates"`` by certificates), each a
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
def theme_style(context, theme):
    """The theme's ``<style>``, carrying the request's Content-Security-Policy nonce."""
    if not theme:
        return ""
    return theme.style(nonce=_nonce(context) or None)


@register.simple_tag(takes_context=True)
def csp_nonce(context):
    """The request's Content-Security-Policy nonce, for ``<script nonce="…">`` and
    ``<style nonce="…">`` a host template adds (empty without django-csp)."""
    return _nonce(context)


def _nonce(context):
    # str() makes django-csp's lazy nonce (falsy until read) and puts it in the header.
    request = context.get("request")
    nonce = getattr(request, "csp_nonce", None) if request is not None else None
    return str(nonce) if nonce is not None else ""


@register.simple_tag(takes_context=True)
def provided(context, name):
    """What the provider registered as ``name`` answers for the request, or ``None``:
    ``{% provided "certificates" as certificates %}``."""
    return _provided(name, context)


@register.simple_tag(takes_context=True)
def unread_notifications(context):
    """The signed-in user's unread notifications (``dj_learning.notifications``), or ``None``."""
    return _provided("unread_notifications", context)


@register.inclusion_tag("dj_learning/includes/learning_menu.html", takes_context=True)
def learning_menu(context):
    """The learning links (My study, courses, quizzes, points, sign in) for a host's own navigation.

    ``{% load learning_tags %}{% learning_menu %}`` in the host's ``base.html``.
    A link whose app is not installed is left out.
    """
    return {"request": context.get("request"), "catalog": catalog_page(context)}


SHOWN = "_dj_learning_language_shown"


@register.inclusion_tag("dj_learning/includes/language_switch.html", takes_context=True)
def learning_language(context, once=False):
    """The language switch (Django's ``set_language``) for a host's own header.

    ``{% load learning_tags %}{% learning_language %}`` in the host's ``base.html``.
    Learning pages in a host's look show one above their content
    (``once=True``), unless the host already placed it earlier on the page.
    """
    request = context.get("request")
    show = not (once and getattr(request, SHOWN, False))
    if show and request is not None:
        setattr(request, SHOWN, True)
    return {"request": request, "show": show}
