"""The transcript PDF (``credits.documents.transcript_pdf``) with 5, 150 and 500 entries.

Only rendering is timed: the transcript is computed and issued once
(``services.issue``) and passed in as ``document``, so nothing new is issued.
About 33 entries fill an A4 page (5 entries: 1 page; 150: 5; 500: 15).

Each size is rendered as shipped, and again with Python's cyclic garbage
collector paused for the render ("GC paused"): xhtml2pdf allocates so much
that full collections, which walk every object of the process, take a quarter
to a third of a long PDF's time, and how often they come depends on what the
process already holds (a fresh worker pays more than the bench process late
in a full run). The paused rows are xhtml2pdf's own cost, stable from run to
run.

Then whether rendering is linear in the rows: the ms per row beyond the
5-entry PDF, ``(t(n) - t(5)) / (n - 5)`` from the same run (the ratio 500 vs
150 is 1 when each row costs the same), and the rows rendered per second,
``n / t(n)``. The sizes are rendered in turn within each run, so they share
the machine's state.
"""

import gc
import io

from pypdf import PdfReader

from bench import data, measure
from dj_learning.courses.services import study_year
from dj_learning.credits import documents, services
from dj_learning.members.models import Member
from dj_learning.test import factories

TITLE = "Credits: transcript PDF"
SCENARIO = "transcript PDF"
PAUSED = f"{SCENARIO}, GC paused"
SIZES = (5, 150, 500)
#: PDFs rendered a run: enough to time the small one, one of the large ones.
CALLS = {5: 10, 150: 1, 500: 1}


def _renderer(member, year):
    transcript = services.transcript(member, year)
    document = services.issue(transcript)

    def render():
        return documents.transcript_pdf(transcript, document=document)

    return render


def _paused(render):
    def render_without_gc():
        gc.disable()
        try:
            return render()
        finally:
            gc.enable()

    return render_without_gc


def _per_row(scenario, small, large):
    """ms per row beyond the small PDF, paired run by run; then rows per second."""
    first, n = small.params["entries"], large.params["entries"]
    row = measure.Result(f"{scenario}, per row beyond {first}", {"entries": n}, "ms/row")
    row.samples = [
        (t - t_small) / (n - first) for t, t_small in zip(large.samples, small.samples, strict=True)
    ]
    rate = measure.Result(f"{scenario}, rows per second", {"entries": n}, "rows/s")
    rate.samples = [n * 1000 / t for t in large.samples]
    return row, rate


def run(ctx):
    year = study_year()
    _region, branches = data.region_with_branches(1)
    factories.plan(unit=branches[0], year=year, required_credits="20", min_elective_credits="10")
    calls, results = {}, {}
    for count in SIZES:
        member = factories.member(unit=branches[0])
        data.credit_entries(member, count, year=year)
        member = Member.objects.select_related("unit").get(pk=member.pk)
        render = _renderer(member, year)
        pdf = render()  # also the warm-up: templates, the font, xhtml2pdf's imports
        if not pdf.startswith(b"%PDF"):
            raise measure.BenchError(f"{SCENARIO}: {count} entries did not give a PDF")
        params = {"entries": count, "pages": len(PdfReader(io.BytesIO(pdf)).pages)}
        queries = measure.count_queries(render)
        for scenario, call in ((SCENARIO, render), (PAUSED, _paused(render))):
            calls[scenario, count] = call
            results[scenario, count] = measure.Result(scenario, params, "ms/PDF", queries=queries)
    for _ in range(ctx.runs):
        for key, call in calls.items():
            results[key].samples.append(measure.ms_per_call(call, CALLS[key[1]]))

    out, per_row, per_second = [], [], []
    for scenario in (SCENARIO, PAUSED):
        small, *large = (results[scenario, count] for count in SIZES)
        for result in large:
            result.compare_to(small)
        out += [small, *large]
        rows = [_per_row(scenario, small, result) for result in large]
        row_mid, row_big = (row for row, _rate in rows)
        row_big.compare_to(row_mid)
        per_row += [row_mid, row_big]
        if scenario == SCENARIO:
            rate_mid, rate_big = (rate for _row, rate in rows)
            rate_big.compare_to(rate_mid)
            per_second += [rate_mid, rate_big]
    return out + per_row + per_second
