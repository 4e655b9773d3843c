"""Demo themes: two regions that look clearly different, a branch override, notices.

Region 1 (东湖区) is red and gold with a banner home page; region 2 (西山区) is navy
and mint, set in a serif face, with the latest courses on its home page. Branch
东湖区第一支部 overrides only its accent colour and header line, inheriting the
rest from its region. Region 1 lets the demo portal (``port + 1``) embed its
widgets. Keyed on codes, titles and slugs: loading twice changes nothing.
"""

import io
from datetime import date

from django.core.files.images import ImageFile
from PIL import Image as PILImage
from PIL import ImageDraw, ImageFont
from wagtail.images import get_image_model

from dj_learning.orgs.models import Unit
from dj_learning.pdf.services import font_path
from dj_learning.themes.models import NoticePage, RegionTheme, UnitTheme

REGIONS = {
    "region-1": {
        "name": "东湖区党员学习",
        "mark": ("东", (164, 22, 26), "circle"),
        "primary_colour": "#a4161a",
        "accent_colour": "#f2b705",
        "font_stack": "",
        "header_text": "<p>学思践悟 · 东湖区党员教育平台</p>",
        "footer_text": "<p>东湖区委组织部 主办</p>",
        "home_layout": "banner",
    },
    "region-2": {
        "name": "西山区学习园地",
        "mark": ("西", (29, 78, 137), "square"),
        "primary_colour": "#1d4e89",
        "accent_colour": "#7fd1ae",
        "font_stack": '"Noto Serif CJK SC", "Source Han Serif SC", "Songti SC", SimSun, serif',
        "header_text": "<p>西山区党员终身学习</p>",
        "footer_text": "<p>西山区委组织部 · 学习办公室</p>",
        "home_layout": "courses",
    },
}
BRANCH = {
    "r1-branch-1": {"accent_colour": "#8ecae6", "header_text": "<p>东湖区第一支部 · 学习小组</p>"}
}
NOTICES = {
    "region-1": [
        (
            "2026-03-01",
            "notice-spring-study",
            "关于开展春季集中学习的通知",
            "请各支部于三月底前完成必修课程。",
        ),
        (
            "2026-04-15",
            "notice-transcripts",
            "学分档案可在线下载",
            "党员可在“我的学习”中下载本年度学分档案。",
        ),
    ],
    "region-2": [
        ("2026-03-10", "notice-reading", "西山区读书月活动安排", "本月每周三晚举办读书分享会。"),
    ],
}


def load(port):
    for code, spec in REGIONS.items():
        region = Unit.objects.select_related("site").filter(code=code).first()
        if region is None or region.site is None:
            continue
        theme = RegionTheme.objects.filter(site=region.site).first() or RegionTheme(
            site=region.site
        )
        values = {k: v for k, v in spec.items() if k != "mark"}
        for name, value in values.items():
            setattr(theme, name, value)
        theme.logo = _logo(spec["name"], *spec["mark"])
        if code == "region-1":
            theme.embed_origins = f"http://127.0.0.1:{port + 1}\nhttp://localhost:{port + 1}"
        theme.full_clean()
        theme.save()
        for day, slug, title, body in NOTICES.get(code, []):
            _notice(region.site.root_page, day, slug, title, body)
    for code, values in BRANCH.items():
        unit = Unit.objects.filter(code=code).first()
        if unit is None:
            continue
        theme = UnitTheme.objects.filter(unit=unit).first() or UnitTheme(unit=unit)
        for name, value in values.items():
            setattr(theme, name, value)
        theme.full_clean()
        theme.save()


def _logo(name, char, colour, shape):
    """A 96 px emblem: the region's first character, white on its colour."""
    model = get_image_model()
    title = f"标志：{name}"
    image = model.objects.filter(title=title).first()
    if image is not None:
        return image
    canvas = PILImage.new("RGBA", (96, 96), (0, 0, 0, 0))
    draw = ImageDraw.Draw(canvas)
    if shape == "circle":
        draw.ellipse((2, 2, 94, 94), fill=colour, outline=(255, 255, 255), width=4)
    else:
        draw.rounded_rectangle(
            (2, 2, 94, 94), radius=16, fill=colour, outline=(255, 255, 255), width=4
        )
    font = ImageFont.truetype(str(font_path()), 56)
    draw.text((48, 50), char, font=font, fill=(255, 255, 255), anchor="mm")
    buffer = io.BytesIO()
    canvas.save(buffer, "PNG")
    image = model(title=title, file=ImageFile(buffer, name="logo.png"))
    image.save()
    return image


def _notice(home, day, slug, title, body):
    if NoticePage.objects.filter(slug=slug, path__startswith=home.path).exists():
        return
    notice = home.add_child(
        instance=NoticePage(
            title=title, slug=slug, date=date.fromisoformat(day), body=f"<p>{body}</p>"
        )
    )
    notice.save_revision().publish()
