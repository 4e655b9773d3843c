"""Running code in parallel threads, for the race tests (PostgreSQL, one connection each)."""

import threading
from contextlib import nullcontext

from django.db import connection
from django.utils import translation


def in_parallel(count, work, *, language=None):
    """Run ``work(i)`` in ``count`` threads released together, each on its own database
    connection (closed after), with ``language`` active if given; returns what each
    returned or the error it raised, in order."""
    barrier = threading.Barrier(count)
    results = [None] * count

    def run(i):
        try:
            with translation.override(language) if language else nullcontext():
                barrier.wait()
                results[i] = work(i)
        except Exception as error:  # noqa: BLE001 - the test inspects what each got
            results[i] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results
