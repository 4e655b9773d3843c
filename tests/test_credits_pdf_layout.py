"""The transcript PDF as an official record, its layout read back with ``pdftotext -bbox``:
the region's name and seal, a title, the member's details, numbers right-aligned, a
signature area, page "N / M" and the verification block."""

import io
import re
import subprocess
from html import unescape

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from pypdf import PdfReader

from dj_learning.credits import services
from dj_learning.credits.documents import transcript_pdf
from dj_learning.members.models import Member

pytestmark = pytest.mark.django_db


@pytest.fixture
def member(demo_courses):
    return Member.objects.select_related("unit").get(member_number="DH0108")


def words(pdf, tmp_path):
    """``[(text, x_min, y_min, x_max, y_max, page)]`` of every word, as pdftotext reads them."""
    path = tmp_path / "t.pdf"
    path.write_bytes(pdf)
    html = subprocess.run(
        ["pdftotext", "-bbox", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    found = []
    for page, body in enumerate(html.split("<page ")[1:], 1):
        for x0, y0, x1, y1, text in re.findall(
            r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>',
            body,
        ):
            found.append((unescape(text), float(x0), float(y0), float(x1), float(y1), page))
    return found


def test_the_transcript_reads_as_an_official_record(member, tmp_path):
    pdf = transcript_pdf(services.transcript(member))
    found = words(pdf, tmp_path)
    text = " ".join(w[0] for w in found)
    assert "东湖区" in text  # the issuing region
    assert "学习成绩单" in text and "党员编号" in text and member.member_number in text
    assert "签名" in text and "盖章" in text  # the signature and seal area
    assert "验证码" in text
    assert re.search(r"\b1\s*/\s*\d+", text)  # page N / M

    # The credits column: every amount ends at the same x (right-aligned).
    header = next(w for w in found if w[0] == "学分" and w[5] == 1 and w[1] > 400)
    below = min(w[2] for w in found if w[0] == "获得积分")  # the next section's heading
    amounts = [
        w for w in found
        if re.fullmatch(r"\d+(\.\d+)?", w[0]) and w[1] > header[1] - 40
        and header[4] < w[2] < below and w[5] == 1
    ]  # fmt: skip
    assert len(amounts) >= 2
    ends = {round(w[3]) for w in amounts}
    starts = {round(w[1]) for w in amounts}
    assert max(ends) - min(ends) <= 1, amounts
    assert len({len(w[0]) for w in amounts}) == 1 or len(starts) > 1  # aligned by their ends


def _seal_image():
    buffer = io.BytesIO()
    Image.new("RGBA", (200, 200), (200, 0, 0, 255)).save(buffer, "PNG")
    return SimpleUploadedFile("seal.png", buffer.getvalue(), content_type="image/png")


def _images(pdf):
    count = 0
    for page in PdfReader(io.BytesIO(pdf)).pages:
        count += len(page.images)
    return count


def test_the_regions_seal_is_printed_when_the_theme_has_one(member, tmp_path):
    from wagtail.images import get_image_model

    from dj_learning.themes.models import RegionTheme

    without = _images(transcript_pdf(services.transcript(member)))
    theme, _created = RegionTheme.objects.get_or_create(site=member.unit.region.site)
    theme.seal = get_image_model().objects.create(title="公章", file=_seal_image())
    theme.save()
    with_seal = transcript_pdf(services.transcript(member))
    assert _images(with_seal) == without + 1
