"""The transcript as a PDF: issued (with a verification code), rendered by the shared pdf app."""

from django.urls import reverse

from dj_learning.pdf.services import qr_png_data_uri, render_pdf

from . import services

TEMPLATE = "dj_learning/credits/transcript_pdf.html"
#: How the default template fills A4 with one-line entries: the first page holds
#: 12 entries (below the letterhead and the member's details, with the demo's quiz
#: and points sections) before the verification, signature and seal block moves to
#: a second page; each page after it about 38 (measured). Longer titles take more
#: room; then the guess is short and the PDF is rendered twice (see ``render_pdf``).
FIRST_PAGE_ENTRIES = 12
ENTRIES_PER_PAGE = 38


def expected_pages(entries):
    """How many pages a transcript of ``entries`` ledger entries is expected to take."""
    if entries <= FIRST_PAGE_ENTRIES:
        return 1
    return 2 + int((entries - FIRST_PAGE_ENTRIES - 1) / ENTRIES_PER_PAGE)


def verify_url(document, request=None):
    path = reverse("learning_verify", args=[document.code])
    return request.build_absolute_uri(path) if request is not None else path


def transcript_response(member, year, *, request=None):
    """The member's transcript for ``year`` as a PDF download (issued, or reused)."""
    from django.http import HttpResponse

    transcript = services.transcript(member, year)
    response = HttpResponse(
        transcript_pdf(transcript, request=request), content_type="application/pdf"
    )
    filename = f"transcript-{member.member_number}-{transcript.year}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def transcript_pdf(transcript, *, request=None, document=None):
    """Issue ``transcript`` and render it; returns the PDF's bytes.

    With ``document`` (an already issued transcript) nothing new is issued;
    without, the member's valid transcript is reused while its totals are the
    same, so downloading twice issues one document.
    The template ``dj_learning/credits/transcript_pdf.html`` may be overridden
    by a site (its blocks: ``letterhead``, ``summary``, ``entries``,
    ``extra_sections``, ``verification``).
    """
    if document is None:
        document = services.current_or_issue(transcript)
    url = verify_url(document, request)
    region = transcript.member.unit.region
    site = region.site if region else None
    return render_pdf(
        TEMPLATE,
        {
            "transcript": transcript,
            "member": transcript.member,
            "document": document,
            "verify_url": url,
            "qr": qr_png_data_uri(url),
            "region": region,
            "letterhead": services.letterhead(transcript.member),
            # The letterhead: the region's site, else the region, else the member's top unit.
            "site_name": (site.site_name if site else "")
            or (region.name if region else transcript.member.unit.get_root().name),
        },
        request=request,
        pages=expected_pages(len(transcript.entries)),
    )
