"""A member's home after sign-in: parts shown in the region's order, Moodle-dashboard style.

Each part is an embed widget (``dj_learning.embed``): the same content is served
at ``/embed/<name>/`` for a region's portal and shown on the home, where the
``widget`` block of the widget's embed template is rendered inside the site's
page. So an app adds a part by registering a widget (the activities app its
"upcoming-activities"), and a region reorders or drops parts in its theme
(``home_parts``) without touching a template. ``MEMBER_HOME_PARTS`` is the default.
"""

import re
from dataclasses import dataclass

from django.template import RequestContext
from django.template.loader import get_template
from django.template.loader_tags import BlockNode
from django.utils.safestring import mark_safe

from dj_learning import embed
from dj_learning.conf import settings

from . import services


def split(value):
    """Part names from a theme's text: separated by commas, spaces or new lines."""
    return [name for name in re.split(r"[\s,，]+", value or "") if name]


def unknown_parts(value):
    """The names in ``value`` that no installed app registers as a widget."""
    return [name for name in split(value) if name not in embed.widgets]


def part_names(request):
    """The names of the parts to show, in order: the theme's, else the setting's."""
    theme = services.theme_for_request(request)
    names = split(theme.home_parts) if theme and theme.home_parts else settings.MEMBER_HOME_PARTS
    return [name for name in names if name in embed.widgets]


@dataclass
class Part:
    name: str
    title: str
    html: str


def _widget_block(template):
    for node in template.template.nodelist.get_nodes_by_type(BlockNode):
        if node.name == "widget":
            return node
    return None


def render_part(request, widget):
    """The ``widget`` block of ``widget``'s embed template, with its view's context."""
    template = get_template(widget.template)
    block = _widget_block(template)
    if block is None:
        return ""
    context = RequestContext(request, {**widget.view(request), "widget": widget, "in_home": True})
    with context.bind_template(template.template):
        return mark_safe(block.nodelist.render(context))


def parts(request):
    """The member home's parts, rendered, in the region's order."""
    found = []
    for name in part_names(request):
        widget = embed.widgets[name]
        found.append(Part(name=name, title=str(widget.title), html=render_part(request, widget)))
    return found
