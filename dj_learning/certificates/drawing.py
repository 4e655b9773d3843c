"""A certificate drawn with ReportLab: the layout of ``certificate_pdf.html``, without HTML.

xhtml2pdf spends most of a certificate's time parsing HTML and CSS and laying
out tables (about 0.4 s a page). A certificate is one page of fixed parts, so
this module places them directly on a ReportLab canvas:

- the background image over the whole page, the frame in the accent colour;
- the title, large, spaced and centred; the body below it, centred and wrapped
  character by character (Chinese has no spaces to break at);
- the signature lines and the issuer with the seal and the date;
- the number, the verification URL and its QR code along the bottom.

Two things keep a page in the tens of milliseconds. Each image is read, decoded
and compressed once per process, then placed in each new document as the same
PDF image object (``_prepared``); and the QR is drawn as squares, not as a
picture. The text is in the PDF font (``dj_learning.pdf.services.font_path``),
embedded as a subset, with Helvetica for the Latin letters and digits a Chinese
font may lack. A character neither font can draw raises ``PdfError``, as the
HTML renderer does.

``DJ_LEARNING["CERTIFICATE_RENDERER"]`` chooses this function (the default) or
``dj_learning.certificates.services.render_html``, for a site that overrides the
HTML template.
"""

import copy
import hashlib
import io
import threading
from dataclasses import dataclass
from functools import lru_cache
from xml.sax.saxutils import escape

import segno
from django.utils.translation import gettext as _
from reportlab.lib.colors import HexColor
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import cm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfdoc, pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph

from dj_learning.pdf.services import FONT_FAMILY, PdfError, font_path

#: The font for characters the PDF font lacks (Droid Sans Fallback has no Latin letters,
#: digits or typographic quotes).
LATIN = "Helvetica"
TEXT = HexColor("#222222")
GREY = HexColor("#555555")
#: Page margins around the frame, as in the HTML template's ``@page``.
MARGINS = {"top": 1.6 * cm, "right": 2 * cm, "bottom": 1.4 * cm, "left": 2 * cm}


@dataclass(frozen=True)
class Layout:
    """Sizes (points) that differ between landscape and portrait paper."""

    title_size: float
    pad_top: float
    pad_side: float
    pad_bottom: float
    title_gap: float


LANDSCAPE = Layout(title_size=44, pad_top=30, pad_side=40, pad_bottom=12, title_gap=26)
PORTRAIT = Layout(title_size=48, pad_top=60, pad_side=34, pad_bottom=20, title_gap=60)


def draw(context) -> bytes:
    """The certificate described by ``context`` (as ``services.render`` builds it), as PDF bytes."""
    template = context["template"]
    font = _font(str(font_path()))
    size = landscape(A4) if context["landscape"] else A4
    layout = LANDSCAPE if context["landscape"] else PORTRAIT
    width, height = size
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=size, pageCompression=1, invariant=1)
    canvas.setTitle(f"{context['title']} {context['values'].get('number', '')}".strip())
    canvas.setCreator("dj-learning")

    if template.background:
        _place(canvas, template.background, 0, 0, width, height)

    left = MARGINS["left"]
    bottom = MARGINS["bottom"]
    frame_width = width - MARGINS["left"] - MARGINS["right"]
    frame_height = height - MARGINS["top"] - MARGINS["bottom"]
    accent = HexColor(template.accent_colour)
    canvas.setStrokeColor(accent)
    canvas.setLineWidth(2.5)
    canvas.rect(left, bottom, frame_width, frame_height)

    inner_left = left + layout.pad_side
    inner_width = frame_width - 2 * layout.pad_side
    centre = left + frame_width / 2

    # The title, its letters spaced as the template's ``letter-spacing: 12pt``.
    title_top = bottom + frame_height - layout.pad_top
    baseline = title_top - layout.title_size
    canvas.setFillColor(accent)
    _centred(canvas, font, context["title"], layout.title_size, centre, baseline, spacing=12)

    # The bottom rows, from the frame's edge up: verification, then signatures.
    verify_bottom = bottom + layout.pad_bottom
    qr_size = 64
    _qr(
        canvas,
        context["verify_url"],
        left + frame_width - layout.pad_side - qr_size,
        verify_bottom,
        qr_size,
    )
    canvas.setFillColor(GREY)
    number_label = context["labels"]["number"]
    verify_label = context["labels"]["verify"]
    _line(
        canvas,
        font,
        f"{number_label}：{context['values'].get('number', '')}",
        9,
        inner_left,
        verify_bottom + 26,
    )
    _line(
        canvas, font, f"{verify_label}：{context['verify_url']}", 9, inner_left, verify_bottom + 12
    )
    signatures_bottom = verify_bottom + qr_size + 10
    signatures_top = _signatures(canvas, font, context, inner_left, inner_width, signatures_bottom)

    # The body fills what is left between the title and the signatures, centred.
    style = ParagraphStyle(
        "body",
        fontName=font,
        fontSize=17,
        leading=17 * 1.9,
        alignment=TA_CENTER,
        textColor=TEXT,
        wordWrap="CJK",
    )
    body = Paragraph(_markup(font, context["body"]), style)
    room = baseline - layout.title_gap - signatures_top
    _, used = body.wrap(inner_width, room)
    if used > room:
        style = ParagraphStyle("small", parent=style, fontSize=13, leading=13 * 1.7)
        body = Paragraph(_markup(font, context["body"]), style)
        _, used = body.wrap(inner_width, room)
    body.drawOn(canvas, inner_left, baseline - layout.title_gap - used)

    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _signatures(canvas, font, context, x, width, bottom):
    """The signers (a quarter of the width each) and the issuer with seal and date.

    Returns the top of the tallest column, where the body must end.
    """
    signers = context["signers"]
    column = width / 4
    top = bottom
    canvas.setFillColor(TEXT)
    for index, (name, role, image) in enumerate(signers):
        centre = x + column * index + column / 2
        y = bottom
        if name:
            _centred(canvas, font, name, 11, centre, y)
            y += 15
        if role:
            _centred(canvas, font, role, 11, centre, y)
            y += 15
        if image:
            _place(canvas, image, centre - 45, y, 90, 36)
            y += 36
        top = max(top, y)
    rest = x + column * len(signers)
    centre = rest + (x + width - rest) / 2
    y = bottom
    _centred(canvas, font, context["values"].get("date", ""), 14, centre, y)
    y += 20
    _centred(canvas, font, context["issuer"], 14, centre, y)
    y += 20
    seal = context["template"].seal
    if seal:
        # The seal stamps over the issuer's name, as a real one would.
        _place(canvas, seal, centre - 55, y - 40, 110, 110)
        y += 70
    return max(top, y)


# -- Text ----------------------------------------------------------------------------------------


@lru_cache(maxsize=4)
def _font(path):
    """Register the TrueType font at ``path`` once per process; its ReportLab name."""
    name = f"{FONT_FAMILY}-{abs(hash(path)):x}"
    try:
        pdfmetrics.registerFont(TTFont(name, path))
    except Exception as exc:  # ReportLab raises TTFError and plain errors alike
        raise PdfError(f"The PDF font {path!r} could not be read: {exc}") from exc
    return name


@lru_cache(maxsize=4)
def _glyphs(font):
    return frozenset(pdfmetrics.getFont(font).face.charToGlyph)


def _runs(font, text):
    """``text`` split into ``(font, part)`` runs: the PDF font where it has the glyph."""
    glyphs = _glyphs(font)
    runs = []
    missing = []
    for char in text:
        if ord(char) in glyphs or char in "\n\r":
            name = font
        elif _latin(char):
            name = LATIN
        else:
            missing.append(char)
            continue
        if runs and runs[-1][0] == name:
            runs[-1][1] += char
        else:
            runs.append([name, char])
    if missing:
        raise PdfError(
            _(
                "The certificate's font cannot draw %(characters)s: take them out of the "
                "text, or set a PDF_FONT that has them."
            )
            % {"characters": " ".join(sorted(set(missing)))}
        )
    return runs


def _latin(char):
    """Whether Helvetica draws ``char``: ReportLab writes it in WinAnsi (cp1252)."""
    try:
        char.encode("cp1252")
    except UnicodeEncodeError:
        return False
    return True


def _width(runs, size, spacing=0):
    return sum(
        pdfmetrics.stringWidth(part, name, size) + spacing * len(part) for name, part in runs
    )


def _line(canvas, font, text, size, x, y, spacing=0):
    for name, part in _runs(font, text):
        canvas.setFont(name, size)
        canvas.drawString(x, y, part, charSpace=spacing)
        x += pdfmetrics.stringWidth(part, name, size) + spacing * len(part)


def _centred(canvas, font, text, size, centre, y, spacing=0):
    runs = _runs(font, text)
    # The last letter's spacing trails it; leave it out so the text sits in the middle.
    width = _width(runs, size, spacing) - (spacing if text else 0)
    _line(canvas, font, text, size, centre - width / 2, y, spacing)


def _markup(font, text):
    """Paragraph markup for ``text``: escaped, runs in their fonts, line breaks kept."""
    parts = []
    for name, part in _runs(font, text):
        part = escape(part).replace("\r\n", "\n").replace("\n", "<br/>")
        parts.append(part if name == font else f'<font name="{name}">{part}</font>')
    return "".join(parts)


# -- Images --------------------------------------------------------------------------------------

_prepared_images = {}
_prepared_lock = threading.Lock()


def _prepare(field_file):
    """The image object for ``field_file``, built once: read, decoded, compressed.

    Named by a digest of its storage name (a PDF name may not hold the name's ``/``), so
    two files of the same base name stay apart. At most 64 are kept, the oldest dropped.
    """
    name = field_file.name
    with _prepared_lock:
        image = _prepared_images.get(name)
    if image is None:
        with field_file.storage.open(name, "rb") as handle:
            reader = ImageReader(io.BytesIO(handle.read()))
        digest = hashlib.sha256(name.encode()).hexdigest()[:32]
        image = pdfdoc.PDFImageXObject(f"image{digest}", reader, mask="auto")
        with _prepared_lock:
            _prepared_images[name] = image
            while len(_prepared_images) > 64:
                _prepared_images.pop(next(iter(_prepared_images)))
    return image


def _place(canvas, field_file, x, y, width, height):
    """Draw the stored image ``field_file`` in the box, sharing its prepared object.

    What ``Canvas.drawImage`` does for a new image, with the image object built
    once per process instead of once per document.
    """
    prepared = _prepare(field_file)
    document = canvas._doc
    key = prepared.name
    registered = document.getXObjectName(key)
    if registered not in document.idToObject:
        image = copy.copy(prepared)
        smask = getattr(image, "_smask", None)
        if smask is not None:
            del image._smask
        canvas._setXObjects(image)
        document.Reference(image, registered)
        document.addForm(key, image)
        if smask is not None:
            mask_name = document.getXObjectName(smask.name)
            if mask_name in document.idToObject:
                # Another image with the same transparency (two opaque PNGs of one size,
                # one signature used twice) already brought it: share it, as drawImage does.
                image.smask = pdfdoc.PDFObjectReference(mask_name)
            else:
                # Registering an object marks it: each document gets its own copies.
                smask = copy.copy(smask)
                canvas._setXObjects(smask)
                image.smask = document.Reference(smask, mask_name)
    canvas.saveState()
    canvas.translate(x, y)
    canvas.scale(width, height)
    canvas._code.append(f"/{registered} Do")
    canvas.restoreState()
    canvas._formsinuse.append(key)


def _qr(canvas, url, x, y, size):
    """The QR code of ``url`` as filled squares, quiet zone included, in a ``size`` box."""
    code = segno.make(str(url), error="m", micro=False)
    matrix = code.matrix
    border = 4
    count = len(matrix) + 2 * border
    module = size / count
    canvas.saveState()
    canvas.setFillColor(HexColor("#ffffff"))
    canvas.rect(x, y, size, size, stroke=0, fill=1)
    canvas.setFillColor(HexColor("#000000"))
    path = canvas.beginPath()
    for row_index, row in enumerate(matrix):
        top = y + size - (row_index + border) * module
        column = 0
        while column < len(row):
            if row[column] & 1:
                start = column
                while column < len(row) and row[column] & 1:
                    column += 1
                path.rect(
                    x + (start + border) * module, top - module, (column - start) * module, module
                )
            else:
                column += 1
    canvas.drawPath(path, stroke=0, fill=1)
    canvas.restoreState()
