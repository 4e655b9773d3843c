"""PDF documents: real rendering with xhtml2pdf, read back with pypdf and pdftotext."""

import io
import re
import shutil
import subprocess

import pytest
from django.template import engines
from django.utils import timezone
from pypdf import PdfReader

from dj_learning.pdf.services import (
    BUNDLED_FONT,
    PdfError,
    chunked,
    font_path,
    html_to_pdf,
    render_pdf,
)

CHINESE = "学习党史知识 张伟 东湖区第一支部"
ROWS = 500

# What a transcript will look like: a heading, a QR code and a long table in parts.
TRANSCRIPT = """{% extends "dj_learning/pdf/base.html" %}{% load learning_pdf %}
{% block title %}学习档案{% endblock %}
{% block content %}
<h1>{{ heading }}</h1>
<img src="{{ verify_url|qr_png }}" width="60" height="60">
{% for part in rows|chunks %}
<table repeat="1">
  <tr><th width="15%">序号</th><th width="55%">课程名称</th><th width="30%">学分</th></tr>
  {% for number, title, credits in part %}
  <tr><td>{{ number }}</td><td>{{ title }}</td><td>{{ credits }}</td></tr>
  {% endfor %}
</table>
{% endfor %}
{% endblock %}"""


def transcript_html(heading=CHINESE, rows=ROWS):
    return (
        engines["django"]
        .from_string(TRANSCRIPT)
        .render(
            {
                "heading": heading,
                "verify_url": "https://example.org/verify/ABC123/",
                "rows": [(n, f"党章学习 第{n}讲", "0.5") for n in range(1, rows + 1)],
            }
        )
    )


@pytest.fixture(scope="module")
def transcript(tmp_path_factory):
    """The 500-row transcript, rendered once: its bytes, pypdf's reader and pdftotext's pages."""
    pdf = html_to_pdf(transcript_html())
    path = tmp_path_factory.mktemp("pdf") / "transcript.pdf"
    path.write_bytes(pdf)
    layout = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    return {"reader": PdfReader(io.BytesIO(pdf)), "pdftotext": layout.split("\f")}


def fonts_drawing(page, predicate):
    """The font dicts that draw the text on ``page`` for which ``predicate`` holds."""
    fonts = []

    def visit(text, cm, tm, font_dict, font_size):
        if font_dict is not None and predicate(text) and font_dict not in fonts:
            fonts.append(font_dict)

    page.extract_text(visitor_text=visit)
    return fonts


def has_chinese(text):
    return any("\u4e00" <= char <= "\u9fff" for char in text)


def test_chinese_text_reads_back_with_pypdf_and_pdftotext(transcript):
    first_page = transcript["reader"].pages[0].extract_text()
    assert CHINESE in first_page
    assert CHINESE in transcript["pdftotext"][0]
    assert "党章学习 第500讲" in transcript["pdftotext"][-2]  # the last page; "" follows its \f


def test_the_chinese_text_is_drawn_in_the_embedded_truetype_font(transcript):
    fonts = fonts_drawing(transcript["reader"].pages[0], has_chinese)
    assert fonts
    for font in fonts:
        name = str(font["/BaseFont"])
        assert "STSong" not in name and "Helvetica" not in name, name
        assert name.endswith("DroidSansFallback"), name
        assert "/FontFile2" in font["/FontDescriptor"].get_object(), name


def test_the_table_spans_pages_and_each_page_repeats_its_header_and_is_numbered(transcript):
    pages = transcript["reader"].pages
    assert len(pages) > 5
    for number, page in enumerate(pages, start=1):
        text = page.extract_text()
        assert "序号" in text and "课程名称" in text, f"page {number} has no table header"
        assert re.search(rf"\b{number}\s*/\s*{len(pages)}\b", text), f"page {number}: {text}"


def test_every_row_is_printed_once(transcript):
    text = "".join(transcript["pdftotext"])
    for n in (1, 100, 101, 250, 499, 500):
        assert len(re.findall(rf"第{n}讲", text)) == 1, n


def test_the_qr_code_is_an_image_on_the_first_page(transcript):
    page = transcript["reader"].pages[0]
    images = [
        xobject.get_object()
        for xobject in page["/Resources"]["/XObject"].values()
        if xobject.get_object()["/Subtype"] == "/Image"
    ]
    assert len(images) == 1
    # Square, and at least the smallest QR code (21 modules) at 4 px a module.
    assert images[0]["/Width"] == images[0]["/Height"] >= 21 * 4


def test_a_long_table_is_split_into_tables_of_100_rows():
    assert [len(part) for part in chunked(range(500))] == [100] * 5
    assert [len(part) for part in chunked(range(250), size=100)] == [100, 100, 50]
    assert chunked([]) == []
    assert transcript_html().count("<table") == 5


def test_the_base_template_prints_the_date_and_page_number_in_the_footer():
    page = PdfReader(io.BytesIO(render_pdf("dj_learning/pdf/base.html", {}))).pages[0]
    text = page.extract_text()
    assert timezone.localdate().isoformat() in text
    assert re.search(r"\b1\s*/\s*1\b", text)


def test_the_bundled_font_is_used_when_the_site_names_none():
    assert font_path() == BUNDLED_FONT
    assert BUNDLED_FONT.is_file()
    assert (BUNDLED_FONT.parent / "LICENSE-DroidSansFallback.txt").is_file()


def test_a_font_the_site_configures_outside_the_package_is_embedded(settings, tmp_path):
    site_font = tmp_path / "fonts" / "site-cjk.ttf"
    site_font.parent.mkdir()
    shutil.copyfile(BUNDLED_FONT, site_font)
    settings.DJ_LEARNING = {**settings.DJ_LEARNING, "PDF_FONT": str(site_font)}

    assert font_path() == site_font
    reader = PdfReader(io.BytesIO(html_to_pdf(transcript_html(rows=3))))
    assert CHINESE in reader.pages[0].extract_text()
    assert fonts_drawing(reader.pages[0], has_chinese)


@pytest.mark.parametrize(
    ("name", "create", "message"),
    [
        ("missing.ttf", False, "there is no such file"),
        ("NotoSansCJKsc-Regular.otf", True, "TrueType font file (.ttf or .ttc)"),
        ("fonts", True, "TrueType font file (.ttf or .ttc)"),
    ],
)
def test_a_font_setting_that_cannot_work_is_refused(settings, tmp_path, name, create, message):
    path = tmp_path / name
    if create:
        path.write_bytes(b"OTTO")
    settings.DJ_LEARNING = {**settings.DJ_LEARNING, "PDF_FONT": str(path)}

    with pytest.raises(PdfError, match=re.escape(message)) as raised:
        render_pdf("dj_learning/pdf/base.html", {})
    assert "PDF_FONT" in str(raised.value) and str(path) in str(raised.value)


def test_a_font_file_that_is_not_truetype_inside_is_refused(settings, tmp_path):
    broken = tmp_path / "broken.ttf"
    broken.write_bytes(b"this is not a font")
    settings.DJ_LEARNING = {**settings.DJ_LEARNING, "PDF_FONT": str(broken)}

    with pytest.raises(PdfError, match="xhtml2pdf could not render the document"):
        html_to_pdf(transcript_html(rows=1))


def test_a_document_that_does_not_embed_the_font_is_refused():
    with pytest.raises(PdfError, match="was not embedded as 'LearningCJK'"):
        html_to_pdf(f"<html><body><p>{CHINESE}</p></body></html>")


def test_text_the_font_cannot_draw_is_refused_not_left_blank():
    with pytest.raises(PdfError, match=r"U\+1F600"):
        html_to_pdf(transcript_html(heading=f"{CHINESE} 😀", rows=1))


def test_the_document_may_not_read_other_files(tmp_path):
    image = tmp_path / "logo.png"
    image.write_bytes(BUNDLED_FONT.read_bytes()[:100])
    html = transcript_html(rows=1).replace("<h1>", f'<img src="{image}"><h1>')

    with pytest.raises(PdfError, match="Blocked by the resource policy"):
        html_to_pdf(html)
