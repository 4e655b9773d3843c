from django import template
from django.utils.html import escape, linebreaks
from django.utils.safestring import mark_safe
from wagtail.whitelist import Whitelister

from ..models import FILL_BLANK

register = template.Library()


@register.filter
def question_text(text):
    """A question's stem as safe HTML: simple HTML is kept, anything else dropped.

    Plain text keeps its line breaks. The blank of a fill-in question shows as a line.
    """
    text = str(text or "")
    html = Whitelister().clean(text) if "<" in text else linebreaks(escape(text))
    return mark_safe(html.replace(FILL_BLANK, '<span class="djl-blank">______</span>'))


@register.filter
def get_item(mapping, key):
    if isinstance(mapping, dict):
        return mapping.get(str(key))
    return None
