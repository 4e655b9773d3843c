"""The door the other apps notify through, whether or not the inbox is installed.

``rewards``, ``certificates``, ``credits`` and ``activities`` do not require
``dj_learning.notifications``: a site may leave it out. They register their
kinds and send through these functions, which do nothing without the app (and
never import its models then), and otherwise hand over to ``services``::

    from dj_learning.notifications import notices

    # AppConfig.ready()
    notices.register_kind("rewards.redemption_ready", _("A reward ready to pick up"))

    # where it happens
    with notices.in_language(member.user):
        notices.notify(member.user, "rewards.redemption_ready", _("..."), key=...)
"""

from django.apps import apps
from django.conf import settings as django_settings
from django.utils import translation

from dj_learning.conf import settings
from dj_learning.registry import Registry

APP = "dj_learning.notifications"


def installed():
    return apps.is_installed(APP)


#: Where members' languages come from, asked in order: callables taking user ids and
#: answering ``{user id: language code}`` for those they know (themes adds each region's
#: members' language).
member_languages = Registry("member languages")


def default_language():
    return settings.MEMBER_LANGUAGE or django_settings.LANGUAGE_CODE


def languages_for(user_ids):
    """``{user id: language}`` of the users' notifications (see :func:`language_for`),
    for many at once: a query per registry entry, whatever their number."""
    user_ids = list(user_ids)
    found = {}
    for languages_of in member_languages.values():
        missing = [uid for uid in user_ids if uid not in found]
        if not missing:
            break
        found.update(languages_of(missing))
    return {uid: found.get(uid) or default_language() for uid in user_ids}


def language_for(user):
    """The language ``user``'s notifications are written in.

    Members read the member pages in their region's language (``member_languages``),
    else ``DJ_LEARNING["MEMBER_LANGUAGE"]``, else the site's ``LANGUAGE_CODE``; their
    inbox and e-mail speak it too, whoever caused the event (a reviewer in an English
    admin, a nightly job).
    """
    if user is None or not len(member_languages):
        return default_language()
    return languages_for([user.pk])[user.pk]


def in_language(user):
    """A context manager that renders text (templates, ``gettext``) in ``user``'s language."""
    return translation.override(language_for(user))


def register_kind(name, label, *, email=False):
    """Register a kind of notification (from ``AppConfig.ready()``); nothing without the app."""
    if installed():
        from .services import Kind, kinds

        kinds.register(name, Kind(label, email=email))


def notify(user, kind, title, **kwargs):
    """``services.notify`` when the inbox is installed; nothing otherwise."""
    if installed():
        from .services import notify as send

        send(user, kind, title, **kwargs)


def notify_many(user_ids, kind, title, **kwargs):
    """``services.notify_many`` when the inbox is installed; nothing otherwise."""
    if installed():
        from .services import notify_many as send

        send(user_ids, kind, title, **kwargs)


def wants_email(user, kind):
    """Does ``user`` get e-mail of ``kind`` (their choice, else the kind's default)?"""
    if not installed():
        return False
    from .services import wants_email as wants

    return bool(user.email) and wants(user.pk, kind)
