"""The template context every dj-learning page needs, added by ``configure()``.

``learning_base`` is what ``dj_learning/page.html`` (the parent of every member
page) extends: the package's own frame, ``dj_learning/base.html``, or, when
``DJ_LEARNING["BASE_TEMPLATE"]`` names the host's template, a small adapter
that extends it and puts the learning page into the host's blocks.
"""

from functools import lru_cache

from django.template import engines
from django.template.backends.django import DjangoTemplates

from .conf import settings

FRAME = "dj_learning/base.html"


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
    "{% block theme %}{% learning_theme as theme %}{% if theme %}{{ theme.style }}{% endif %}"
    "{% endblock %}"
)


@lru_cache(maxsize=8)
def adapter(name, blocks):
    """A template extending the host's ``name``, compiled once per name and blocks.

    Each of the host's blocks named in ``blocks`` (by role: title, extra_css,
    content, extra_js) holds the package's blocks of that role. A host block
    that has the package's own name (a ``wagtail start`` site calls its blocks
    title, extra_css, content and extra_js too) is the same block: the learning
    page fills it directly.
    """
    host = {"title": "title", "extra_css": "extra_css", "content": "content"}
    host |= {"extra_js": "extra_js", **dict(blocks)}

    def wrap(role, inner):
        if host[role] == role:
            return f"{{% block {role} %}}{inner}{{% endblock %}}"
        return (
            f"{{% block {host[role]} %}}{{% block {role} %}}{inner}{{% endblock %}}{{% endblock %}}"
        )

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
    ]
    if host["content"] != "content":
        # The learning content, with the messages above it, in the host's block.
        parts.append(
            f'{{% block {host["content"]} %}}<div class="djl-host">'
            '{% block messages %}{% include "dj_learning/includes/messages.html" %}{% endblock %}'
            "{% block content %}{% endblock %}</div>{% endblock %}"
        )
    return _engine().from_string("\n".join(parts))


def _engine():
    return next(e for e in engines.all() if isinstance(e, DjangoTemplates))
