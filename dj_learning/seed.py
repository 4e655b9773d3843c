"""A realistic data set for benchmarks and load tests, written in bulk.

``manage.py learning_seed`` is the command; :class:`Seeder` does the work so a
benchmark can call it too. What it makes, all deterministic from ``seed``:

- an org tree: a national unit, ``regions`` regions and enough branches for
  about ``branch_size`` members each;
- a course catalog with ``modules`` modules per study year (courses of ten
  modules; the first half of each course required, the rest elective), each
  module with ``lessons`` lessons;
- a study plan per region and year that lists the required modules;
- ``members`` members with user accounts (sharing one password hash);
- for every member and year, study in about ``rate`` of the modules: lesson
  progress rows, and for most of those modules a completion, its credit entry
  and the course enrolment; about a third of the members also complete every
  required module, so some meet their plan and most do not;
- whatever the installed optional apps add (quiz attempts, points, redemptions)
  through :data:`extensions`.

Rows are written with ``COPY`` on PostgreSQL and ``executemany`` elsewhere,
with ids allocated up front so related rows can point at them without reading
anything back. Nothing goes through signals or services: the data is what
those would have written, not a replay of them.
"""

import json
import random
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import partial

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.utils import timezone

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉兰萍红娥建华文辉力国庆志强海燕春梅晓东建国卫东"
TOPICS = [
    "党章学习",
    "党的历史",
    "理论武装",
    "安全生产",
    "法律法规",
    "廉洁从业",
    "基层治理",
    "志愿服务",
    "应急管理",
    "数字素养",
]

#: Callables ``(seeder) -> None`` that optional apps add to seed their own data
#: once members, modules and completions exist (see ``Seeder.context``).
extensions = []


class SeedError(Exception):
    pass


@dataclass
class Report:
    """What a run made: rows per table and seconds per stage."""

    rows: dict = field(default_factory=dict)
    stages: list = field(default_factory=list)

    def add(self, label, count):
        self.rows[label] = self.rows.get(label, 0) + count

    @property
    def total_rows(self):
        return sum(self.rows.values())

    @property
    def seconds(self):
        return sum(seconds for _, seconds in self.stages)


def _sqlite_datetime(value):
    # As Django stores an aware datetime in SQLite: naive UTC, ISO format.
    return None if value is None else value.astimezone(UTC).replace(tzinfo=None).isoformat(" ")


def _isoformat(value):
    return None if value is None else value.isoformat()


def _text(value):
    return None if value is None else str(value)


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_COPY_FORMATS = {
    str: lambda value: value.translate(_COPY_ESCAPES),
    int: str,
    Decimal: str,
    bool: lambda value: "t" if value else "f",
    datetime: datetime.isoformat,
    date: date.isoformat,
    type(None): lambda value: "\\N",
}


def _copy_text(value):
    """``value`` in the text format of PostgreSQL's ``COPY`` (psycopg's ``write_row``
    formats a row in Python, and costs six times more)."""
    format = _COPY_FORMATS.get(type(value))
    if format is None:  # a subclass: an enum member of TextChoices, say
        format = next(f for t, f in _COPY_FORMATS.items() if isinstance(value, t))
    return format(value)


def _json(value):
    return json.dumps(value, ensure_ascii=False, cls=DjangoJSONEncoder)


class RowWriter:
    """Writes tuples into one model's table: ``COPY`` on PostgreSQL, ``executemany`` elsewhere.

    ``columns`` are field names, and the tuples hold Python values in that
    order, converted here rather than by Django's fields (whose
    ``get_db_prep_save`` costs ten times more, and seeding is all rows): to
    ``COPY``'s text format for PostgreSQL, and for SQLite dates, times and
    decimals as Django stores them.
    """

    SQLITE = {
        "DateTimeField": _sqlite_datetime,
        "DateField": _isoformat,
        "DecimalField": _text,
        "JSONField": _json,
    }
    POSTGRESQL = {"JSONField": _json}

    def __init__(self, model, columns):
        self.model = model
        opts = model._meta
        self.fields = [opts.get_field(name) for name in columns]
        self.table = connection.ops.quote_name(opts.db_table)
        self.column_sql = ", ".join(connection.ops.quote_name(f.column) for f in self.fields)
        self.postgres = connection.vendor == "postgresql"
        formats = self.POSTGRESQL if self.postgres else self.SQLITE
        self.converters = [formats.get(f.get_internal_type()) for f in self.fields]

    def write(self, rows):
        rows = list(rows)
        if not rows:
            return 0
        convert = [(i, c) for i, c in enumerate(self.converters) if c is not None]
        prepared = rows
        if convert:
            prepared = []
            for row in rows:
                row = list(row)
                for i, converter in convert:
                    row[i] = None if row[i] is None else converter(row[i])
                prepared.append(row)
        with connection.cursor() as cursor:
            if self.postgres:
                sql = f"COPY {self.table} ({self.column_sql}) FROM STDIN"
                with cursor.cursor.copy(sql) as copy:
                    copy.write("".join("\t".join(map(_copy_text, row)) + "\n" for row in prepared))
            else:
                marks = ", ".join(["%s"] * len(self.fields))
                cursor.executemany(
                    f"INSERT INTO {self.table} ({self.column_sql}) VALUES ({marks})", prepared
                )
        return len(rows)


def allocate_ids(model, count):
    """``count`` fresh primary keys of ``model``'s table, reserved for rows written next."""
    if count == 0:
        return []
    table = model._meta.db_table
    pk = model._meta.pk.column
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [table, pk, count],
            )
            return [row[0] for row in cursor.fetchall()]
        # SQLite (one writer at a time, inside the seeding transaction).
        cursor.execute(
            f"SELECT COALESCE(MAX({connection.ops.quote_name(pk)}), 0) FROM {connection.ops.quote_name(table)}"
        )
        first = cursor.fetchone()[0] + 1
    return list(range(first, first + count))


@contextmanager
def foreign_keys_checked_once(*models):
    """Check the foreign keys of ``models``' tables once at the end, not row by row.

    On PostgreSQL every row written fires a (deferred) trigger per foreign key,
    which for millions of rows costs more than writing them. As PostgreSQL's
    manual advises for bulk loads ("Populating a Database"), the constraints
    are dropped and added back in the same transaction: adding one checks all
    rows in a single pass, and a bad row still fails the whole stage.
    Elsewhere this does nothing.
    """
    if connection.vendor != "postgresql":
        yield
        return
    tables = [model._meta.db_table for model in models]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
            "FROM pg_constraint WHERE contype = 'f' AND conrelid::regclass::text = ANY(%s)",
            [tables],
        )
        constraints = cursor.fetchall()
        # Check what is pending now: a table with queued checks cannot be altered.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        for table, name, _ in constraints:
            cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {connection.ops.quote_name(name)}")
    yield
    with connection.cursor() as cursor:
        for table, name, definition in constraints:
            cursor.execute(
                f"ALTER TABLE {table} ADD CONSTRAINT {connection.ops.quote_name(name)} {definition}"
            )


def person_name(rng):
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.randint(1, 2)))


class Seeder:
    """Seeds one data set; ``run()`` returns a :class:`Report`."""

    #: members written per batch (and per COPY of their study rows)
    batch = 2000

    def __init__(
        self,
        *,
        members=1000,
        modules=50,
        years=2,
        lessons=2,
        rate=0.5,
        regions=4,
        branch_size=50,
        seed=2026,
        prefix="seed",
        log=None,
    ):
        if members < 1 or modules < 1 or years < 1 or lessons < 1:
            raise SeedError("members, modules, years and lessons must each be at least 1.")
        if not 0 < rate <= 1:
            raise SeedError("rate must be more than 0 and at most 1.")
        self.members = members
        self.modules = modules
        self.years = years
        self.lessons = lessons
        self.rate = rate
        self.regions = max(1, regions)
        self.branch_size = max(1, branch_size)
        self.seed = seed
        self.prefix = prefix
        self.log = log or (lambda message: None)
        self.report = Report()
        #: what extensions read: units, modules by year, member ids, completions…
        self.context = {}

    # -- the run ------------------------------------------------------------------

    def run(self):
        from dj_learning.orgs.models import Unit

        if Unit.objects.filter(code=f"{self.prefix}-hq").exists():
            raise SeedError(
                f"A data set with the prefix {self.prefix!r} exists already; "
                "choose another --prefix or seed a fresh database."
            )
        from dj_learning.courses.services import study_year, year_bounds

        last = study_year()
        self.year_list = list(range(last - self.years + 1, last + 1))
        #: each year's (start, end), and the days in it up to today
        self.spans = {year: year_bounds(year) for year in self.year_list}
        now = timezone.now()
        self.days = {
            year: max(1, (min(end, now) - start).days) for year, (start, end) in self.spans.items()
        }
        self.member_units = []  # (member id, branch id)
        stages = [
            ("org tree", self.seed_units),
            ("courses", self.seed_courses),
            ("study plans", self.seed_plans),
            ("members", self.seed_members),
            ("study, completions, credits", self.seed_study),
        ]
        shipped = [
            stage
            for app, stage in [
                ("dj_learning.quizzes", seed_quizzes),
                ("dj_learning.rewards", seed_points),
            ]
            if apps.is_installed(app)
        ]
        stages += [
            (getattr(ext, "label", ext.__name__), partial(ext, self))
            for ext in shipped + extensions
        ]
        for label, stage in stages:
            started = time.perf_counter()
            with transaction.atomic():
                stage()
            seconds = time.perf_counter() - started
            self.report.stages.append((label, seconds))
            self.log(f"{label}: {seconds:.1f} s")
        return self.report

    # -- stages -------------------------------------------------------------------

    def seed_units(self):
        from dj_learning.orgs.models import Unit

        national = Unit.add_root(
            name=f"{self.prefix} 总部", code=f"{self.prefix}-hq", kind="national"
        )
        branches_total = max(self.regions, -(-self.members // self.branch_size))
        per_region = -(-branches_total // self.regions)
        regions, branches = [], []
        for r in range(self.regions):
            region = national.add_child(
                name=f"{self.prefix} 第{r + 1:02d}区",
                code=f"{self.prefix}-r{r + 1:02d}",
                kind="region",
            )
            region.refresh_from_db()
            children = [
                Unit(
                    path=Unit._get_path(region.path, region.depth + 1, b + 1),
                    depth=region.depth + 1,
                    numchild=0,
                    name=f"{self.prefix} 第{r + 1:02d}区第{b + 1:04d}支部",
                    code=f"{self.prefix}-r{r + 1:02d}-b{b + 1:04d}",
                    kind="branch",
                )
                for b in range(per_region)
            ]
            Unit.objects.bulk_create(children, batch_size=1000)
            Unit.objects.filter(pk=region.pk).update(numchild=len(children))
            regions.append(region)
            branches.extend(children)
        self.context.update(national=national, regions=regions)
        self.context["branches"] = list(
            Unit.objects.filter(code__startswith=f"{self.prefix}-r", kind="branch")
            .order_by("path")
            .values_list("pk", "path")
        )
        self.report.add("units", 1 + len(regions) + len(branches))

    def seed_courses(self):
        from wagtail.models import Site

        from dj_learning.courses.models import CourseCatalogPage, CoursePage, ModulePage

        root = Site.objects.get(is_default_site=True).root_page
        catalog = root.add_child(
            instance=CourseCatalogPage(title=f"{self.prefix} 课程", slug=f"{self.prefix}-courses")
        )
        rng = random.Random(self.seed)
        by_year = {}
        pages = 1
        for year in self.year_list:
            modules = []
            for c in range(-(-self.modules // 10)):
                topic = TOPICS[c % len(TOPICS)]
                course = catalog.add_child(
                    instance=CoursePage(
                        title=f"{year}年{topic}（{c + 1}）",
                        slug=f"{self.prefix}-{year}-{c + 1}",
                        summary=f"{year}年度{topic}专题课程。",
                        year=year,
                    )
                )
                pages += 1
                in_course = min(10, self.modules - len(modules))
                for m in range(in_course):
                    required = m < (in_course + 1) // 2
                    n = len(modules) + 1
                    lessons = [
                        {
                            "type": "lesson",
                            "id": f"{self.prefix}-{year}-{n}-{i + 1}",
                            "value": {
                                "title": f"第{i + 1}课",
                                "min_minutes": None,
                                "content": [
                                    {
                                        "type": "text",
                                        "id": f"{self.prefix}-{year}-{n}-{i + 1}-t",
                                        "value": f"<p>{topic}第{i + 1}课的学习内容。</p>",
                                    }
                                ],
                            },
                        }
                        for i in range(self.lessons)
                    ]
                    module = course.add_child(
                        instance=ModulePage(
                            title=f"{topic}模块{n}",
                            slug=f"{self.prefix}-{year}-m{n}",
                            kind="required" if required else "elective",
                            credits=Decimal(rng.choice(["1", "1.5", "2"])),
                            min_study_minutes=Decimal(self.lessons * 5),
                            lessons=lessons,
                        )
                    )
                    pages += 1
                    modules.append(
                        {
                            "id": module.pk,
                            "course_id": course.pk,
                            "title": module.title,
                            "course_title": course.title,
                            "kind": module.kind,
                            "credits": module.credits,
                            "lessons": [lesson["id"] for lesson in lessons],
                        }
                    )
            by_year[year] = modules
        self.context["modules"] = by_year
        self.report.add("pages", pages)

    def seed_plans(self):
        from dj_learning.courses.models import StudyPlan, StudyPlanModule

        count = 0
        for region in self.context["regions"]:
            for year, modules in self.context["modules"].items():
                required = [m for m in modules if m["kind"] == "required"]
                plan = StudyPlan.objects.create(
                    unit=region,
                    year=year,
                    title=f"{region.name} {year}年学习计划",
                    required_credits=sum((m["credits"] for m in required), Decimal(0)),
                    min_elective_credits=Decimal(2),
                )
                StudyPlanModule.objects.bulk_create(
                    StudyPlanModule(plan=plan, module_id=m["id"], sort_order=i)
                    for i, m in enumerate(required)
                )
                count += 1 + len(required)
        self.report.add("study plans", count)

    def seed_members(self):
        from dj_learning.members.models import Member

        User = get_user_model()
        password = make_password(f"{self.prefix}-{self.seed}")  # hashed once for every account
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
        branches = self.context["branches"]
        joined = timezone.make_aware(datetime(self.year_list[0] - 1, 1, 1))
        ids = []
        with foreign_keys_checked_once(User, Member):
            for first in range(0, self.members, self.batch):
                numbers = range(first, min(first + self.batch, self.members))
                user_ids = allocate_ids(User, len(numbers))
                member_ids = allocate_ids(Member, len(numbers))
                user_rows, member_rows = [], []
                for n, user_id, member_id in zip(numbers, user_ids, member_ids, strict=True):
                    rng = random.Random(self.seed * 1_000_003 + n)
                    username = f"{self.prefix}{n + 1:07d}"
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
                self.member_units.extend((row[0], row[4]) for row in member_rows)
        self.context["member_ids"] = ids
        self.report.add("users", len(ids))
        self.report.add("members", len(ids))

    def seed_study(self):
        from dj_learning.courses.models import CourseEnrollment, LessonProgress, ModuleCompletion
        from dj_learning.credits.models import CreditEntry

        progress = RowWriter(
            LessonProgress,
            ["member", "module", "lesson_id", "seconds", "last_beat_at", "studied_at"],
        )
        completions = RowWriter(
            ModuleCompletion,
            [
                "id",
                "member",
                "module",
                "module_title",
                "course_title",
                "kind",
                "credits",
                "year",
                "completed_at",
            ],
        )
        credits = RowWriter(
            CreditEntry,
            [
                "member",
                "year",
                "kind",
                "amount",
                "source",
                "title",
                "earned_on",
                "completion",
                "reason",
                "created_at",
            ],
        )
        enrolments = RowWriter(CourseEnrollment, ["member", "course", "enrolled_at"])
        lesson_seconds = 5 * 60
        member_ids = self.context["member_ids"]
        spans = self.spans
        local = timezone.get_current_timezone()
        totals = dict.fromkeys(["progress", "completions", "credits", "enrolments"], 0)
        with foreign_keys_checked_once(
            LessonProgress, ModuleCompletion, CreditEntry, CourseEnrollment
        ):
            for first in range(0, len(member_ids), self.batch):
                p_rows, c_rows, e_rows, credit_rows = [], [], [], []
                done = []  # (member, module, year, when)
                for n in range(first, min(first + self.batch, len(member_ids))):
                    member = member_ids[n]
                    rng = random.Random(self.seed * 7_919 + n)
                    for year in self.year_list:
                        start, end = spans[year]
                        days = self.days[year]
                        courses = set()
                        # About a third of the members complete every required module.
                        diligent = rng.random() < 0.3
                        for module in self.context["modules"][year]:
                            keen = diligent and module["kind"] == "required"
                            if not keen and rng.random() >= self.rate:
                                continue
                            when = start + timedelta(
                                days=rng.randrange(days), seconds=rng.randrange(86400)
                            )
                            complete = keen or rng.random() < 0.8
                            studied = module["lessons"] if complete else module["lessons"][:1]
                            for i, lesson in enumerate(studied):
                                at = when + timedelta(minutes=6 * i)
                                p_rows.append(
                                    (member, module["id"], lesson, lesson_seconds, at, at)
                                )
                            if complete:
                                done.append(
                                    (
                                        member,
                                        module,
                                        year,
                                        when + timedelta(minutes=6 * len(studied)),
                                    )
                                )
                                if module["kind"] == "elective":
                                    courses.add(module["course_id"])
                        e_rows.extend((member, course, start) for course in sorted(courses))
                completion_ids = allocate_ids(ModuleCompletion, len(done))
                for completion_id, (member, module, year, when) in zip(
                    completion_ids, done, strict=True
                ):
                    c_rows.append(
                        (
                            completion_id,
                            member,
                            module["id"],
                            module["title"],
                            module["course_title"],
                            module["kind"],
                            module["credits"],
                            year,
                            when,
                        )
                    )
                    credit_rows.append(
                        (
                            member,
                            year,
                            module["kind"],
                            module["credits"],
                            "module",
                            module["title"],
                            when.astimezone(local).date(),
                            completion_id,
                            "",
                            when,
                        )
                    )
                totals["progress"] += progress.write(p_rows)
                totals["completions"] += completions.write(c_rows)
                totals["credits"] += credits.write(credit_rows)
                totals["enrolments"] += enrolments.write(e_rows)
                done_members = min(first + self.batch, len(member_ids))
                if done_members * 10 // len(member_ids) > first * 10 // len(member_ids):
                    self.log(f"  study of {done_members:,}/{len(member_ids):,} members")
        self.report.add("lesson progress", totals["progress"])
        self.report.add("module completions", totals["completions"])
        self.report.add("credit entries", totals["credits"])
        self.report.add("course enrolments", totals["enrolments"])


# -- What optional apps add --------------------------------------------------------


def _members_in_chunks(seeder):
    ids = seeder.context["member_ids"]
    for first in range(0, len(ids), seeder.batch):
        yield first, ids[first : first + seeder.batch]


def seed_quizzes(seeder):
    """A yearly exam of ten questions per year; about 60% of members took it once.

    Every seeded attempt of an exam shares one draw (the questions are the
    same ten, in one shuffled order), graded with the quizzes app's own
    grading of a response each member gives, right about 75% of the time.
    """
    from dj_learning.quizzes import grading
    from dj_learning.quizzes import services as quizzes
    from dj_learning.quizzes.models import (
        Attempt,
        AttemptAnswer,
        Question,
        QuestionBank,
        QuestionCategory,
    )

    bank = QuestionBank.objects.create(name=f"{seeder.prefix} 题库")
    category = QuestionCategory.objects.create(bank=bank, path="年度考试")
    questions = Question.objects.bulk_create(
        Question(
            bank=bank,
            category=category,
            kind="single",
            text=f"{TOPICS[i % len(TOPICS)]}第{i + 1}题：下列说法正确的是？",
            points=Decimal(10),
            explanation="依据学习材料。",
            data={
                "options": [
                    {"id": "a", "text": "正确的说法", "fraction": 1.0, "feedback": ""},
                    {"id": "b", "text": "错误的说法", "fraction": 0.0, "feedback": ""},
                    {"id": "c", "text": "另一种错误的说法", "fraction": 0.0, "feedback": ""},
                ],
                "partial": False,
            },
        )
        for i in range(10)
    )
    attempts = RowWriter(
        Attempt,
        ["id", "quiz", "member", "number", "seed", "state", "started_at", "submitted_at",
         "graded_at", "notified_at", "year", "questions", "responses", "score", "max_score",
         "pass_percent", "passed", "quiz_title"],
    )  # fmt: skip
    answers = RowWriter(
        AttemptAnswer,
        ["attempt", "position", "question", "kind", "response", "score", "max_score", "state"],
    )
    national = seeder.context["national"]
    exams = []
    for year in seeder.year_list:
        quiz = quizzes.create_quiz(
            f"{seeder.prefix} {year}年度考试", questions=questions, unit=national,
            attempts_allowed=1, pass_percent=Decimal(60),
        )  # fmt: skip
        draw = grading.shuffled(quizzes.draw_questions(quiz, seeder.seed), seeder.seed)
        exams.append((year, quiz, draw))
    made = {"attempts": 0, "answers": 0}
    with foreign_keys_checked_once(Attempt, AttemptAnswer):
        for first, chunk in _members_in_chunks(seeder):
            rows, answer_rows, graded = [], [], []
            for n, member in enumerate(chunk, start=first):
                rng = random.Random(seeder.seed * 104_729 + n)
                for year, quiz, draw in exams:
                    if rng.random() >= 0.6:
                        continue
                    start = seeder.spans[year][0] + timedelta(days=rng.randrange(seeder.days[year]))
                    responses = {}
                    for q in draw:
                        right = rng.random() < 0.75
                        option = next(
                            o for o in q["data"]["options"] if (o["fraction"] > 0) == right
                        )
                        responses[str(q["position"])] = option["id"]
                    grades = grading.grade_all(draw, responses)
                    score = sum((g.score for g in grades), Decimal(0))
                    maximum = sum((g.max_score for g in grades), Decimal(0))
                    graded.append(
                        (member, year, quiz, draw, responses, grades, score, maximum, start)
                    )
            ids = allocate_ids(Attempt, len(graded))
            for pk, (member, year, quiz, draw, responses, grades, score, maximum, start) in zip(
                ids, graded, strict=True
            ):
                done = start + timedelta(minutes=20)
                passed = score * 100 >= quiz.pass_percent * maximum
                rows.append((pk, quiz.pk, member, 1, seeder.seed, "graded", start, done, done, done,
                             year, draw, responses, score, maximum, quiz.pass_percent, passed,
                             quiz.title))  # fmt: skip
                answer_rows.extend(
                    (pk, q["position"], q["id"], q["kind"], responses[str(q["position"])], g.score,
                     g.max_score, g.state)
                    for q, g in zip(draw, grades, strict=True)
                )  # fmt: skip
            made["attempts"] += attempts.write(rows)
            made["answers"] += answers.write(answer_rows)
    seeder.report.add("quiz attempts", made["attempts"])
    seeder.report.add("quiz answers", made["answers"])


seed_quizzes.label = "quiz attempts"


def seed_points(seeder):
    """Points for every completion (and passed exam), a reward per region, some redemptions.

    Entries are what ``rewards.services.award`` writes for a rule of 10 points
    a module and 20 a passed quiz (with the same once-only keys), and each
    member's balance row matches their entries, so ``learning_check_ledger``
    finds no drift. About a fifth of the members who can afford it redeemed
    the region's reward once; half of those have picked it up.
    """
    from django.contrib.contenttypes.models import ContentType

    from dj_learning.courses.models import ModuleCompletion
    from dj_learning.rewards.models import (
        Action,
        Balance,
        CatalogItem,
        PointEntry,
        PointRule,
        Redemption,
    )

    quizzes = "quiz attempts" in seeder.report.rows
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
    unit_of = dict(seeder.member_units)  # member id → branch id
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
        for first, chunk in _members_in_chunks(seeder):
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
                                   f"{member}:{action}:{ctype.pk}:{source}", None, "", when))  # fmt: skip
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


seed_points.label = "points and redemptions"
