"""Demo certificates: a template per region that looks like an official Chinese certificate
(a red seal, a large title, the body centred, on a cream paper with a border), the
issuing rules (the demo course completed, the year's plan met), and a certificate
each for ``member`` (region 1) and ``member2`` (region 2), rendered and stored.

Keyed on units, names and keys: loading twice changes nothing. The images are drawn
here with Pillow and go through ``uploads.check_upload`` like an upload would.
"""

import io
import math
from datetime import timedelta

from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image, ImageDraw, ImageFont

from dj_learning import uploads
from dj_learning.certificates import services
from dj_learning.certificates.models import Certificate, CertificateTemplate, IssuingRule
from dj_learning.courses.models import CoursePage
from dj_learning.members.models import Member
from dj_learning.orgs.models import Unit
from dj_learning.pdf.services import font_path

RED = (200, 16, 46)

TEMPLATES = {
    "region-1": {
        "name": "东湖区荣誉证书",
        "orientation": CertificateTemplate.Orientation.LANDSCAPE,
        "title": "荣誉证书",
        "body": (
            "{name} 同志（党员编号 {member_number}，{unit}）：\n"
            "在{plan_year}年度党员教育学习中表现突出，完成“{course}”，\n"
            "取得学分 {credits} 分，特发此证，以资鼓励。"
        ),
        "issuer": "中共东湖区委组织部",
        "number_prefix": "DH",
        "valid_days": None,
        "accent_colour": "#c8102e",
        "seal_text": "中共东湖区委组织部",
        "paper": (253, 246, 228),
        "signers": (("陈建国", "区委组织部部长"), ("刘强", "支部书记")),
    },
    "region-2": {
        "name": "西山区结业证书",
        "orientation": CertificateTemplate.Orientation.PORTRAIT,
        "title": "结业证书",
        "body": (
            "{name} 同志：\n"
            "于{plan_year}年度参加西山区党员教育培训，\n"
            "完成“{course}”的学习，成绩合格，准予结业。\n"
            "特发此证。"
        ),
        "issuer": "中共西山区委组织部",
        "number_prefix": "XS",
        "valid_days": 730,
        "accent_colour": "#a0171d",
        "seal_text": "中共西山区委组织部",
        "paper": (250, 244, 232),
        "signers": (("王立新", "区委组织部部长"),),
    },
}

# (region, rule name, trigger, course slug or None)
RULES = [
    ("region-1", "学习党史知识结业", IssuingRule.Trigger.COURSE, "party-history"),
    ("region-1", "东湖区年度学习计划达标", IssuingRule.Trigger.PLAN, None),
    ("region-2", "西山区年度学习计划达标", IssuingRule.Trigger.PLAN, None),
]

# username, region, what for
HELD = [
    ("member", "region-1", "党章与党规专题学习"),
    ("member2", "region-2", "新时代理论学习"),
]


def load():
    for code, spec in TEMPLATES.items():
        region = Unit.objects.filter(code=code).first()
        if region is None:
            continue
        template = CertificateTemplate.objects.filter(unit=region, name=spec["name"]).first()
        if template is None:
            template = _template(region, spec)
        for rule_region, name, trigger, slug in RULES:
            if rule_region == code:
                _rule(region, template, name, trigger, slug)
    for username, code, course in HELD:
        member = Member.objects.select_related("unit").filter(user__username=username).first()
        template = CertificateTemplate.objects.filter(
            unit__code=code, name=TEMPLATES[code]["name"]
        ).first()
        if member is None or template is None:
            continue
        certificate, _created = services.issue(
            member,
            template,
            key=f"demo:{username}",
            today=timezone.localdate() - timedelta(days=30),
            course=course,
            plan_year=timezone.localdate().year,
            credits="6.5",
        )
        services.render_stored(certificate.pk)
    return Certificate.objects.count()


def _template(region, spec):
    template = CertificateTemplate(
        unit=region,
        **{
            key: spec[key]
            for key in (
                "name",
                "orientation",
                "title",
                "body",
                "issuer",
                "number_prefix",
                "valid_days",
                "accent_colour",
            )
        },
    )
    landscape = spec["orientation"] == CertificateTemplate.Orientation.LANDSCAPE
    size = (1754, 1240) if landscape else (1240, 1754)
    _attach(template.background, _paper(size, spec["paper"]))
    _attach(template.seal, _seal(spec["seal_text"]))
    for index, (name, title) in enumerate(spec["signers"], start=1):
        setattr(template, f"signer_{index}_name", name)
        setattr(template, f"signer_{index}_title", title)
    template.save()
    return template


def _attach(field_file, image_bytes):
    checked = uploads.check_upload(ContentFile(image_bytes, name="demo"), kinds=(uploads.IMAGE,))
    field_file.save(checked.name, checked, save=False)


def _rule(region, template, name, trigger, slug):
    course = None
    if slug:
        course = (
            CoursePage.objects.filter(slug=slug).descendant_of(region.site.root_page).first()
            if region.site_id
            else None
        )
        if course is None:
            return
    IssuingRule.objects.update_or_create(
        unit=region,
        name=name,
        defaults={"template": template, "trigger": trigger, "course": course},
    )


def _png(image):
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def _paper(size, colour):
    """Cream paper with a thin gold frame and corner ornaments."""
    width, height = size
    image = Image.new("RGB", size, colour)
    draw = ImageDraw.Draw(image)
    gold = (196, 152, 64)
    for inset, line in ((36, 6), (60, 2)):
        draw.rectangle((inset, inset, width - inset, height - inset), outline=gold, width=line)
    for x, y in ((60, 60), (width - 60, 60), (60, height - 60), (width - 60, height - 60)):
        draw.ellipse((x - 22, y - 22, x + 22, y + 22), outline=gold, width=4)
        draw.ellipse((x - 8, y - 8, x + 8, y + 8), fill=gold)
    # A photo-like background is kept as JPEG: the PDF embeds it as it is, without re-encoding.
    out = io.BytesIO()
    image.save(out, "JPEG", quality=88)
    return out.getvalue()


def _seal(text):
    """A round red official seal: a ring, a five-pointed star, the name around the top."""
    size = 600
    image = Image.new("RGBA", (size, size), (255, 255, 255, 0))
    draw = ImageDraw.Draw(image)
    centre = size / 2
    draw.ellipse((18, 18, size - 18, size - 18), outline=RED, width=22)
    radius = 86
    points = []
    for i in range(10):
        angle = -math.pi / 2 + i * math.pi / 5
        r = radius if i % 2 == 0 else radius * 0.38
        points.append((centre + r * math.cos(angle), centre + r * math.sin(angle)))
    draw.polygon(points, fill=RED)
    font = ImageFont.truetype(str(font_path()), 64)
    count = len(text)
    spread = math.radians(240)
    for i, char in enumerate(text):
        angle = -math.pi / 2 - spread / 2 + spread * (i + 0.5) / count
        glyph = Image.new("RGBA", (80, 80), (255, 255, 255, 0))
        ImageDraw.Draw(glyph).text((40, 40), char, font=font, fill=RED, anchor="mm")
        glyph = glyph.rotate(-math.degrees(angle) - 90, resample=Image.BICUBIC)
        x = centre + 205 * math.cos(angle) - 40
        y = centre + 205 * math.sin(angle) - 40
        image.alpha_composite(glyph, (int(x), int(y)))
    return _png(image)
