"""The registry of embeddable widgets, served at ``/embed/<name>/`` by ``dj_learning.themes``.

It sits below every app so that each app registers its own widgets from its
own ``ready()`` (the rewards app its leaderboard) without importing the
themes app, which serves them::

    from dj_learning import embed

    embed.register(
        "leaderboard", widgets.leaderboard, title=_("Leaderboard"),
        template="dj_learning/rewards/embed/leaderboard.html",
    )

``view(request)`` returns the context of the widget (a dict); the template
extends ``dj_learning/themes/embed/base.html``, which renders it with the
region's theme and handles framing and resizing. Names are URL slugs.
Registering a name again replaces the widget. Without ``dj_learning.themes``
installed nothing serves the widgets.
"""

from dataclasses import dataclass

from dj_learning.registry import Registry


@dataclass(frozen=True)
class Widget:
    name: str
    view: object
    title: str
    template: str


#: ``name -> Widget``.
widgets = Registry("embed widgets")


def register(name, view, *, title, template, order=0):
    """Make ``/embed/<name>/`` render ``template`` with the context ``view(request)`` returns."""
    return widgets.register(
        name, Widget(name=name, view=view, title=title, template=template), order=order
    )


def limit(request, default, most=20):
    """A widget's ``?limit=`` (how many rows to show): ``default`` unless a number is given,
    kept between 1 and ``most``."""
    try:
        return max(1, min(int(request.GET.get("limit", default)), most))
    except ValueError:
        return default
