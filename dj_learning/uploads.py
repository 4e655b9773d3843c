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
import os
import secrets
import warnings
from pathlib import Path

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
KINDS = (IMAGE, PDF)

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
    if PDF in kinds and head.startswith(b"%PDF-"):
        if b"%%EOF" not in head[-2048:]:
            raise ValidationError(_("The PDF is incomplete or damaged."), code="damaged")
        return ContentFile(head, name=_random_name("pdf"))
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
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            probe = Image.open(io.BytesIO(data))
            fmt = probe.format
            width, height = probe.size
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombWarning):
        return None
    except Image.DecompressionBombError:
        width = height = max_pixels + 1
        fmt = None
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


def _describe(kinds):
    names = {IMAGE: _("an image (JPEG, PNG, GIF, WebP)"), PDF: _("a PDF")}
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
    return FileResponse(handle, as_attachment=as_attachment, filename=filename)
