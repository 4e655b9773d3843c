"""Every upload is judged by content: the refusals the security review asked for, the
virus scanner hook, Wagtail images, and offline training proofs kept private."""

import io
import logging
import socket
import struct
import threading
import zipfile
from datetime import date
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from PIL import Image

from dj_learning import uploads

PHP = b"<?php system($_GET['c']); ?>"
HTML = b"<!DOCTYPE html><html><body><script>document.location='https://evil.example'</script>"
SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect width="9" height="9"/></svg>'
)
EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"


def png(size=(40, 30), mode="RGB"):
    out = io.BytesIO()
    Image.new(mode, size).save(out, "PNG")
    return out.getvalue()


def noise(size):
    out = io.BytesIO()
    Image.effect_noise(size, 64).convert("RGB").save(out, "PNG")
    return out.getvalue()


def upload(name, data):
    return SimpleUploadedFile(name, data)


def refusal(data, name="proof.jpg", kinds=(uploads.IMAGE, uploads.PDF), **limits):
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        uploads.check_upload(upload(name, data), kinds=kinds, **limits)
    return refused.value


@pytest.mark.parametrize("data", [PHP, HTML, SVG], ids=["php", "html", "svg"])
def test_code_and_markup_named_jpg_are_refused(data):
    assert refusal(data).code == "wrong_kind"


def test_svg_is_never_an_image_nor_text():
    assert refusal(SVG, name="logo.svg", kinds=(uploads.IMAGE, uploads.TEXT)).code == "wrong_kind"
    assert refusal(HTML, name="rows.csv", kinds=(uploads.TEXT,)).code == "wrong_kind"


def test_an_oversized_image_is_refused():
    error = refusal(noise((300, 300)), name="big.png", max_bytes=10_000)
    assert error.code == "too_large"


def test_a_100_megapixel_png_is_refused_before_it_is_decoded():
    bomb = png((10_000, 10_000), mode="1")  # a few kilobytes on disk, 100 megapixels
    assert len(bomb) < 200_000
    error = refusal(bomb, name="bomb.png")
    assert error.code == "too_many_pixels"
    assert "10000 × 10000" in error.messages[0]


def xlsx_bomb(unpacked):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * unpacked)
    return out.getvalue()


def test_a_zip_bomb_named_xlsx_is_refused(learning_settings):
    learning_settings(UPLOAD_MAX_UNPACKED_BYTES=1024 * 1024)
    bomb = xlsx_bomb(8 * 1024 * 1024)
    assert len(bomb) < 50_000
    error = refusal(bomb, name="members.xlsx", kinds=(uploads.XLSX, uploads.TEXT))
    assert error.code == "too_large"
    assert "unpacks to 8.0" in error.messages[0]


@pytest.mark.django_db
def test_the_import_screens_refuse_a_zip_bomb_and_write_nothing(demo, client, learning_settings):
    from dj_learning.members.models import RecordChange
    from dj_learning.quizzes.models import Question

    learning_settings(UPLOAD_MAX_UNPACKED_BYTES=1024 * 1024)
    bomb = xlsx_bomb(4 * 1024 * 1024)
    client.login(username="clerk", password="Demo!pass2026")
    changes = RecordChange.objects.count()
    page = client.post(
        "/admin/learning/records/import/",
        {"file": upload("members.xlsx", bomb)},
        HTTP_ACCEPT_LANGUAGE="en",
    ).content.decode()
    assert "unpacks to 4.0" in page
    assert RecordChange.objects.count() == changes

    client.login(username="admin", password="Demo!pass2026")
    questions = Question.objects.count()
    page = client.post(
        "/admin/learning/questions/import/",
        {"file": upload("questions.xlsx", bomb), "bank": "题库"},
        HTTP_ACCEPT_LANGUAGE="en",
    ).content.decode()
    assert "unpacks to 4.0" in page
    assert Question.objects.count() == questions


def test_a_real_workbook_and_a_csv_pass():
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["member_number", "name"])
    out = io.BytesIO()
    book.save(out)
    assert uploads.check_upload(
        upload("m.xlsx", out.getvalue()), kinds=(uploads.XLSX,)
    ).name.endswith(".xlsx")
    text = "member_number,name\nDH0001,陈静\n".encode()
    assert uploads.check_upload(upload("m.csv", text), kinds=(uploads.TEXT,)).name.endswith(".csv")


# -- The virus scanner ------------------------------------------------------------------


class FakeClamd:
    """A clamd speaking INSTREAM on a Unix socket: flags the EICAR test string."""

    def __init__(self, path):
        self.path = str(path)
        self.server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.server.bind(self.path)
        self.server.listen(4)
        self.server.settimeout(10)
        self.scanned = []
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def _exact(self, conn, size):
        data = b""
        while len(data) < size:
            part = conn.recv(size - len(data))
            if not part:
                raise ConnectionError
            data += part
        return data

    def serve(self):
        while True:
            try:
                conn, _addr = self.server.accept()
            except OSError:
                return
            with conn:
                assert self._exact(conn, 10) == b"zINSTREAM\0"
                body = b""
                while True:
                    (size,) = struct.unpack("!L", self._exact(conn, 4))
                    if not size:
                        break
                    body += self._exact(conn, size)
                self.scanned.append(body)
                found = b"EICAR-STANDARD-ANTIVIRUS-TEST-FILE" in body
                conn.sendall(b"stream: Eicar-Test-Signature FOUND\0" if found else b"stream: OK\0")

    def close(self):
        self.server.close()


@pytest.fixture
def clamd(tmp_path, learning_settings):
    server = FakeClamd(tmp_path / "clamd.sock")
    learning_settings(CLAMD=server.path)
    yield server
    server.close()


def test_the_scanner_refuses_eicar_and_logs_it(clamd, caplog):
    caplog.set_level(logging.WARNING, logger="dj_learning.uploads")
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        uploads.check_upload(upload("notes.csv", EICAR + b"\n"), kinds=(uploads.TEXT,))
    assert refused.value.code == "infected"
    assert "virus scanner flagged" in refused.value.messages[0]
    assert "Eicar-Test-Signature FOUND" in caplog.text
    # A clean file is scanned and passes.
    assert uploads.check_upload(upload("a.png", png()), kinds=(uploads.IMAGE,))
    assert len(clamd.scanned) == 2


def test_an_unreachable_scanner_refuses_rather_than_lets_through(tmp_path, learning_settings):
    learning_settings(CLAMD=str(tmp_path / "nobody.sock"))
    with pytest.raises(ValidationError) as refused:
        uploads.check_upload(upload("a.png", png()), kinds=(uploads.IMAGE,))
    assert refused.value.code == "scanner_unavailable"


@pytest.mark.django_db
def test_an_infected_proof_is_refused_on_the_screen(demo, client, clamd):
    from dj_learning.credits.models import OfflineTraining
    from dj_learning.members.models import Member

    member = Member.objects.get(member_number="DH0108")
    client.login(username="clerk", password="Demo!pass2026")
    pdf = b"%PDF-1.4\n" + EICAR + b"\n%%EOF\n"
    page = client.post(
        f"/admin/learning/training/new/{member.pk}/",
        {
            "title": "党课",
            "date": "2026-07-01",
            "hours": "2",
            "kind": "elective",
            "attachment": upload("proof.pdf", pdf),
        },
        HTTP_ACCEPT_LANGUAGE="en",
    ).content.decode()
    assert "virus scanner flagged" in page
    assert not OfflineTraining.objects.exists()


# -- Wagtail images ---------------------------------------------------------------------


@pytest.mark.django_db
def test_wagtail_image_uploads_are_checked_and_re_encoded(demo, client):
    from wagtail.images import get_image_model

    client.login(username="admin", password="Demo!pass2026")
    before = get_image_model().objects.count()
    for name, data in [
        ("logo.svg", SVG),
        ("logo.jpg", HTML),
        ("huge.png", png((10_000, 10_000), "1")),
    ]:
        response = client.post(
            "/admin/images/add/",
            {"title": name, "file": upload(name, data)},
            HTTP_ACCEPT_LANGUAGE="en",
        )
        assert response.status_code == 200, name
    assert get_image_model().objects.count() == before

    photo = io.BytesIO()
    exif = Image.Exif()
    exif[0x010E] = "secret description"
    Image.new("RGB", (64, 48), "red").save(photo, "JPEG", exif=exif)
    response = client.post(
        "/admin/images/add/", {"title": "Logo", "file": upload("logo.jpg", photo.getvalue())}
    )
    assert response.status_code == 302
    image = get_image_model().objects.latest("pk")
    assert (image.width, image.height) == (64, 48)
    with image.file.open("rb") as handle:
        assert b"secret description" not in handle.read()


# -- Proofs: private, served to those in scope ------------------------------------------


@pytest.mark.django_db
def test_a_proof_is_private_and_its_view_is_scoped(demo, client, settings):
    from django.test import Client

    from dj_learning.credits.models import OfflineTraining
    from dj_learning.members.models import Member

    member = Member.objects.get(member_number="DH0108")
    client.login(username="clerk", password="Demo!pass2026")
    pdf = b"%PDF-1.4\nproof\n%%EOF\n"
    client.post(
        f"/admin/learning/training/new/{member.pk}/",
        {
            "title": "党课",
            "date": "2026-07-01",
            "hours": "2",
            "kind": "elective",
            "attachment": upload("my proof.pdf", pdf),
        },
    )
    training = OfflineTraining.objects.get()
    path = Path(training.attachment.path)
    assert path.read_bytes() == pdf
    assert Path(settings.MEDIA_ROOT).resolve() not in path.resolve().parents
    assert "proof" not in training.attachment.name  # a random name
    with pytest.raises(ValueError):
        training.attachment.url  # noqa: B018 — no URL under MEDIA_URL exists

    url = f"/admin/learning/training/{training.pk}/proof/"
    reviewer = Client()
    reviewer.login(username="reviewer", password="Demo!pass2026")
    response = reviewer.get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == pdf

    for username in ("member", "member2"):  # the member themself is not staff; another region
        other = Client()
        other.login(username=username, password="Demo!pass2026")
        assert other.get(url).status_code in (302, 403, 404)
    assert Client().get(url).status_code == 302  # not signed in: to the sign-in page


@pytest.mark.django_db
def test_the_data_migration_moves_existing_proofs_out_of_media(demo, settings):
    import importlib

    from django.apps import apps
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from dj_learning.credits.models import OfflineTraining
    from dj_learning.members.models import Member

    migration = importlib.import_module("dj_learning.credits.migrations.0002_sec_private_files")
    old = default_storage.save("learning/training/2025/名单.jpg", ContentFile(png()))
    member = Member.objects.get(member_number="DH0108")
    from django.contrib.auth import get_user_model

    from dj_learning.credits import services

    clerk = get_user_model().objects.get(username="clerk")
    training = services.propose_training(
        clerk, member, title="旧培训", date=date(2025, 3, 1), hours=1, kind="elective"
    )
    OfflineTraining.objects.filter(pk=training.pk).update(attachment=old)
    migration.to_private(apps, None)
    training.refresh_from_db()
    assert not default_storage.exists(old)
    assert training.attachment.name.startswith("training/") and training.attachment.name.endswith(
        ".jpg"
    )
    assert Path(training.attachment.path).read_bytes() == png()
