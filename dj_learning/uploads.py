"""The one check every uploaded file goes through, and the private storage.

A file is judged by its content, never by its name: an image must open and decode
with Pillow (and is re-encoded, which drops whatever rode along in it), a PDF must
start and end like one. What passes is renamed at random with the extension of
what it really is::

    from dj_learning import uploads

    class ProofForm(forms.Form):
        proof = forms.FileField()

        def clean_proof(self):
            return uploads.check_upload(self.cleaned_data["proof"], kinds=("image", "pdf"))

Files that only some people may read (proofs, attachments, certificates) are kept
in :func:`private_storage`, which the web server never serves: a view checks who
asks and answers with the file (see ``serve_private``).
"""

import io
import logging
import os
import secrets
import socket
import struct
import warnings
import zipfile
from pathlib import Path

from django import forms
from django.conf import settings as django_settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.http import FileResponse, Http404
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from dj_learning.conf import settings

IMAGE = "image"
PDF = "pdf"
XLSX = "xlsx"  # an Excel workbook (a ZIP whose unpacked size is limited: no ZIP bombs)
TEXT = "text"  # CSV, GIFT or plain text: UTF-8 (or GB18030) without control bytes
KINDS = (IMAGE, PDF)
TEXT_EXTENSIONS = ("csv", "gift", "txt")

logger = logging.getLogger("dj_learning.uploads")

# What an image is re-encoded as: photos stay JPEG, everything else becomes PNG.
_IMAGE_FORMATS = {"JPEG": ("JPEG", "jpg"), "MPO": ("JPEG", "jpg")}
_ACCEPTED_IMAGES = {"JPEG", "MPO", "PNG", "GIF", "WEBP", "BMP"}


def check_upload(upload, kinds=KINDS, max_bytes=None, max_pixels=None):
    """Return a safe copy of ``upload`` (a new name, re-encoded if an image), or raise.

    ``kinds`` lists what the field accepts (``"image"``, ``"pdf"``). ``max_bytes`` and
    ``max_pixels`` default to the settings ``UPLOAD_MAX_BYTES`` and
    ``UPLOAD_MAX_PIXELS``. Raises ``ValidationError`` with a message in the user's
    language naming what is wrong.
    """
    max_bytes = max_bytes or settings.UPLOAD_MAX_BYTES
    max_pixels = max_pixels or settings.UPLOAD_MAX_PIXELS
    if upload.size is not None and upload.size > max_bytes:
        raise ValidationError(
            _("The file is %(size)s; the largest accepted is %(max)s.")
            % {"size": filesizeformat(upload.size), "max": filesizeformat(max_bytes)},
            code="too_large",
        )
    upload.seek(0)
    head = upload.read(max_bytes + 1)
    upload.seek(0)
    if len(head) > max_bytes:
        raise ValidationError(
            _("The file is larger than %(max)s.") % {"max": filesizeformat(max_bytes)},
            code="too_large",
        )
    if not head:
        raise ValidationError(_("The file is empty."), code="empty")
    scan(head)
    if PDF in kinds and head.startswith(b"%PDF-"):
        if b"%%EOF" not in head[-2048:]:
            raise ValidationError(_("The PDF is incomplete or damaged."), code="damaged")
        return ContentFile(head, name=_random_name("pdf"))
    if XLSX in kinds and head.startswith(b"PK\x03\x04"):
        _check_workbook(head)
        return ContentFile(head, name=_random_name("xlsx"))
    if TEXT in kinds and _is_text(head):
        ext = Path(getattr(upload, "name", "") or "").suffix.lower().lstrip(".")
        return ContentFile(head, name=_random_name(ext if ext in TEXT_EXTENSIONS else "txt"))
    if IMAGE in kinds:
        image = _read_image(head, max_pixels)
        if image is not None:
            return image
    raise ValidationError(
        _("This file is not %(kinds)s; its content does not match.") % {"kinds": _describe(kinds)},
        code="wrong_kind",
    )


def _read_image(data, max_pixels):
    from PIL import Image

    try:
        # Opening reads the header only; the size is judged below, before decoding.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            probe = Image.open(io.BytesIO(data))
            fmt = probe.format
            width, height = probe.size
    except Image.DecompressionBombError:
        raise ValidationError(
            _("The image has far more pixels than the most accepted, %(max)s.")
            % {"max": f"{max_pixels:,}"},
            code="too_many_pixels",
        ) from None
    except (OSError, SyntaxError, ValueError):
        return None
    if width * height > max_pixels:
        raise ValidationError(
            _("The image is %(width)s × %(height)s pixels; the most accepted is %(max)s pixels.")
            % {"width": width, "height": height, "max": f"{max_pixels:,}"},
            code="too_many_pixels",
        )
    if fmt not in _ACCEPTED_IMAGES:
        return None
    try:
        image = Image.open(io.BytesIO(data))
        image.load()
    except (OSError, SyntaxError, ValueError):
        raise ValidationError(
            _("The image is damaged and cannot be read."), code="damaged"
        ) from None
    save_as, ext = _IMAGE_FORMATS.get(fmt, ("PNG", "png"))
    if save_as == "JPEG" and image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    elif save_as == "PNG" and image.mode not in ("RGB", "RGBA", "L", "LA", "P"):
        image = image.convert("RGBA")
    out = io.BytesIO()
    image.save(out, save_as, **({"quality": 90} if save_as == "JPEG" else {}))
    return ContentFile(out.getvalue(), name=_random_name(ext))


def _check_workbook(data):
    """An Excel file is a ZIP: refuse one that is not, or that unpacks to far more than
    it weighs (a ZIP bomb), before any reader opens it."""
    limit = settings.UPLOAD_MAX_UNPACKED_BYTES
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
            names = {m.filename for m in members}
    except (zipfile.BadZipFile, OSError, ValueError):
        raise ValidationError(
            _("The Excel file is damaged and cannot be read."), code="damaged"
        ) from None
    if "[Content_Types].xml" not in names:
        raise ValidationError(_("This ZIP file is not an Excel workbook."), code="wrong_kind")
    unpacked = sum(m.file_size for m in members)
    if unpacked > limit or len(members) > 10_000:
        raise ValidationError(
            _("The Excel file unpacks to %(size)s; the most accepted is %(max)s.")
            % {"size": filesizeformat(unpacked), "max": filesizeformat(limit)},
            code="too_large",
        )


def _is_text(data):
    if b"\x00" in data:
        return False
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        head = text[:4096].lstrip().lower()
        # Never HTML or SVG, whatever the name says.
        if head.startswith(("<!doctype", "<html", "<svg", "<?xml", "<script")):
            return False
        return not any(ord(c) < 32 and c not in "\t\r\n\f" for c in text[:65536])
    return False


# -- Virus scanner ------------------------------------------------------------------------


def scan(data):
    """Send ``data`` to clamd when ``CLAMD`` is set; a file it flags is refused and logged.

    ``CLAMD`` is a Unix socket path (``/run/clamav/clamd.ctl``) or ``"host:port"``. A
    scanner that cannot be reached refuses the upload too: files are not let through
    unscanned when a scanner is configured.
    """
    where = settings.CLAMD
    if not where:
        return
    try:
        answer = _instream(where, data)
    except OSError as error:
        logger.error("Virus scanner %s unreachable: %s", where, error)
        raise ValidationError(
            _("The file cannot be checked for viruses now. Try again later."),
            code="scanner_unavailable",
        ) from None
    if answer.endswith("FOUND"):
        logger.warning("Upload refused by the virus scanner: %s", answer)
        raise ValidationError(
            _("The virus scanner flagged this file; it was not accepted."), code="infected"
        )
    if not answer.endswith("OK"):
        logger.error("Virus scanner %s answered: %s", where, answer)
        raise ValidationError(
            _("The file cannot be checked for viruses now. Try again later."),
            code="scanner_unavailable",
        )


def _instream(where, data, chunk=64 * 1024):
    if where.startswith("/"):
        conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        address = where
    else:
        host, _sep, port = where.rpartition(":")
        conn = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
        address = (host.strip("[]"), int(port))
    with conn:
        conn.settimeout(settings.CLAMD_TIMEOUT)
        conn.connect(address)
        conn.sendall(b"zINSTREAM\0")
        for start in range(0, len(data), chunk):
            piece = data[start : start + chunk]
            conn.sendall(struct.pack("!L", len(piece)) + piece)
        conn.sendall(struct.pack("!L", 0))
        reply = b""
        while not reply.endswith(b"\0"):
            part = conn.recv(4096)
            if not part:
                break
            reply += part
    return reply.rstrip(b"\0").decode("utf-8", "replace").strip()


def _describe(kinds):
    names = {
        IMAGE: _("an image (JPEG, PNG, GIF, WebP)"),
        PDF: _("a PDF"),
        XLSX: _("an Excel workbook (.xlsx)"),
        TEXT: _("a text file (CSV, GIFT)"),
    }
    return _(" or ").join(str(names[k]) for k in kinds)


def _random_name(ext):
    return f"{secrets.token_urlsafe(12)}.{ext}"


def private_root():
    """Where private files live: ``PRIVATE_MEDIA_ROOT``, or ``private`` beside MEDIA_ROOT."""
    root = settings.PRIVATE_MEDIA_ROOT
    if root:
        return Path(root)
    return Path(django_settings.MEDIA_ROOT).parent / "private"


class PrivateStorage(FileSystemStorage):
    """A file storage outside ``MEDIA_ROOT`` with no URL: only views serve its files.

    Its folder is read from the settings on every use, so ``override_settings`` works.
    """

    @property
    def base_location(self):
        return str(private_root())

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    def url(self, name):
        raise ValueError("Private files have no URL; a view serves them after checking access.")


private = PrivateStorage()


class PrivateFileInput(forms.ClearableFileInput):
    """Django's file input with "currently" and "clear", for a file of the private storage:
    it names the stored file instead of linking to it (private files have no URL, so
    the stock widget fails to render a form whose file is set)."""

    template_name = "dj_learning/widgets/private_file_input.html"

    def is_initial(self, value):
        return bool(value and getattr(value, "name", None))


def private_storage():
    """The private storage, for ``FileField(storage=private_storage)`` (a callable keeps
    the location out of migrations)."""
    return private


def serve_private(field_file, filename=None, as_attachment=True):
    """Answer with a file of the private storage, after the caller checked access."""
    if not field_file:
        raise Http404 from None
    try:
        handle = field_file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle, as_attachment=as_attachment, filename=filename)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


# -- Wagtail images -----------------------------------------------------------------------


def _checked_image_form():
    from wagtail.images.forms import BaseImageForm

    class CheckedImageForm(BaseImageForm):
        """Wagtail's image form, with every new file through :func:`check_upload`: theme
        logos, question images and every other Wagtail image are judged by content,
        limited in pixels and re-encoded (the metadata dropped). The site names it in
        ``WAGTAILIMAGES_IMAGE_FORM_BASE = "dj_learning.uploads.CheckedImageForm"``."""

        def clean_file(self):
            upload = self.cleaned_data.get("file")
            if upload and "file" in self.files:
                upload = check_upload(upload, kinds=(IMAGE,))
            return upload

    return CheckedImageForm


def __getattr__(name):
    # Built on first use: Wagtail's image forms need the app registry ready.
    if name == "CheckedImageForm":
        form = _checked_image_form()
        globals()[name] = form
        return form
    raise AttributeError(name)
