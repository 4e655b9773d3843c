"""The members' seeder: accounts and member records, written in bulk.

Leaves in ``seeder.context``: ``member_ids`` (in the order they were made)
and ``member_units``, ``(member id, branch id)`` pairs.
"""

import random
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.utils import timezone

from dj_learning.members.models import Member

from .bulk import RowWriter, allocate_ids, foreign_keys_checked_once

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉兰萍红娥建华文辉力国庆志强海燕春梅晓东建国卫东"


def person_name(rng):
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.randint(1, 2)))


def seed_members(seeder):
    """``members`` members with their user accounts, spread over the branches in turn."""
    User = get_user_model()
    password = make_password(f"{seeder.prefix}-{seeder.seed}")  # hashed once for every account
    users = RowWriter(
        User,
        [
            "id",
            "username",
            "password",
            "is_active",
            "is_staff",
            "is_superuser",
            "first_name",
            "last_name",
            "email",
            "date_joined",
        ],
    )
    members = RowWriter(
        Member,
        [
            "id",
            "user",
            "member_number",
            "name",
            "unit",
            "gender",
            "join_date",
            "status",
            "id_number",
            "position",
            "phone",
            "education",
            "created_at",
            "updated_at",
        ],
    )
    branches = seeder.context["branches"]
    joined = timezone.make_aware(datetime(seeder.year_list[0] - 1, 1, 1))
    ids, member_units = [], []
    with foreign_keys_checked_once(User, Member):
        for first in range(0, seeder.members, seeder.batch):
            numbers = range(first, min(first + seeder.batch, seeder.members))
            user_ids = allocate_ids(User, len(numbers))
            member_ids = allocate_ids(Member, len(numbers))
            user_rows, member_rows = [], []
            for n, user_id, member_id in zip(numbers, user_ids, member_ids, strict=True):
                rng = random.Random(seeder.seed * 1_000_003 + n)
                username = f"{seeder.prefix}{n + 1:07d}"
                user_rows.append(
                    (user_id, username, password, True, False, False, "", "", "", joined)
                )
                member_rows.append(
                    (
                        member_id,
                        user_id,
                        username,
                        person_name(rng),
                        branches[n % len(branches)][0],
                        rng.choice(["female", "male"]),
                        (joined - timedelta(days=rng.randint(0, 20 * 365))).date(),
                        "active",
                        None,
                        "",
                        "",
                        "",
                        joined,
                        joined,
                    )
                )
            users.write(user_rows)
            members.write(member_rows)
            ids.extend(member_ids)
            member_units.extend((row[0], row[4]) for row in member_rows)
    seeder.context["member_ids"] = ids
    seeder.context["member_units"] = member_units
    seeder.report.add("users", len(ids))
    seeder.report.add("members", len(ids))
