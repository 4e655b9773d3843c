"""Render Django templates to PDF with xhtml2pdf, with a Chinese font embedded.

xhtml2pdf reads a local file only inside the directories its resource access
policy allows. A font it may not read is left out with nothing but a logged
warning, and the text falls back to Helvetica, which has no Chinese glyphs. So
the document is rendered under a policy that allows the font's own directory
and nothing else (no other file, no network), and ``html_to_pdf`` refuses to
hand back a PDF in which a font, a glyph or a resource went missing.

Transcripts and certificates call ``render_pdf``; their templates extend
``dj_learning/pdf/base.html``.
"""

import io
import logging
import threading
from itertools import islice
from pathlib import Path

import segno
from django.template.loader import get_template
from reportlab import rl_config

from dj_learning.conf import settings

#: Droid Sans Fallback, shipped with dj-learning (Apache License 2.0, see fonts/).
BUNDLED_FONT = Path(__file__).resolve().parent / "fonts" / "DroidSansFallbackFull.ttf"
#: The family ``dj_learning/pdf/base.html`` declares with ``@font-face`` and writes in.
FONT_FAMILY = "LearningCJK"
#: The source the base template's ``@font-face`` names. The link callback turns it
#: into the file of ``font_path()``, so no template holds a path on this machine.
FONT_URI = "learning-pdf:font"
#: xhtml2pdf embeds TrueType outlines only; a CFF ``.otf`` falls back silently.
TRUETYPE_SUFFIXES = (".ttf", ".ttc")
#: Rows per table: xhtml2pdf lays a table out in time that grows with the square
#: of its rows, so a long list is printed as several tables of this many rows.
CHUNK_ROWS = 100

# Streams are written as binary, not ASCII85: without ReportLab's C accelerator, encoding
# an embedded image (a certificate's background) in pure Python took half the rendering.
rl_config.useA85 = 0

# xhtml2pdf says that a font, a glyph or a resource went missing only in a
# warning; a warning with one of these words in it is one of those.
_MISSING_MARKERS = ("font", "glyph", "blocked by the resource policy")


class PdfError(Exception):
    """The PDF could not be rendered as asked, and no PDF is returned.

    Raised for a ``PDF_FONT`` that is missing or not TrueType, a document that
    does not embed the font, text the font cannot draw, a resource the document
    may not read, or an error inside xhtml2pdf (chained as ``__cause__``).
    """


def font_path() -> Path:
    """The TrueType font that PDFs embed for their text.

    ``DJ_LEARNING["PDF_FONT"]`` if the site sets one, else the Droid Sans
    Fallback file shipped with dj-learning. Raises ``PdfError`` if the setting
    names a file that does not exist or is not ``.ttf``/``.ttc``.
    """
    configured = settings.PDF_FONT
    if configured is None:
        return BUNDLED_FONT
    path = Path(configured)
    if path.suffix.lower() not in TRUETYPE_SUFFIXES:
        raise PdfError(
            f"DJ_LEARNING['PDF_FONT'] is {str(configured)!r}, but PDFs need a TrueType "
            f"font file (.ttf or .ttc) with Chinese glyphs: xhtml2pdf cannot embed "
            f"{path.suffix or 'a file without a suffix'!r} fonts, and the text would "
            f"come out in Helvetica, without Chinese."
        )
    if not path.is_file():
        raise PdfError(
            f"DJ_LEARNING['PDF_FONT'] is {str(configured)!r}, and there is no such file. "
            f"Give the absolute path of a .ttf or .ttc font, or leave the key out to "
            f"use the font shipped with dj-learning."
        )
    return path.resolve()


def chunked(rows, size=CHUNK_ROWS) -> list[list]:
    """``rows`` in lists of at most ``size``, in order: one ``<table>`` each.

    Splitting keeps rendering time linear in the number of rows. Works on any
    iterable, a queryset included, and reads it once.
    """
    size = int(size)
    if size < 1:
        raise ValueError(f"size must be at least 1, not {size}")
    rows = iter(rows)
    chunks = []
    while chunk := list(islice(rows, size)):
        chunks.append(chunk)
    return chunks


def qr_png_data_uri(data, *, scale=4) -> str:
    """A QR code of ``data`` (a URL, say) as a ``data:image/png`` URI for an ``<img>``.

    PNG because xhtml2pdf draws it reliably, and a ``data:`` URI because the
    document may read no file but its font. ``scale`` is pixels per module; the
    template sets the printed size with ``width`` and ``height``.
    """
    return segno.make(str(data), error="m", micro=False).png_data_uri(scale=scale, border=4)


def render_pdf(template_name, context, *, request=None, pages=None) -> bytes:
    """Render the template ``template_name`` with ``context`` and return the PDF's bytes.

    The template should extend ``dj_learning/pdf/base.html``, which embeds the
    font and numbers the pages ("2 / 5"). With ``request``, the context
    processors run. Raises ``PdfError`` rather than return a PDF with text
    missing.

    ``pages`` is how many pages the caller expects. xhtml2pdf finds the count
    of pages by laying the whole document out twice, about a third of the
    time; with ``pages`` the footer prints that number and the document is
    laid out once. If the PDF comes out with another number of pages, it is
    rendered again with the real one, so the footer is always right and a
    wrong guess costs what no guess costs.
    """
    template = get_template(template_name)
    if not pages:
        return html_to_pdf(template.render(context, request))
    pdf = html_to_pdf(template.render({**context, "page_count": pages}, request))
    actual = page_count(pdf)
    if actual != pages:
        pdf = html_to_pdf(template.render({**context, "page_count": actual}, request))
    return pdf


def page_count(pdf: bytes) -> int:
    """How many pages the PDF ``pdf`` has."""
    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(pdf)).pages)


def html_to_pdf(html: str) -> bytes:
    """Convert an HTML document (as ``dj_learning/pdf/base.html`` produces) to PDF bytes.

    The document may read the font of ``font_path()`` and nothing else: no other
    local file and nothing from the network. Images come as ``data:`` URIs (see
    ``qr_png_data_uri``). Raises ``PdfError`` if xhtml2pdf fails or reports an
    error, if the font family ``LearningCJK`` was not embedded, or if any text or
    resource would be missing from the PDF.
    """
    # Imported here, not with the module: xhtml2pdf takes a fifth of a second to import,
    # and every process that loads the admin's hooks would pay it (jobs, commands).
    from xhtml2pdf import pisa
    from xhtml2pdf.config.resources import ResourceAccessPolicy
    from xhtml2pdf.default import PML_ERROR

    font = font_path()
    policy = ResourceAccessPolicy(allow_remote=False, base_dir=None, extra_roots=(font.parent,))

    def link_callback(uri, rel):
        return str(font) if uri == FONT_URI else None

    buffer = io.BytesIO()
    with _Warnings() as warnings:
        try:
            result = pisa.CreatePDF(
                html,
                dest=buffer,
                encoding="utf-8",
                link_callback=link_callback,
                resource_policy=policy,
            )
        except Exception as exc:
            raise PdfError(f"xhtml2pdf could not render the document: {exc}") from exc

    if result.err:
        errors = [message for level, _line, message, _part in result.log if level == PML_ERROR]
        raise PdfError(f"xhtml2pdf reported errors: {'; '.join(errors)}")
    # The log entries hold unformatted messages; the captured warnings read better,
    # and the entries still count when a site has silenced xhtml2pdf's logger.
    missing = [m for m in warnings.messages if _says_missing(m)] or [
        message for _level, _line, message, _part in result.log if _says_missing(message)
    ]
    if FONT_FAMILY.lower() not in result.fontList:
        raise PdfError(
            f"The font {str(font)!r} was not embedded as {FONT_FAMILY!r}, so the text "
            f"would fall back to Helvetica, without Chinese. Extend "
            f"dj_learning/pdf/base.html, which declares it. {' '.join(missing)}".strip()
        )
    if missing:
        raise PdfError(f"The PDF would lack some of its content ({font.name}): {' '.join(missing)}")
    return buffer.getvalue()


def _says_missing(message: str) -> bool:
    return any(marker in message.lower() for marker in _MISSING_MARKERS)


class _Warnings(logging.Handler):
    """Collects what xhtml2pdf warns about while this thread renders."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self.thread = threading.get_ident()
        self.messages = []

    def emit(self, record):
        if record.thread != self.thread:
            return
        # The first line says what is wrong; xhtml2pdf adds the HTML around it.
        message = record.getMessage().splitlines()[0]
        if message not in self.messages:
            self.messages.append(message)

    def __enter__(self):
        logging.getLogger("xhtml2pdf").addHandler(self)
        return self

    def __exit__(self, *exc_info):
        logging.getLogger("xhtml2pdf").removeHandler(self)
