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

Last, the alternative renderer a site might pick: WeasyPrint (``bench/requirements.txt``;
it needs pango). The 5- and 150-entry transcripts' HTML, exactly as ``transcript_pdf``
renders it from the template, is turned into a PDF by xhtml2pdf
(``pdf.services.html_to_pdf``, with its checks) and by WeasyPrint, in turn in each run:
ms per PDF, and WeasyPrint's time over xhtml2pdf's (above 1: xhtml2pdf is faster).
WeasyPrint may read the same font and ``data:`` URIs (the QR code) and nothing else, as
xhtml2pdf's resource policy; it ignores xhtml2pdf's ``@frame`` footer, so its pages
carry the footer's text at the top instead of a page number.
"""

import gc
import io
from unittest import mock

from pypdf import PdfReader

from bench import data, measure
from dj_learning.courses.services import study_year
from dj_learning.credits import documents, services
from dj_learning.members.models import Member
from dj_learning.pdf import services as pdf_services
from dj_learning.test import factories

TITLE = "Credits: transcript PDF"
SCENARIO = "transcript PDF"
PAUSED = f"{SCENARIO}, GC paused"
SIZES = (5, 150, 500)
#: PDFs rendered a run: enough to time the small one, one of the large ones.
CALLS = {5: 10, 150: 1, 500: 1}
SMOKE_SIZES = (5, 10, 20)
SAME_HTML = "PDF from the transcript's HTML"
#: The sizes rendered by both renderers (1 and 5 pages).
ALTERNATIVE_SIZES = (5, 150)
SMOKE_ALTERNATIVE_SIZES = (5, 10)


def _html(member, year):
    """The HTML ``transcript_pdf`` hands to xhtml2pdf for ``member``'s transcript."""
    transcript = services.transcript(member, year)
    document = services.issue(transcript)
    captured, real = [], pdf_services.html_to_pdf

    def capture(html):
        captured.append(html)
        return real(html)

    with mock.patch.object(pdf_services, "html_to_pdf", side_effect=capture):
        documents.transcript_pdf(transcript, document=document)
    return captured[-1]  # a wrong guess of the pages renders twice: the last is the PDF


def _weasyprint(html):
    """A function rendering ``html`` with WeasyPrint, with only the font and data: URIs."""
    from weasyprint import HTML
    from weasyprint.text.fonts import FontConfiguration
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    font = pdf_services.font_path().read_bytes()

    class Fetcher(URLFetcher):
        def fetch(self, url, headers=None):
            if url == pdf_services.FONT_URI:
                return URLFetcherResponse(url, body=font, headers={"Content-Type": "font/ttf"})
            if url.startswith("data:"):
                return super().fetch(url, headers)
            raise ValueError(f"the transcript may not read {url}")

    def render():
        return HTML(string=html, url_fetcher=Fetcher()).write_pdf(font_config=FontConfiguration())

    return render


def _pages(pdf):
    return len(PdfReader(io.BytesIO(pdf)).pages)


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
    sizes = ctx.sizes(SIZES, SMOKE_SIZES)
    alternative_sizes = ctx.sizes(ALTERNATIVE_SIZES, SMOKE_ALTERNATIVE_SIZES)
    calls, results = {}, {}
    for count in sizes:
        member = factories.member(unit=branches[0])
        data.credit_entries(member, count, year=year)
        member = Member.objects.select_related("unit").get(pk=member.pk)
        if count in alternative_sizes:
            html = _html(member, year)
            for renderer, call in (
                ("xhtml2pdf", lambda html=html: pdf_services.html_to_pdf(html)),
                ("WeasyPrint", _weasyprint(html)),
            ):
                pdf = call()  # the warm-up, and the pages it makes
                params = {"entries": count, "pages": _pages(pdf), "renderer": renderer}
                calls[SAME_HTML, count, renderer] = call
                results[SAME_HTML, count, renderer] = measure.Result(SAME_HTML, params, "ms/PDF")
        render = _renderer(member, year)
        pdf = render()  # also the warm-up: templates, the font, xhtml2pdf's imports
        if not pdf.startswith(b"%PDF"):
            raise measure.BenchError(f"{SCENARIO}: {count} entries did not give a PDF")
        params = {"entries": count, "pages": _pages(pdf)}
        queries = measure.count_queries(render)
        for scenario, call in ((SCENARIO, render), (PAUSED, _paused(render))):
            calls[scenario, count] = call
            results[scenario, count] = measure.Result(scenario, params, "ms/PDF", queries=queries)
    for _ in range(ctx.runs):
        for key, call in calls.items():
            results[key].samples.append(measure.ms_per_call(call, CALLS.get(key[1], 1)))

    alternatives = []
    for count in alternative_sizes:
        ours, theirs = (results[SAME_HTML, count, r] for r in ("xhtml2pdf", "WeasyPrint"))
        alternatives += [ours, theirs.compare_to(ours)]

    out, per_row, per_second = [], [], []
    for scenario in (SCENARIO, PAUSED):
        small, *large = (results[scenario, count] for count in sizes)
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
    return out + per_row + per_second + alternatives
