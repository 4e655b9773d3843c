"""The one upload check judges a file by its content and keeps private files out of media."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.utils import translation
from PIL import Image

from dj_learning import uploads


def _png(size=(40, 30)):
    out = io.BytesIO()
    Image.effect_noise(size, 64).convert("RGB").save(out, "PNG")
    return out.getvalue()


def _upload(name, data):
    return SimpleUploadedFile(name, data)


def test_an_image_is_re_encoded_and_renamed_at_random():
    checked = uploads.check_upload(_upload("My Photo.jpg", _png()), kinds=("image",))
    assert checked.name.endswith(".png")
    assert "Photo" not in checked.name
    image = Image.open(io.BytesIO(checked.read()))
    assert image.size == (40, 30)


def test_html_named_like_an_image_is_refused_with_a_message_in_the_users_language():
    page = _upload("proof.jpg", b"<html><script>alert(1)</script></html>")
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        uploads.check_upload(page, kinds=("image", "pdf"))
    assert "not an image (JPEG, PNG, GIF, WebP) or a PDF" in refused.value.messages[0]
    with translation.override("zh-hans"), pytest.raises(ValidationError) as refused:
        uploads.check_upload(page, kinds=("image",))
    assert "图片" in refused.value.messages[0]


def test_a_pdf_passes_when_pdfs_are_accepted_and_is_refused_when_they_are_not():
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    assert uploads.check_upload(_upload("a.pdf", pdf), kinds=("pdf",)).name.endswith(".pdf")
    with pytest.raises(ValidationError):
        uploads.check_upload(_upload("a.pdf", pdf), kinds=("image",))
    with pytest.raises(ValidationError) as refused:
        uploads.check_upload(_upload("cut.pdf", pdf[:20]), kinds=("pdf",))
    assert refused.value.code == "damaged"


def test_size_and_pixel_limits_are_named_in_the_refusal():
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        uploads.check_upload(_upload("big.png", _png((200, 200))), max_bytes=100)
    assert refused.value.code == "too_large"
    assert "largest accepted is 100" in refused.value.messages[0]
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        uploads.check_upload(_upload("wide.png", _png((300, 200))), max_pixels=10_000)
    assert refused.value.code == "too_many_pixels"
    assert "300 × 200" in refused.value.messages[0]


def test_an_empty_file_is_refused():
    with pytest.raises(ValidationError) as refused:
        uploads.check_upload(_upload("empty.png", b""))
    assert refused.value.code == "empty"


def test_the_private_storage_lies_outside_media_and_has_no_url(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    with override_settings(DJ_LEARNING={"PRIVATE_MEDIA_ROOT": str(tmp_path / "secret")}):
        name = uploads.private.save("x/proof.png", io.BytesIO(_png()))
        assert (tmp_path / "secret" / name).exists()
        assert not (tmp_path / "media").exists()
        with pytest.raises(ValueError):
            uploads.private.url(name)
