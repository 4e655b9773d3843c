"""schemathesis hooks for the API contract test: valid files for the upload fields.

An upload is judged by its content (``uploads.check_upload``), which a schema cannot
say; the OpenAPI document names the media types an upload field takes, and these
strategies give schemathesis real files of those types, so that a "schema-valid"
request is a valid one. Its negative phases still send other bytes.
"""

import io

import schemathesis
from hypothesis import strategies as st
from PIL import Image


def _image(size, colour, kind):
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, kind)
    return out.getvalue()


def _images(kind):
    return st.builds(
        _image,
        st.tuples(st.integers(1, 40), st.integers(1, 40)),
        st.tuples(st.integers(0, 255), st.integers(0, 255), st.integers(0, 255)),
        st.just(kind),
    )


PDF = (
    b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
    b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n"
    b"xref\n0 3\n0000000000 65535 f \n0000000009 00000 n \n0000000058 00000 n \n"
    b"trailer\n<< /Size 3 /Root 1 0 R >>\nstartxref\n109\n%%EOF\n"
)

schemathesis.openapi.media_type("image/png", _images("PNG"))
schemathesis.openapi.media_type("image/jpeg", _images("JPEG"))
schemathesis.openapi.media_type("image/gif", _images("GIF"))
schemathesis.openapi.media_type("image/webp", _images("WEBP"))
schemathesis.openapi.media_type("application/pdf", st.just(PDF))
