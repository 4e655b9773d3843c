"""The inbox's rules: what kinds of notification exist, sending, reading, e-mail choices.

Every app notifies through :func:`notify`; the kinds it sends are registered in
:data:`kinds` from its own ``AppConfig.ready()``::

    from dj_learning.notifications.services import Kind, kinds

    kinds.register("certificates.issued", Kind(_("Certificate issued")))

then, wherever the event happens::

    notify(member.user, "certificates.issued", gettext_lazy("Certificate %(number)s"),
           params={"number": cert.number}, url=..., key=f"cert:{cert.pk}")

The text is written in the recipient's language (:func:`language_for`), not in the
language of whoever caused the event (a reviewer in an English admin, a job): pass
lazy strings with ``params``, or render under :func:`in_language`.

The notification is written after the caller's transaction commits (what may
lag goes after commit), once per ``key``; an e-mail follows through django-q2
when the user asked for e-mail of that kind.
"""

from dataclasses import dataclass

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from dj_learning.registry import Registry

from .models import EmailPreference, Notification
from .notices import in_language, language_for, languages_for

__all__ = [
    "Kind",
    "in_language",
    "kinds",
    "language_for",
    "mark_all_read",
    "mark_read",
    "notify",
    "notify_many",
    "unread_count",
]


@dataclass(frozen=True)
class Kind:
    """A kind of notification: ``label`` names it on the preferences form; ``email`` is
    whether members get e-mail for it until they choose."""

    label: str
    email: bool = False


#: ``name -> Kind``: every kind of notification an app may send.
kinds = Registry("notification kinds")

kinds.register("general", Kind(_("Notices")))


def _text(user, text, params=None):
    """``text`` (lazy or not) in ``user``'s language, with ``params`` filled in."""
    with in_language(user):
        return _render(text, params)


def _render(text, params=None):
    """``text`` (lazy or not) in the active language, with ``params`` filled in."""
    if params:
        # Before ``str``: a lazy plural (``ngettext_lazy`` naming a key) picks its form here.
        return str(text % dict(params))
    return str(text)


def notify(user, kind, title, *, body="", url="", key=None, params=None):
    """Put a notification in ``user``'s inbox after the current transaction commits.

    ``kind`` must be registered in :data:`kinds`. ``title`` and ``body`` are
    rendered in the user's language (:func:`language_for`): pass lazy strings;
    ``params`` fills the title's ``%(name)s`` placeholders (the body is taken as
    it is: it may be what someone typed). With ``key``, the same user is notified
    once however often this is called. Safe to call inside or outside a
    transaction; nothing is written if the transaction rolls back.
    """
    if kind not in kinds:
        raise ValueError(f"Unknown notification kind {kind!r}; register it in kinds.")
    if user is None:
        return
    title, body = _text(user, title, params)[:255], _text(user, body)
    transaction.on_commit(lambda: _write(user.pk, kind, title, body, url, key))


def _write(user_id, kind, title, body, url, key):
    forget_counts([user_id])
    fields = {"user_id": user_id, "kind": kind, "title": title, "body": body, "url": url}
    if key is None:
        notification = Notification.objects.create(**fields)
    else:
        # A second call with the key finds the first one's row (and sends no second e-mail).
        Notification.objects.bulk_create([Notification(key=key, **fields)], ignore_conflicts=True)
        notification = Notification.objects.filter(user_id=user_id, key=key).first()
    if notification is None or notification.emailed_at is not None:
        return
    if wants_email(user_id, kind):
        from django_q.tasks import async_task

        async_task("dj_learning.notifications.tasks.send_email", notification.pk)


def notify_many(user_ids, kind, title, *, body="", url="", key, params=None):
    """:func:`notify` for many users at once (a poll's audience): one insert, after commit.

    ``key`` is required: running it again notifies nobody twice.
    """
    if kind not in kinds:
        raise ValueError(f"Unknown notification kind {kind!r}; register it in kinds.")
    user_ids = list(user_ids)
    # Each in their region's language: the text once per language.
    languages = languages_for(user_ids)
    texts = {}
    for language in set(languages.values()):
        with translation.override(language):
            texts[language] = (_render(title, params)[:255], _render(body))

    def write():
        Notification.objects.bulk_create(
            [
                Notification(user_id=uid, kind=kind, title=texts[languages[uid]][0],
                             body=texts[languages[uid]][1], url=url, key=key)
                for uid in user_ids
            ],
            ignore_conflicts=True,
            batch_size=1000,
        )  # fmt: skip
        forget_counts(user_ids)
        wanted = _email_wanted(user_ids, kind)
        if wanted:
            from django_q.tasks import async_task

            for pk in Notification.objects.filter(
                user_id__in=wanted, key=key, emailed_at__isnull=True
            ).values_list("pk", flat=True):
                async_task("dj_learning.notifications.tasks.send_email", pk)

    transaction.on_commit(write)


def _email_wanted(user_ids, kind):
    chosen = dict(
        EmailPreference.objects.filter(user_id__in=user_ids, kind=kind).values_list(
            "user_id", "email"
        )
    )
    default = bool(kinds.get(kind) and kinds[kind].email)
    return [uid for uid in user_ids if chosen.get(uid, default)]


def wants_email(user_id, kind):
    choice = (
        EmailPreference.objects.filter(user_id=user_id, kind=kind)
        .values_list("email", flat=True)
        .first()
    )
    if choice is None:
        entry = kinds.get(kind)
        return bool(entry and entry.email)
    return choice


def email_choices(user):
    """``[(name, label, wants e-mail), ...]`` for every registered kind."""
    chosen = dict(EmailPreference.objects.filter(user=user).values_list("kind", "email"))
    return [(name, kind.label, chosen.get(name, kind.email)) for name, kind in kinds.items()]


def set_email_choices(user, wanted):
    """Save which kinds ``user`` wants e-mail for (``wanted``: names; others off)."""
    for name, _kind in kinds.items():
        EmailPreference.objects.update_or_create(
            user=user, kind=name, defaults={"email": name in wanted}
        )


def inbox(user):
    return Notification.objects.filter(user=user)


def unread_count(user):
    if not (user and user.is_authenticated):
        return 0
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


#: Seconds the header's unread count stays in the shared cache; every write through this
#: module drops it at once, so this only bounds changes made around it (a bulk delete).
BELL_SECONDS = 60


def _bell_key(user_id):
    return f"dj_learning:bell:{user_id}"


def forget_counts(user_ids):
    cache.delete_many([_bell_key(uid) for uid in user_ids])


def unread_for_request(request):
    """The header's count (a template provider), kept in the shared cache between writes so
    a page costs no query for it."""
    user = request.user
    if not (user and user.is_authenticated):
        return None
    key = _bell_key(user.pk)
    count = cache.get(key)
    if count is None:
        count = unread_count(user)
        cache.set(key, count, BELL_SECONDS)
    return count


def mark_read(user, notification_id):
    """Mark one of ``user``'s notifications read; ``False`` if it is not theirs."""
    forget_counts([user.pk])
    return bool(
        Notification.objects.filter(user=user, pk=notification_id, read_at__isnull=True).update(
            read_at=timezone.now()
        )
        or Notification.objects.filter(user=user, pk=notification_id).exists()
    )


def mark_all_read(user):
    forget_counts([user.pk])
    return Notification.objects.filter(user=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )
