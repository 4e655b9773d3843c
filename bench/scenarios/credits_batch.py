"""The bulk transcript ZIP (``credits.batches.build``): PDFs per second, 1 and 2 workers.

A region with three branches: one of 40 members, two of 20; each member has
5 credit entries in the year (a 1-page transcript). A clerk over the region
requests each batch, as on the report page. Every run builds new batches, so
each member is issued a new transcript (the previous one superseded) and the
PDFs, the ZIP and the progress updates are all in the time.

- **1 worker, in-process**: ``build`` of the 40-member branch in the bench's
  own process (what the django-q2 task runs). The queries of one build too.
- **2 workers**: two worker processes (``bench/batch_worker.py``), started
  once and warmed up with one batch each, then each run gives them a batch of
  its own 20-member branch at the same moment; PDFs per second of the two
  together, from the moment both are given their batch to the moment both
  are done. The ratio is to the in-process row.
- **Peak memory**: ``ru_maxrss``. In-process, the bench process's high-water
  mark after the builds (``params`` has the mark before them: the process
  also holds what earlier groups built). Per worker, ``RUSAGE_CHILDREN`` as
  the worker's own launcher reads it (see ``bench/batch_worker.py`` for why
  not the bench's), the larger of the two, after all its batches (``params``
  has it after the first: if it grew, the job would leak).

ZIPs go to ``bench/results/media/`` (the bench settings' ``MEDIA_ROOT``) and are
deleted at the end.
"""

import json
import os
import resource
import subprocess
import sys
import time

from bench import data, load, measure
from dj_learning.courses.services import study_year
from dj_learning.credits import batches
from dj_learning.credits.models import TranscriptBatch
from dj_learning.orgs.models import StaffRole
from dj_learning.test import factories

TITLE = "Credits: bulk transcript ZIP"
SCENARIO = "bulk ZIP"
ONE_WORKER_MEMBERS = 40
TWO_WORKER_MEMBERS = 20  # each
ENTRIES_PER_MEMBER = 5


def _branch_of(region, count, *, year):
    branch = factories.unit(parent=region)
    for _ in range(count):
        data.credit_entries(factories.member(unit=branch), ENTRIES_PER_MEMBER, year=year)
    return branch


def _maxrss_mb(who=resource.RUSAGE_SELF):
    return resource.getrusage(who).ru_maxrss / 1024  # kilobytes on Linux


class Workers:
    """Worker processes, each reading batch ids and answering a JSON line a batch."""

    def __init__(self, count, module="dj_learning.credits.batches"):
        command = [sys.executable, "-m", "bench.batch_worker", module]
        self.processes = [
            subprocess.Popen(
                command,
                cwd=load.ROOT,
                env=os.environ.copy(),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
            )
            for _ in range(count)
        ]
        for process in self.processes:
            self._expect(process, "ready")

    def _expect(self, process, what):
        line = process.stdout.readline()
        if not line:
            process.wait()
            raise measure.BenchError(
                f"a batch worker exited with status {process.returncode} before {what}"
            )
        return line

    def build(self, batch_ids):
        """Give each worker its batch at once; seconds until every one is done."""
        start = time.perf_counter()
        for process, batch_id in zip(self.processes, batch_ids, strict=True):
            process.stdin.write(f"{batch_id}\n")
            process.stdin.flush()
        answers = [json.loads(self._expect(p, "its answer")) for p in self.processes]
        seconds = time.perf_counter() - start
        if any("batch" not in answer for answer in answers):  # its launcher's last word
            raise measure.BenchError(f"a batch worker failed on one of batches {batch_ids}")
        return seconds, answers

    def close(self):
        """End the workers; the peak resident memory of each, in MB (``RUSAGE_CHILDREN``)."""
        peaks = []
        for process in self.processes:
            process.stdin.close()
            peak = json.loads(self._expect(process, "its peak memory"))["children_maxrss_kb"]
            peaks.append(peak / 1024)
            if process.wait(timeout=60):
                raise measure.BenchError(f"a batch worker exited with {process.returncode}")
        return peaks

    def kill(self):
        for process in self.processes:
            if process.returncode is None:
                process.kill()
                process.wait()


def _new_batch(unit, year, clerk, made):
    batch = TranscriptBatch.objects.create(unit=unit, year=year, requested_by=clerk)
    made.append(batch.pk)
    return batch.pk


def _check(batch_ids, members):
    for batch in TranscriptBatch.objects.filter(pk__in=batch_ids):
        if (batch.status, batch.done) != (TranscriptBatch.Status.DONE, members):
            raise measure.BenchError(
                f"{SCENARIO}: batch {batch.pk} is {batch.status} with {batch.done} of {members}"
            )


def run(ctx):
    year = study_year()
    region = data.region_with_branches(0)[0]
    clerk = factories.staff(role=StaffRole.Role.CLERK, unit=region)
    one_size, two_size = ctx.sizes((ONE_WORKER_MEMBERS, TWO_WORKER_MEMBERS), (4, 2))
    big = _branch_of(region, one_size, year=year)
    pair = [_branch_of(region, two_size, year=year) for _ in range(2)]
    made = []
    try:
        return _measure(ctx, year, clerk, big, pair, made, one_size, two_size)
    finally:
        for batch in TranscriptBatch.objects.filter(pk__in=made):
            if batch.archive:
                batch.archive.delete(save=False)


def _measure(ctx, year, clerk, big, pair, made, one_size, two_size):
    # One worker, in this process: a warm-up build, then one that counts the queries.
    batches.build(_new_batch(big, year, clerk, made))
    counted = _new_batch(big, year, clerk, made)
    queries = measure.count_queries(lambda: batches.build(counted))
    _check(made, one_size)
    rss_before = _maxrss_mb()
    one = measure.Result(
        SCENARIO,
        {"members": one_size, "workers": 1, "process": "bench"},
        "PDFs/s",
        queries=queries,
    )
    for _ in range(ctx.runs):
        batch_id = _new_batch(big, year, clerk, made)
        start = time.perf_counter()
        batches.build(batch_id)
        one.samples.append(one_size / (time.perf_counter() - start))
    _check(made, one_size)
    memory_one = measure.Result(
        f"{SCENARIO}: peak memory, in-process",
        {"members": one_size, "before_MB": round(rss_before)},
        "MB",
        samples=[_maxrss_mb()],
    )

    # Two workers, each its own process and its own branch.
    total = 2 * two_size
    two = measure.Result(
        SCENARIO, {"members": f"2×{two_size}", "workers": 2, "process": "own"}, "PDFs/s"
    )
    workers = Workers(2)
    try:
        for round_ in range(ctx.runs + 1):  # the first round warms the workers up
            ids = [_new_batch(unit, year, clerk, made) for unit in pair]
            seconds, answers = workers.build(ids)
            _check(ids, two_size)
            if round_:
                two.samples.append(total / seconds)
            else:
                warm = max(answer["maxrss_kb"] for answer in answers) / 1024
        peaks = workers.close()
    finally:
        workers.kill()
    memory_two = measure.Result(
        f"{SCENARIO}: peak memory, per worker",
        {"members": two_size, "workers": 2, "after_first_batch_MB": round(warm)},
        "MB",
        samples=[max(peaks)],
    )
    two.compare_to(one)
    return [one, two, memory_one, memory_two]
