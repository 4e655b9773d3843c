"""Demo points: rules for both regions, a small catalog per region with images, and a
history for the demo member. Keyed on units, titles and actions: loading twice changes
nothing."""

import io
from datetime import datetime, time, timedelta

from django.core.files.images import ImageFile
from django.utils import timezone
from PIL import Image as PILImage
from PIL import ImageDraw
from wagtail.images import get_image_model

from dj_learning.members.models import Member
from dj_learning.orgs.models import Unit
from dj_learning.rewards import services
from dj_learning.rewards.models import Action, CatalogItem, PointEntry, PointRule, RuleWindow

# action: (points, daily cap, once per item, minimum study seconds)
RULES = {
    "region-1": {
        Action.LESSON_STUDIED: (2, 20, True, 60),
        Action.MODULE_COMPLETED: (10, None, True, 0),
        Action.QUIZ_PASSED: (5, 20, True, 0),
        Action.FULL_MARKS: (5, None, True, 0),
        Action.DAILY_SIGN_IN: (1, 1, False, 0),
        Action.CHECK_IN: (5, 10, True, 0),
        Action.VOLUNTEER_HOUR: (3, 24, False, 0),
        Action.SUGGESTION_ADOPTED: (10, None, True, 0),
    },
    "region-2": {
        Action.LESSON_STUDIED: (1, 10, True, 120),
        Action.MODULE_COMPLETED: (8, None, True, 0),
        Action.QUIZ_PASSED: (4, 12, True, 0),
        Action.FULL_MARKS: (4, None, True, 0),
        Action.DAILY_SIGN_IN: (1, 1, False, 0),
        Action.CHECK_IN: (6, 12, True, 0),
        Action.VOLUNTEER_HOUR: (4, 32, False, 0),
        Action.SUGGESTION_ADOPTED: (15, None, True, 0),
    },
}

# title, description, cost, stock, per-member limit, colour
CATALOG = {
    "region-1": [
        ("党徽", "标准党徽一枚，佩戴参加组织生活。", 50, 20, 1, (200, 16, 46)),
        ("笔记本", "学习笔记本，A5 规格。", 30, 50, 2, (36, 99, 170)),
        ("党章（便携本）", "中国共产党章程，便携口袋本。", 80, 10, None, (178, 34, 34)),
        ("保温杯", "不锈钢保温杯，500 毫升。", 150, 5, 1, (70, 130, 80)),
    ],
    "region-2": [
        ("书签套装", "红色主题书签一套六枚。", 20, 40, 2, (205, 92, 42)),
        ("帆布袋", "西山区志愿服务帆布袋。", 40, 30, 1, (60, 60, 120)),
        ("护眼台灯", "LED 护眼台灯，学习用。", 300, 2, 1, (90, 90, 90)),
    ],
}


def load():
    for code, rules in RULES.items():
        region = Unit.objects.filter(code=code).first()
        if region is None:
            continue
        for action, (points, cap, once, seconds) in rules.items():
            PointRule.objects.update_or_create(
                unit=region,
                action=action,
                defaults={
                    "points": points,
                    "daily_cap": cap,
                    "once_per_item": once,
                    "min_study_seconds": seconds,
                },
            )
        _july_week(region)
        for title, description, cost, stock, limit, colour in CATALOG[code]:
            CatalogItem.objects.get_or_create(
                unit=region,
                title=title,
                defaults={
                    "description": description,
                    "cost": cost,
                    "stock": stock,
                    "per_member_limit": limit,
                    "image": _picture(title, colour),
                },
            )
    _history("member")


def _july_week(region):
    """Check-in points count double in the week of 1 July."""
    rule = PointRule.objects.get(unit=region, action=Action.CHECK_IN)
    tz = timezone.get_current_timezone()
    start = datetime.combine(timezone.localdate().replace(month=7, day=1), time.min, tzinfo=tz)
    RuleWindow.objects.get_or_create(
        rule=rule,
        starts_at=start,
        defaults={"ends_at": start + timedelta(days=7), "multiplier": 2},
    )


def _picture(title, colour):
    model = get_image_model()
    image_title = f"奖品：{title}"
    image = model.objects.filter(title=image_title).first()
    if image is not None:
        return image
    canvas = PILImage.new("RGB", (480, 300), colour)
    draw = ImageDraw.Draw(canvas)
    draw.ellipse((170, 80, 310, 220), outline=(255, 215, 0), width=8)
    draw.rectangle((40, 250, 440, 262), fill=(255, 255, 255))
    buffer = io.BytesIO()
    canvas.save(buffer, "PNG")
    image = model(title=image_title, file=ImageFile(buffer, name="reward.png"))
    image.save()
    return image


def _history(username):
    """The entries of features the demo has no other way to show (check-in, daily sign-in
    and volunteer service come from ``cms_site.demo.activities``, through those features)."""
    member = Member.objects.select_related("unit").filter(user__username=username).first()
    if member is None or PointEntry.objects.filter(member=member, action=Action.MANUAL).exists():
        return
    services.award(member, Action.SUGGESTION_ADOPTED, title="关于增设学习角的建议")
    services.adjust(member, 60, reason="年度学习积极分子", by=None)
