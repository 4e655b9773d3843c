"""A realistic data set for benchmarks and load tests, written in bulk.

``manage.py learning_seed`` is the command; :class:`Seeder` runs the seeders
registered in :data:`seeders`, in their order, so a benchmark can call it too.
What the ready site's seeders make, all deterministic from ``seed``:

- ``orgs``: a national unit, ``regions`` regions and enough branches for about
  ``branch_size`` members each;
- ``courses``: a course catalog with ``modules`` modules per study year
  (courses of ten modules; the first half of each course required, the rest
  elective), each module with ``lessons`` lessons;
- ``plans``: a study plan per region and year that lists the required modules;
- ``members``: ``members`` members with user accounts (sharing one password hash);
- ``study``: for every member and year, study in about ``rate`` of the
  modules: lesson progress rows, and for most of those modules a completion
  and the course enrolment; about a third of the members also complete every
  required module, so some meet their plan and most do not;
- ``credits``: the credit entry of every completion;
- ``quizzes`` and ``rewards``, when those apps are installed: exam attempts,
  points, redemptions.

Each seeder belongs to one app's data and writes it as that app's services
would have (keys from the app's public functions, such as
``rewards.services.entry_key``), but in bulk: rows go in with ``COPY`` on
PostgreSQL and ``executemany`` elsewhere (``bulk.py``), not through signals
or services, so the data is what those would have written, not a replay of them.

A site adds its own from its ``AppConfig.ready()``::

    from cms_site.seed.seeder import Stage, seeders

    seeders.register("events", Stage("events", seed_events), order=900)

``seed_events(seeder)`` reads what earlier seeders left in ``seeder.context``
and adds its rows' counts to ``seeder.report``. Each seeder runs in its own
transaction.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from dj_learning.registry import Registry

__all__ = ["TOPICS", "Report", "SeedError", "Seeder", "Stage", "seeders"]

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


@dataclass(frozen=True)
class Stage:
    """One seeder: ``run(seeder)`` writes its rows; ``label`` names it in the command's log."""

    label: str
    run: Callable


#: The seeders a run goes through, lowest order first: ``name -> Stage``. The
#: ready site's own are registered by ``SeedConfig.ready()`` (orders 100–800).
seeders = Registry("seeders")


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


class Seeder:
    """Seeds one data set; ``run()`` returns a :class:`Report`.

    Seeders read the options as attributes (``members``, ``modules``,
    ``prefix``…), the study years as ``year_list`` (oldest first), ``spans``
    (each year's start and end) and ``days`` (the days of each year up to
    today), and what earlier seeders made from ``context``.
    """

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
        #: what seeders leave for the later ones: units, modules by year, member ids…
        self.context = {}

    def run(self):
        from dj_learning.courses.services import study_year, year_bounds

        last = study_year()
        self.year_list = list(range(last - self.years + 1, last + 1))
        self.spans = {year: year_bounds(year) for year in self.year_list}
        now = timezone.now()
        self.days = {
            year: max(1, (min(end, now) - start).days) for year, (start, end) in self.spans.items()
        }
        for stage in seeders:
            started = time.perf_counter()
            with transaction.atomic():
                stage.run(self)
            seconds = time.perf_counter() - started
            self.report.stages.append((stage.label, seconds))
            self.log(f"{stage.label}: {seconds:.1f} s")
        return self.report

    def members_in_chunks(self):
        """``(index of the first, member ids)`` of the seeded members, ``batch`` at a time."""
        ids = self.context["member_ids"]
        for first in range(0, len(ids), self.batch):
            yield first, ids[first : first + self.batch]
