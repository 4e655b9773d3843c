"""Demo of members' voice: categories per region, suggestions in every status in region 1
(one replied and published, one adopted), an open poll in each region (region 1's
anonymous), comments under a module, and unread notifications for ``member``. Keyed on
titles: loading twice changes nothing."""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from dj_learning.members.models import Member
from dj_learning.orgs.models import Unit
from dj_learning.voice import services
from dj_learning.voice.models import Option, Poll, Question, Suggestion, SuggestionCategory

CATEGORIES = {
    "region-1": ["学习教育", "组织生活", "基层治理", "其他"],
    "region-2": ["学习教育", "志愿服务", "其他"],
}

# title, text, status, days ago, reply, published
SUGGESTIONS = [
    ("建议增加党史微课", "希望每月推出两节 10 分钟以内的党史微课，方便利用碎片时间学习。",
     "adopted", 40, "感谢建议！党史微课已纳入下季度课程计划，首批将于下月上线。", False),
    ("支部活动室开放时间", "活动室晚上 6 点就关门，下班后的党员无法使用，建议延长到 8 点。",
     "replied", 20, "已与物业协调，自下周一起活动室开放至晚上 8 点。", True),
    ("学习积分兑换品种偏少", "积分兑换的物品种类较少，建议增加图书类奖品。",
     "in_progress", 6, None, False),
    ("线上测验题目有误", "《党章学习》第三单元测验第 5 题的答案似乎有误，请核实。",
     "received", 2, None, False),
    ("组织生活会通知太晚", "上次组织生活会的通知提前一天才发，建议至少提前三天。",
     "closed", 60, "已提醒各支部提前三天发布通知，本条办结。", False),
]  # fmt: skip


def load():
    now = timezone.now()
    for code, names in CATEGORIES.items():
        region = Unit.objects.filter(code=code).first()
        if region is None:
            continue
        for order, name in enumerate(names):
            SuggestionCategory.objects.get_or_create(
                unit=region, name=name, defaults={"order": order}
            )
    member = Member.objects.filter(user__username="member").select_related("unit", "user").first()
    reviewer = get_user_model().objects.filter(username="reviewer").first()
    if member is not None and reviewer is not None:
        for title, text, status, days, reply, published in SUGGESTIONS:
            if Suggestion.objects.filter(member=member, title=title).exists():
                continue
            sent = now - timedelta(days=days, hours=3)
            suggestion = services.submit(member, title=title, text=text, now=sent)
            if status != "received":
                services.assign(suggestion, reviewer)
            if reply:
                services.reply(suggestion, reviewer, reply, now=sent + timedelta(hours=26))
                services.reply(
                    suggestion,
                    reviewer,
                    "已与支委会沟通。",
                    internal=True,
                    now=sent + timedelta(hours=20),
                )
            if status in ("adopted", "closed"):
                services.set_status(suggestion, status, by=reviewer, now=sent + timedelta(days=2))
            if published:
                services.publish(suggestion, member, now=sent + timedelta(days=3))
    _polls(now)


COMMENTS = [
    ("member", "这一节讲得很清楚，建议配一些案例。", None),
    ("clerk", "同意，我们支部下次组织生活会可以结合案例讨论。", 0),
    ("member2", "请问课后测验什么时候开放？", None),
]


def load_comments():
    """Comments under the first live module every commenter may study (the demo with
    courses): a module's discussion is its audience's."""
    from dj_learning.courses.models import ModulePage
    from dj_learning.voice import discussion
    from dj_learning.voice.models import Comment

    authors = {
        m.user.username: m
        for m in Member.objects.filter(user__username__in=[c[0] for c in COMMENTS]).select_related(
            "user", "unit"
        )
    }
    modules = list(ModulePage.objects.live().order_by("path")[:20])
    module = next(
        (m for m in modules if all(discussion.in_audience(a, m) for a in authors.values())),
        modules[0] if modules else None,
    )
    if module is None or Comment.objects.filter(module=module).exists():
        return
    posted = []
    for username, text, parent in COMMENTS:
        member = authors.get(username)
        if member is None or not discussion.in_audience(member, module):
            posted.append(None)  # keeps the replies' indexes
            continue
        parent_comment = posted[parent] if parent is not None and parent < len(posted) else None
        posted.append(discussion.post(member, module, text, parent=parent_comment))


# region code, title, anonymous, results, questions: (text, type, max, options)
POLLS = [
    ("region-1", "2026 年度学习需求调查", True, Poll.Results.AFTER_VOTE, [
        ("你最希望增加哪类课程？", "single", None, ["党史", "理论", "业务技能", "法律法规"]),
        ("你通常在什么时间学习？（最多选两项）", "multiple", 2, ["早上", "午休", "晚上", "周末"]),
        ("你对目前的线上学习平台打几分？", "rating", None, []),
        ("其他意见和建议", "text", None, []),
    ]),
    ("region-2", "志愿服务活动时间征集", False, Poll.Results.AFTER_CLOSE, [
        ("你方便参加志愿服务的时间", "single", None, ["工作日晚上", "周六", "周日"]),
        ("你对上次志愿服务活动的满意度", "rating", None, []),
    ]),
]  # fmt: skip


def _polls(now):
    for code, title, anonymous, results, questions in POLLS:
        unit = Unit.objects.filter(code=code).first()
        if unit is None or Poll.objects.filter(unit=unit, title=title).exists():
            continue
        poll = Poll.objects.create(
            unit=unit,
            title=title,
            description="请如实填写，约需 2 分钟。",
            opens_at=now - timedelta(days=1),
            closes_at=now + timedelta(days=30),
            anonymous=anonymous,
            results=results,
        )
        for order, (text, kind, most, options) in enumerate(questions):
            question = Question.objects.create(
                poll=poll, order=order, text=text, type=kind, max_choices=most,
                required=kind != "text",
            )  # fmt: skip
            Option.objects.bulk_create(
                Option(question=question, order=i, text=o) for i, o in enumerate(options)
            )
        services.notify_poll_opened(poll)
