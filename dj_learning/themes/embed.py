"""The registry of embeddable widgets, served at ``/embed/<name>/``.

An app adds a widget with::

    from dj_learning.themes import embed

    embed.register("leaderboard", leaderboard_view, title=_("Leaderboard"))

``view(request)`` returns the context of the widget (a dict) and may set
``template`` in it; the widget is rendered inside
``dj_learning/themes/embed/base.html`` with the region's theme, and framing
and resizing are handled here. Names are URL slugs.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Widget:
    name: str
    view: object
    title: str
    template: str


_widgets = {}


def register(name, view, *, title, template):
    """Make ``/embed/<name>/`` render ``template`` with the context ``view(request)`` returns."""
    _widgets[name] = Widget(name=name, view=view, title=title, template=template)


def unregister(name):
    _widgets.pop(name, None)


def get(name):
    return _widgets.get(name)


def widgets():
    """The registered widgets, in the order they were registered."""
    return list(_widgets.values())


def register_shipped_widgets(is_installed):
    """The widgets dj-learning ships, each only when the app it shows is installed."""
    from . import widgets as shipped

    if is_installed("dj_learning.courses"):
        register(
            "catalog",
            shipped.catalog,
            title=_("Courses"),
            template="dj_learning/themes/embed/catalog.html",
        )
        register(
            "my-study",
            shipped.my_study,
            title=_("My study"),
            template="dj_learning/themes/embed/my_study.html",
        )
    register(
        "notices",
        shipped.notices,
        title=_("Notices"),
        template="dj_learning/themes/embed/notices.html",
    )
    if is_installed("dj_learning.rewards"):
        # The rewards app ships the partial; without the app there is no leaderboard widget.
        register(
            "leaderboard",
            shipped.leaderboard,
            title=_("Leaderboard"),
            template="dj_learning/themes/embed/leaderboard.html",
        )
