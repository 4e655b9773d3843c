"""A bulk transcript worker in its own process, for the ``credits_batch`` scenarios.

    python -m bench.batch_worker [MODULE]   # from the project root, with the bench's environment

It sets Django up with the bench settings and the bench database (it inherits
``DJANGO_SETTINGS_MODULE`` and ``DATABASE_URL`` from ``run.py``), prints
``ready``, then reads batch ids from stdin, one a line: for each it runs
``MODULE.build`` (what the django-q2 task calls; ``dj_learning.credits.batches``, the
transcripts, unless another module is named, such as ``dj_learning.certificates.batches``) and prints one JSON
line, ``{"batch", "seconds", "maxrss_kb"}`` (its peak resident memory so far).
At the end of its input it prints ``{"children_maxrss_kb"}`` and exits. Like a
queue worker, it lives across jobs: the caller keeps its startup and its first
(warm-up) job out of the time.

Peak memory: on Linux a process started by another keeps, in its
``ru_maxrss``, the high-water mark of the process it was started from (the
bench's own, a few hundred MB). So the worker forks first, while it is small:
the child does the work, and the parent reports the child's peak from
``getrusage(RUSAGE_CHILDREN)``, which then counts the worker alone.
"""

import json
import os
import resource
import sys
import time
import traceback


def serve(module):
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    import importlib

    import django

    django.setup()
    from django.db import connection

    batches = importlib.import_module(module)

    print("ready", flush=True)
    for line in sys.stdin:
        batch_id = int(line)
        start = time.perf_counter()
        batches.build(batch_id)
        seconds = time.perf_counter() - start
        maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print(json.dumps({"batch": batch_id, "seconds": seconds, "maxrss_kb": maxrss}), flush=True)
    connection.close()


def main():
    pid = os.fork()
    if pid == 0:  # the worker
        status = 0
        try:
            serve(sys.argv[1] if len(sys.argv) > 1 else "dj_learning.credits.batches")
        except BaseException:
            traceback.print_exc()
            status = 1
        finally:
            sys.stdout.flush()
            os._exit(status)
    _pid, status = os.waitpid(pid, 0)
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(json.dumps({"children_maxrss_kb": peak}), flush=True)
    sys.exit(os.waitstatus_to_exitcode(status))


if __name__ == "__main__":
    main()
