"""The one shape of every extension point an app fills from its own ``ready()``.

A :class:`Registry` is an ordered collection of named entries. The app that
owns an extension point creates one at module level; other apps (the
package's own and a host site's) add to it from their ``AppConfig.ready()``::

    # dj_learning/courses/completion.py (the owner)
    requirements = Registry("completion requirements")

    # dj_learning/quizzes/apps.py (a contributor)
    def ready(self):
        from dj_learning.courses import completion

        completion.requirements.register("quizzes.quiz_passed", services.module_quiz_passed)

Names make registration idempotent: ``ready()`` may run more than once (tests,
autoreload) and registering the same name again replaces the entry in place,
keeping its position. Entries are kept in registration order unless an
``order`` is given (lower first; equal orders keep registration order).

A registry holds code, never data: it is filled at start-up, identically in
every process, so nothing in it has to be shared between workers.
"""

from contextlib import contextmanager

__all__ = ["Registry"]

_MISSING = object()


class Registry:
    """Named entries in a stable order; see the module docstring."""

    def __init__(self, description):
        self.description = description
        self._entries = {}  # name -> (order, sequence, value)
        self._sequence = 0

    def __repr__(self):
        return f"<Registry {self.description}: {', '.join(self.names())}>"

    def register(self, name, value=_MISSING, *, order=0):
        """Add ``value`` under ``name``; usable as a decorator when ``value`` is omitted.

        Registering a name again replaces its value (and order) but keeps the
        position it was first given among equal orders. Returns ``value``.
        """
        if value is _MISSING:
            return lambda value: self.register(name, value, order=order)
        previous = self._entries.get(name)
        if previous is None:
            self._sequence += 1
            sequence = self._sequence
        else:
            sequence = previous[1]
        self._entries[name] = (order, sequence, value)
        return value

    def unregister(self, name):
        """Remove ``name``; removing a name that is not there does nothing."""
        self._entries.pop(name, None)

    def get(self, name, default=None):
        entry = self._entries.get(name)
        return default if entry is None else entry[2]

    def __getitem__(self, name):
        return self._entries[name][2]

    def __contains__(self, name):
        return name in self._entries

    def __len__(self):
        return len(self._entries)

    def _sorted(self):
        return sorted(self._entries.items(), key=lambda item: item[1][:2])

    def names(self):
        return [name for name, _entry in self._sorted()]

    def items(self):
        """``(name, value)`` pairs in order."""
        return [(name, entry[2]) for name, entry in self._sorted()]

    def values(self):
        return [entry[2] for _name, entry in self._sorted()]

    def __iter__(self):
        return iter(self.values())

    @contextmanager
    def registered(self, name, value, *, order=0):
        """Register ``value`` for the duration of a ``with`` block (tests, previews)."""
        previous = self._entries.get(name)
        self.register(name, value, order=order)
        try:
            yield value
        finally:
            if previous is None:
                self._entries.pop(name, None)
            else:
                self._entries[name] = previous
