"""The scenario groups, in the order ``run.py`` runs them.

A group is a module here with ``TITLE`` and ``run(ctx) -> list[Result]``: it
builds its own data in the bench database and measures it (see
bench/README.md). Groups are imported after Django is set up, so they may
import models at the top.
"""

from importlib import import_module

GROUPS = [
    "course_page",
    "my_study",
    "throughput",
    "credits_transcript",
    "credits_pdf",
    "credits_batch",
    "credits_report",
    "quiz",
    "points",
    "certificates",
    "checkin",
    "voice",
    "load",
    "peer_lms",
]


def group(name):
    """The module of group ``name`` (not ``load()``: a group is called ``load``)."""
    return import_module(f"{__name__}.{name}")
