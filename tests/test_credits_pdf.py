"""The transcript PDF: Chinese text read back, the embedded font, the QR code's URL,
verification, and the command line."""

import base64
import io
import re
import subprocess
from datetime import date
from decimal import Decimal

import pytest
from django.core.management import call_command
from PIL import Image
from pypdf import PdfReader

from dj_learning.credits import services
from dj_learning.credits.documents import expected_pages, transcript_pdf
from dj_learning.credits.models import TranscriptDocument
from dj_learning.members.models import Member
from dj_learning.pdf.services import qr_png_data_uri

pytestmark = pytest.mark.django_db


@pytest.fixture
def member(demo_courses):
    return Member.objects.select_related("unit").get(member_number="DH0108")


def text_of(pdf_bytes, tmp_path):
    path = tmp_path / "t.pdf"
    path.write_bytes(pdf_bytes)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def fonts_of(reader):
    found = {}
    for page in reader.pages:
        fonts = page["/Resources"].get("/Font", {})
        for ref in fonts.values():
            font = ref.get_object()
            descendant = font.get("/DescendantFonts")
            target = descendant[0].get_object() if descendant else font
            descriptor = target.get("/FontDescriptor")
            descriptor = descriptor.get_object() if descriptor else {}
            found[str(font["/BaseFont"])] = "/FontFile2" in descriptor
    return found


def test_the_transcript_pdf_reads_back_in_chinese_with_an_embedded_font(member, tmp_path):
    content = transcript_pdf(services.transcript(member))
    text = text_of(content, tmp_path)
    assert "张伟" in text and "东湖区第一支部" in text
    assert "中国共产党的创立" in text  # a module completed in the demo
    assert "学习成绩单" in text
    fonts = fonts_of(PdfReader(io.BytesIO(content)))
    assert any(embedded for embedded in fonts.values()), fonts
    assert not any("STSong" in name for name in fonts)


def test_the_qr_code_points_to_the_verification_page(member, client):
    from django.test import RequestFactory

    request = RequestFactory().get("/", HTTP_HOST="127.0.0.1:8000")
    content = transcript_pdf(services.transcript(member), request=request)
    document = TranscriptDocument.objects.get(member=member, status="valid")
    url = f"http://127.0.0.1:8000/verify/{document.code}/"
    reader = PdfReader(io.BytesIO(content))
    assert url in reader.pages[0].extract_text().replace("\n", "")
    expected = Image.open(io.BytesIO(base64.b64decode(qr_png_data_uri(url).split(",", 1)[1])))
    expected = expected.convert("L").tobytes()
    shown = [Image.open(io.BytesIO(image.data)) for image in reader.pages[0].images]
    assert any(
        image.size[0] == image.size[1]  # the QR code beside the region's logo
        and image.convert("L").resize((int(len(expected) ** 0.5),) * 2).tobytes() == expected
        for image in shown
    )
    assert client.get(f"/verify/{document.code}/").status_code == 200


def _adjustments(member, count, *, by):
    """``count`` elective credit adjustments of 0.1 for ``member`` this year."""
    for i in range(count):
        services.adjust(
            member,
            year=services.courses.study_year(),
            kind="elective",
            amount=Decimal("0.1"),
            reason=f"补录第{i}次",
            by=by,
            earned_on=date.today(),
        )


def test_a_long_transcript_breaks_across_pages_with_the_header_repeated(
    member, tmp_path, django_user_model
):
    _adjustments(member, 120, by=django_user_model.objects.get(username="admin"))
    reader = PdfReader(io.BytesIO(transcript_pdf(services.transcript(member))))
    assert len(reader.pages) >= 3
    texts = [page.extract_text() for page in reader.pages[1:]]
    # Every page the credits table runs onto repeats its header; other apps' sections
    # (the member's points) and the verification block may follow on the last pages.
    table = [t for t in texts if "获得积分" not in t and "验证码" not in t] or texts[:1]
    assert len(table) >= 1 and all("事项" in t for t in table)


def test_a_year_without_a_plan_renders_and_says_so(member, tmp_path):
    text = text_of(transcript_pdf(services.transcript(member, 2020)), tmp_path)
    assert "本年度没有学习计划" in text


def test_the_command_writes_pdf_and_csv(member, tmp_path, capsys):
    pdf = tmp_path / "out.pdf"
    call_command("learning_transcript", "DH0108", "--pdf", str(pdf))
    assert pdf.read_bytes().startswith(b"%PDF")
    call_command("learning_transcript", "member", "--csv", "-")
    out = capsys.readouterr().out
    assert "DH0108" in out and "中国共产党的创立" in out


def test_the_api_serves_my_transcript_and_its_pdf(member, client, get_token):
    auth = {"HTTP_AUTHORIZATION": f"Bearer {get_token('member')}"}
    body = client.get("/api/v1/me/transcript", **auth).json()
    assert body["name"] == "张伟" and body["required_earned"] == "2.00"
    assert [e["title"] for e in body["entries"]][:2] == ["中国共产党的创立", "新民主主义革命的胜利"]
    pdf = client.get("/api/v1/me/transcript/pdf", **auth)
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    other = Member.objects.get(member_number="XS0205")
    assert client.get(f"/api/v1/members/{other.pk}/transcript", **auth).status_code == 404


def test_downloading_twice_issues_one_transcript_until_the_totals_change(member, django_user_model):
    transcript_pdf(services.transcript(member))
    transcript_pdf(services.transcript(member))
    assert TranscriptDocument.objects.filter(member=member).count() == 1
    admin = django_user_model.objects.get(username="admin")
    services.adjust(
        member,
        year=services.courses.study_year(),
        kind="elective",
        amount=Decimal("1"),
        reason="补录",
        by=admin,
    )
    transcript_pdf(services.transcript(member))
    assert list(
        TranscriptDocument.objects.filter(member=member)
        .order_by("issued_at")
        .values_list("status", flat=True)
    ) == ["superseded", "valid"]


def test_a_member_outside_any_region_gets_a_transcript_too(demo, tmp_path):
    from dj_learning.orgs.models import Unit
    from dj_learning.test import factories

    national = Unit.objects.get(code="national")
    member = factories.member(unit=national, name="总部党员")
    text = text_of(transcript_pdf(services.transcript(member)), tmp_path)
    assert "全国总部" in text and "总部党员" in text


def _footers(pdf):
    """Each page's "N / M" page number: the line that holds nothing else."""
    reader = PdfReader(io.BytesIO(pdf))
    line = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$", re.M)
    return [line.findall(page.extract_text()) for page in reader.pages]


@pytest.mark.parametrize(
    "extra_entries, renders",
    # 3, 43 and 93 entries: 1, 2 and 4 pages, as expected (a wrong guess: below).
    [(0, 1), (40, 1), (90, 1)],
)
def test_every_page_gives_the_real_page_count_and_a_right_guess_lays_out_once(
    member, extra_entries, renders, django_user_model
):
    """The transcript expects its number of pages from its entries, so xhtml2pdf
    need not count them in a second pass; a wrong guess is rendered again."""
    from unittest import mock

    from xhtml2pdf import pisa

    _adjustments(member, extra_entries, by=django_user_model.objects.get(username="admin"))
    transcript = services.transcript(member)
    with mock.patch.object(pisa, "CreatePDF", wraps=pisa.CreatePDF) as create:
        pdf = transcript_pdf(transcript)
    pages = len(PdfReader(io.BytesIO(pdf)).pages)
    assert _footers(pdf) == [[(str(n), str(pages))] for n in range(1, pages + 1)]
    guess = expected_pages(len(transcript.entries))
    assert create.call_count == renders == (1 if guess == pages else 2), (guess, pages)
    assert not any("<pdf:pagecount>" in call.args[0] for call in create.call_args_list)


def test_a_wrong_guess_of_pages_is_rendered_again_with_the_real_count(member, monkeypatch):
    from unittest import mock

    from xhtml2pdf import pisa

    from dj_learning.credits import documents

    monkeypatch.setattr(documents, "FIRST_PAGE_ENTRIES", 1)
    monkeypatch.setattr(documents, "ENTRIES_PER_PAGE", 1)
    transcript = services.transcript(member)
    assert expected_pages(len(transcript.entries)) > 1
    with mock.patch.object(pisa, "CreatePDF", wraps=pisa.CreatePDF) as create:
        pdf = transcript_pdf(transcript)
    assert create.call_count == 2
    assert _footers(pdf) == [[("1", "1")]]
