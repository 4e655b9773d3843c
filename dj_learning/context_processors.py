"""The template context every dj-learning page needs, added by ``configure()``.

``learning_base`` is what ``dj_learning/page.html`` (the parent of every member
page) extends: the package's own frame, ``dj_learning/base.html``, or, when
``DJ_LEARNING["BASE_TEMPLATE"]`` names the host's template, a small adapter
that extends it and puts the learning page into the host's blocks.
"""

import copy
from functools import lru_cache

from django.template import engines
from django.template.backends.django import DjangoTemplates
from django.template.loader_tags import BLOCK_CONTEXT_KEY, ExtendsNode

from .conf import settings

FRAME = "dj_learning/base.html"
# The name the learning pages' ``content`` block takes inside a host whose own
# content block is also called ``content`` (see HostExtendsNode).
PAGE_CONTENT = "djl_page_content"


def learning(request):
    return {"learning_base": base_template()}


def base_template():
    """The name of the package's frame, or the adapter to the host's base template."""
    name = settings.BASE_TEMPLATE
    if not name or name == FRAME:
        return FRAME
    return adapter(name, tuple(sorted(settings.BASE_TEMPLATE_BLOCKS.items())))


STYLES = (
    "{% block stylesheets %}"
    '<link rel="stylesheet" href="{% static \'dj_learning/css/learning.css\' %}">'
    "{% endblock %}"
    # The region theme's <style>, with the request's Content-Security-Policy nonce.
    "{% block theme %}{% learning_theme as theme %}{% if theme %}{% theme_style theme %}{% endif %}"
    "{% endblock %}"
)


def wrapper(inner):
    """What the host's content block holds: the learning page's block ``inner`` in a
    wrapper that scopes the package's styles, the page's messages and a language switch
    above it (the package's frame shows these around its main part and in its footer,
    which a host's page has not)."""
    return (
        '<div class="djl-host">'
        '{% block messages %}{% include "dj_learning/includes/messages.html" %}{% endblock %}'
        "{% learning_language once=True %}"
        f"{{% block {inner} %}}{{% endblock %}}</div>"
    )


class HostExtendsNode(ExtendsNode):
    """``{% extends %}`` of the adapter when the host's content block is named ``content``
    like the learning pages' own.

    A page's ``content`` block would replace the adapter's whole, wrapper and messages
    included. So before the adapter adds its blocks, the pages' ``content`` blocks are
    renamed ``PAGE_CONTENT``, and the adapter's ``content`` (the wrapper) holds them.
    """

    def render(self, context):
        block_context = context.render_context.get(BLOCK_CONTEXT_KEY)
        if block_context is not None:
            pages = block_context.blocks.pop("content", [])
            block_context.blocks[PAGE_CONTENT] = [_renamed(block) for block in pages]
        return super().render(context)


def _renamed(block):
    block = copy.copy(block)
    block.name = PAGE_CONTENT
    return block


@lru_cache(maxsize=8)
def adapter(name, blocks):
    """A template extending the host's ``name``, compiled once per name and blocks.

    Each of the host's blocks named in ``blocks`` (by role: title, extra_css,
    content, extra_js) holds the package's blocks of that role. A host block
    that has the package's own name (a ``wagtail start`` site calls its blocks
    title, extra_css and extra_js too) is the same block: the learning page
    fills it directly. The content block always holds the wrapper, whatever
    its name.
    """
    host = {"title": "title", "extra_css": "extra_css", "content": "content"}
    host |= {"extra_js": "extra_js", **dict(blocks)}

    def wrap(role, inner):
        if host[role] == role:
            return f"{{% block {role} %}}{inner}{{% endblock %}}"
        return (
            f"{{% block {host[role]} %}}{{% block {role} %}}{inner}{{% endblock %}}{{% endblock %}}"
        )

    same_content = host["content"] == "content"
    parts = [
        f"{{% extends {name!r} %}}{{% load static learning_tags %}}",
        wrap("title", "{% block page_title %}{% endblock %}"),
        # The host's own styles first ({{ block.super }}), then the package's.
        f"{{% block {host['extra_css']} %}}{{{{ block.super }}}}{STYLES}"
        + ("" if host["extra_css"] == "extra_css" else "{% block extra_css %}{% endblock %}")
        + "{% endblock %}",
        f"{{% block {host['extra_js']} %}}{{{{ block.super }}}}"
        + ("" if host["extra_js"] == "extra_js" else "{% block extra_js %}{% endblock %}")
        + "{% endblock %}",
        f"{{% block {host['content']} %}}"
        + wrapper(PAGE_CONTENT if same_content else "content")
        + "{% endblock %}",
    ]
    template = _engine().from_string("\n".join(parts))
    if same_content:
        extends = template.template.nodelist[0]
        node = HostExtendsNode(extends.nodelist, extends.parent_name, extends.template_dirs)
        node.origin, node.token = extends.origin, extends.token
        template.template.nodelist[0] = node
    return template


def _engine():
    return next(e for e in engines.all() if isinstance(e, DjangoTemplates))
