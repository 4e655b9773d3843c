"""A process's copy of what Django's cache holds under keys that name their content.

The course page reads a hundred rendered rows from the shared cache on every
request. A row's key is a digest of everything the row shows, so what a key holds
never changes: a change makes a new key in every process at once.
Such a value can be kept in the process as well, in front of the shared cache,
without a process ever serving something another would not: this memo keeps at
most ``size`` of them, each for the seconds the shared cache keeps it, and forgets
the oldest first. It holds nothing the shared cache does not, and nothing that a
restart or another worker needs.
"""

import threading
import time
from collections import OrderedDict


class Memo:
    """Values of content-named cache keys, for ``seconds``, at most ``size`` of them."""

    def __init__(self, size):
        self.size = size
        self._items = OrderedDict()
        self._lock = threading.Lock()

    def get_many(self, keys):
        now, found = time.monotonic(), {}
        with self._lock:
            for key in keys:
                item = self._items.get(key)
                if item is not None:
                    if item[0] > now:
                        found[key] = item[1]
                    else:
                        del self._items[key]
        return found

    def get(self, key):
        return self.get_many([key]).get(key)

    def set_many(self, values, seconds):
        if not values or not seconds:
            return
        until = time.monotonic() + seconds
        with self._lock:
            for key, value in values.items():
                self._items[key] = (until, value)
                self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def clear(self):
        with self._lock:
            self._items.clear()


#: Rendered module rows (``{% module_rows %}``).
rows = Memo(size=20_000)
