"""The rewards' seeder: points for what the members did, a reward per region, redemptions.

The once-only keys come from ``rewards.services.entry_key``, so ``award()``
finds these entries as already earned.
"""

import random
from datetime import timedelta

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from dj_learning.courses.models import ModuleCompletion
from dj_learning.rewards.models import (
    Action,
    Balance,
    CatalogItem,
    PointEntry,
    PointRule,
    Redemption,
)
from dj_learning.rewards.services import entry_key

from .bulk import RowWriter, allocate_ids, foreign_keys_checked_once


def seed_points(seeder):
    """Points for every completion (and passed exam), a reward per region, some redemptions.

    Entries are what ``rewards.services.award`` writes for a rule of 10 points
    a module and 20 a passed quiz (with the same once-only keys), and each
    member's balance row matches their entries, so ``learning_check_ledger``
    finds no drift. About a fifth of the members who can afford it redeemed
    the region's reward once; half of those have picked it up.
    """
    quizzes = "exams" in seeder.context
    rules, items = {}, {}
    for region in seeder.context["regions"]:
        module_rule, _ = PointRule.objects.get_or_create(
            unit=region, action=Action.MODULE_COMPLETED, defaults={"points": 10}
        )
        quiz_rule, _ = PointRule.objects.get_or_create(
            unit=region, action=Action.QUIZ_PASSED, defaults={"points": 20}
        )
        rules[region.path] = (module_rule, quiz_rule)
        items[region.path] = CatalogItem.objects.create(
            unit=region, title="党员学习笔记本", cost=50, stock=10**6, per_member_limit=1
        )
    region_of = {pk: path[: len(seeder.context["regions"][0].path)] for pk, path in
                 seeder.context["branches"]}  # fmt: skip
    unit_of = dict(seeder.context["member_units"])  # member id → branch id
    completion_type = ContentType.objects.get_for_model(ModuleCompletion)
    entry_columns = ["id", "member", "amount", "kind", "action", "rule", "source_type",
                     "source_id", "title", "day", "key", "redemption", "reason", "created_at"]  # fmt: skip
    entries = RowWriter(PointEntry, entry_columns)
    redemptions = RowWriter(
        Redemption,
        ["id", "member", "item", "title", "cost", "code", "status", "created_at", "decided_at",
         "reason"],
    )  # fmt: skip
    balances = RowWriter(Balance, ["member", "balance", "lifetime", "hidden"])
    local = timezone.get_current_timezone()
    redeemed = dict.fromkeys(items, 0)
    made = {"entries": 0, "redemptions": 0}
    if quizzes:
        from dj_learning.quizzes.models import Attempt

        attempt_type = ContentType.objects.get_for_model(Attempt)
    with foreign_keys_checked_once(PointEntry, Redemption, Balance):
        for first, chunk in seeder.members_in_chunks():
            earned = []  # (member, amount, action, rule, type, source id, title, when)
            for pk, member, title, when in (
                ModuleCompletion.objects.filter(member_id__in=chunk)
                .order_by("member_id", "completed_at", "pk")
                .values_list("pk", "member_id", "module_title", "completed_at")
            ):
                rule = rules[region_of[unit_of[member]]][0]
                earned.append(
                    (member, 10, Action.MODULE_COMPLETED, rule, completion_type, pk, title, when)
                )
            if quizzes:
                for pk, member, title, when in (
                    Attempt.objects.filter(member_id__in=chunk, passed=True)
                    .order_by("member_id", "pk")
                    .values_list("pk", "member_id", "quiz_title", "graded_at")
                ):
                    rule = rules[region_of[unit_of[member]]][1]
                    earned.append(
                        (member, 20, Action.QUIZ_PASSED, rule, attempt_type, pk, title, when)
                    )
            totals = dict.fromkeys(chunk, 0)
            last = {}
            for member, amount, _a, _r, _t, _p, _title, when in earned:
                totals[member] += amount
                last[member] = max(last.get(member, when), when)
            spend = []
            for n, member in enumerate(chunk, start=first):
                if (
                    totals[member] >= 50
                    and random.Random(seeder.seed * 15_485_863 + n).random() < 0.2
                ):
                    spend.append((n, member))
            entry_ids = allocate_ids(PointEntry, len(earned) + len(spend))
            redemption_ids = allocate_ids(Redemption, len(spend))
            entry_rows, redemption_rows = [], []
            for pk, (member, amount, action, rule, ctype, source, title, when) in zip(
                entry_ids, earned, strict=False
            ):
                entry_rows.append((pk, member, amount, "earned", action, rule.pk, ctype.pk, str(source),
                                   title, when.astimezone(local).date(),
                                   entry_key(member, action, ctype.pk, source), None, "", when))  # fmt: skip
            for entry_pk, redemption_pk, (n, member) in zip(
                entry_ids[len(earned) :], redemption_ids, spend, strict=True
            ):
                item = items[region_of[unit_of[member]]]
                when = last[member] + timedelta(days=1)
                picked_up = n % 2 == 0
                redemption_rows.append((redemption_pk, member, item.pk, item.title, item.cost,
                                        f"{seeder.prefix[:4].upper()}{n:08d}",
                                        "fulfilled" if picked_up else "pending", when,
                                        when + timedelta(days=2) if picked_up else None, ""))  # fmt: skip
                entry_rows.append((entry_pk, member, -item.cost, "redemption", "", None, None, "",
                                   item.title, when.astimezone(local).date(), None, redemption_pk, "",
                                   when))  # fmt: skip
                totals[member] -= item.cost
                redeemed[region_of[unit_of[member]]] += 1
            lifetime = dict.fromkeys(chunk, 0)
            for member, amount, *_rest in earned:
                lifetime[member] += amount
            redemptions.write(redemption_rows)
            made["entries"] += entries.write(entry_rows)
            balances.write((member, totals[member], lifetime[member], False) for member in chunk)
            made["redemptions"] += len(redemption_rows)
    for path, item in items.items():
        CatalogItem.objects.filter(pk=item.pk).update(stock=item.stock - redeemed[path])
    seeder.report.add("points entries", made["entries"])
    seeder.report.add("points balances", len(seeder.context["member_ids"]))
    seeder.report.add("redemptions", made["redemptions"])
