"""What a scenario measures and how: results, statistics, timing, query counts."""

import gc
import statistics
import time
from dataclasses import dataclass, field

from django.db import connection
from django.test.utils import CaptureQueriesContext


class BenchError(Exception):
    """A scenario did not get the page it meant to measure."""


@dataclass
class Context:
    """The run's options, as every scenario group receives them."""

    runs: int = 5
    requests: int = 20  # in-process requests timed in one run
    duration: float = 3.0  # seconds of load in one throughput run
    workers: int = 2  # web server processes for the throughput scenarios
    concurrency: int = 4  # client connections for the throughput scenarios
    smoke: bool = False  # --smoke: every scenario once, at tiny sizes, to check it runs

    def sizes(self, full, smoke):
        """The data sizes of a scenario: ``full``, or ``smoke`` in a smoke run."""
        return smoke if self.smoke else full


@dataclass
class Result:
    """``runs`` samples of one scenario with one set of parameters.

    ``ratio`` compares the median with the ``baseline`` result's median (and
    ``queries_ratio`` the query counts): the point of most scenarios is how a
    cost grows, or how it compares with a reference.
    """

    scenario: str
    params: dict
    unit: str
    samples: list = field(default_factory=list)
    queries: int | None = None
    baseline: dict | None = None  # {"scenario", "params"} of the result compared with
    ratio: float | None = None
    queries_ratio: float | None = None

    @property
    def median(self):
        return statistics.median(self.samples)

    @property
    def min(self):
        return min(self.samples)

    @property
    def max(self):
        return max(self.samples)

    def compare_to(self, baseline):
        self.baseline = {"scenario": baseline.scenario, "params": baseline.params}
        self.ratio = round(self.median / baseline.median, 3)
        if self.queries is not None and baseline.queries:
            self.queries_ratio = round(self.queries / baseline.queries, 3)
        return self

    def as_dict(self):
        return {
            "scenario": self.scenario,
            "params": self.params,
            "unit": self.unit,
            "runs": len(self.samples),
            "median": round(self.median, 3),
            "min": round(self.min, 3),
            "max": round(self.max, 3),
            "samples": [round(s, 3) for s in self.samples],
            "queries": self.queries,
            "baseline": self.baseline,
            "ratio": self.ratio,
            "queries_ratio": self.queries_ratio,
        }


def count_queries(call):
    """The number of SQL queries ``call()`` makes (DEBUG need not be on)."""
    with CaptureQueriesContext(connection) as queries:
        call()
    return len(queries)


def ms_per_call(call, calls):
    """Milliseconds per ``call()``, the mean of ``calls`` calls in a row."""
    gc.collect()
    start = time.perf_counter()
    for _ in range(calls):
        call()
    return (time.perf_counter() - start) * 1000 / calls


def client_get(client, url, *, expect=None):
    """A function that GETs ``url`` with a Django test client and checks the answer."""

    def get():
        response = client.get(url)
        if response.status_code != 200:
            raise BenchError(f"GET {url}: status {response.status_code}, not 200")
        return response

    def first():
        html = get().content.decode()
        if expect is not None and expect not in html:
            raise BenchError(f"GET {url}: the page lacks {expect!r}")

    return get, first


def page(ctx, client, url, *, scenario, params, expect=None):
    """Time and count the queries of GETs of ``url`` in this process.

    One checked warm-up request (Wagtail's site cache, templates), then the
    queries of one request, then ``ctx.runs`` runs of ``ctx.requests`` requests.
    """
    get, first = client_get(client, url, expect=expect)
    first()
    result = Result(scenario, params, "ms/request", queries=count_queries(get))
    result.samples = [ms_per_call(get, ctx.requests) for _ in range(ctx.runs)]
    return result
