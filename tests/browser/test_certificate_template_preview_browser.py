"""The certificate template form's live preview in Chromium: an admin edits the title and
the preview shows the new one, without saving anything; a bad placeholder shows why."""

import re
import subprocess

import pytest
from playwright.sync_api import expect

from dj_learning.certificates.models import CertificateTemplate

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PREVIEW = "**/learning/certificates/templates/preview/"
BLOB = re.compile(r"^blob:")


def text_of(pdf, tmp_path):
    assert pdf.startswith(b"%PDF-"), pdf[:200]
    path = tmp_path / "preview.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def keep_previews(page):
    """The previews the page fetched, as ``(status, body)``, in order.

    Passed through unchanged; kept here because Chromium does not hand back the body of
    a response the page read as a blob."""
    answers = []

    def handle(route):
        response = route.fetch()
        answers.append((response.status, response.body()))
        route.fulfill(response=response)

    page.route(PREVIEW, handle)
    return answers


def test_editing_a_template_changes_its_live_preview(demo, live_server, page, tmp_path):
    template = CertificateTemplate.objects.order_by("unit__path", "pk").first()
    base = live_server.url
    page.goto(f"{base}/admin/login/")
    page.locator("#id_username").fill("admin")
    page.locator("#id_password").fill("Demo!pass2026")
    page.locator("form button[type=submit], form input[type=submit]").first.click()
    page.wait_for_url(f"{base}/admin/")
    answers = keep_previews(page)

    # Opening the form previews the template as saved, with the sample member.
    page.goto(f"{base}/admin/learning/certificates/templates/edit/{template.pk}/")
    frame = page.get_by_test_id("template-preview-frame")
    expect(frame).to_have_attribute("src", BLOB)
    shown = frame.get_attribute("src")
    ((status, pdf),) = answers
    assert status == 200 and template.title in text_of(pdf, tmp_path)

    # Typing a new title previews it a moment later; the frame shows the new PDF.
    page.locator("#id_title").fill("学习标兵证书")
    expect(frame).not_to_have_attribute("src", shown)
    status, pdf = answers[-1]
    assert status == 200 and "学习标兵证书" in text_of(pdf, tmp_path)
    expect(page.get_by_test_id("template-preview-error")).to_be_hidden()

    # An unknown placeholder is named in the preview's error; the last PDF stays shown.
    shown = frame.get_attribute("src")
    page.locator("#id_body").fill("{name}同志荣获{honour}")
    expect(page.get_by_test_id("template-preview-error")).to_contain_text("{honour}")
    assert answers[-1][0] == 400
    expect(frame).to_have_attribute("src", shown)

    # Nothing was saved by previewing.
    template.refresh_from_db()
    assert template.title != "学习标兵证书" and "{honour}" not in template.body
