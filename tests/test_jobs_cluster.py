"""Jobs that survive a worker dying, with real django-q2 clusters (``manage.py qcluster``).

The clusters are subprocesses on the test database (PostgreSQL, so both processes
see each other's commits). To stop a job in the middle without touching our code,
the test holds a row lock on one member: the job's worker waits on it, the
members before it are served and committed, and the test then SIGKILLs exactly
that worker (the process holding the waiting database connection).
"""

import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from decimal import Decimal
from pathlib import Path

import psycopg
import pytest
from django.db import connection

from dj_learning.courses.services import study_year
from dj_learning.credits import services
from dj_learning.credits.models import CreditEntry, TranscriptBatch, TranscriptDocument
from dj_learning.members.models import Member
from dj_learning.notifications.models import Notification
from dj_learning.rewards.models import Balance, PointEntry, TranscriptAward
from dj_learning.test import factories

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

ROOT = Path(__file__).resolve().parent.parent
YEAR = study_year()
#: Seconds a job may run in these clusters, and after which an unacknowledged task is
#: handed out again: short for a quick test, long enough for a loaded 2-core machine (the
#: gap lets the dead run's claim lapse before the task comes back even if it was late).
TIMEOUT, RETRY = 12, 20
#: How long the test waits for anything before it fails.
PATIENCE = 120
SEND = "dj_learning.notifications.tasks.send_email"


# -- Clusters ---------------------------------------------------------------------------


def database_url():
    db = connection.settings_dict
    return (
        f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:"
        f"{db['PORT'] or 5432}/{db['NAME']}"
    )


class Cluster:
    """One ``manage.py qcluster`` process with its own settings module."""

    def __init__(self, tmp_path, name, broker, label):
        self.folder = tmp_path / f"settings_{label}"
        self.folder.mkdir()
        (self.folder / f"jobs_{label}.py").write_text(
            "from cms_site.settings.test import *  # noqa: F403\n"
            # The same name as the test process's cluster (it salts the tasks' signatures);
            # a queue of its own (cluster_name is the broker's list key).
            f"Q_CLUSTER = {{'name': Q_CLUSTER['name'], 'cluster_name': {name!r}, {broker},\n"
            f"    'workers': 1, 'timeout': {TIMEOUT},\n"
            f"    'retry': {RETRY}, 'max_attempts': 3, 'poll': 0.2, 'sync': False}}\n"
            "DJ_LEARNING = {**DJ_LEARNING, 'AWARD_CHUNK_SIZE': 3,  # noqa: F405\n"
            f"    'LONG_JOB_TIMEOUT': {TIMEOUT}}}\n"
            "EMAIL_BACKEND = 'django.core.mail.backends.filebased.EmailBackend'\n"
            f"EMAIL_FILE_PATH = {str(tmp_path / 'mail')!r}\n"
        )
        self.name = name
        self.module = f"jobs_{label}"
        self.log = tmp_path / f"qcluster_{label}.log"
        self.tmp_path = tmp_path
        self.process = None

    def start(self):
        env = {
            **os.environ,
            "DATABASE_URL": database_url(),
            "DJANGO_SETTINGS_MODULE": self.module,
            "PYTHONPATH": os.pathsep.join([str(self.folder), str(ROOT)]),
            "MEDIA_ROOT": str(self.tmp_path / "media"),
            "PRIVATE_MEDIA_ROOT": str(self.tmp_path / "private"),
        }
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, str(ROOT / "manage.py"), "qcluster"],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        return self

    def stop(self):
        """Stop the cluster (SIGTERM, then SIGKILL to its process group if it hangs)."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        # Workers it spawned and that outlived it (killed above with the group).
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)

    def descendants(self):
        """The pids of the cluster's processes below the main one (sentinel, workers...)."""
        parents = {}
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    stat = (entry / "stat").read_text()
                except OSError:
                    continue
                parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
        found, todo = set(), [self.process.pid]
        while todo:
            pid = todo.pop()
            children = [child for child, parent in parents.items() if parent == pid]
            found.update(children)
            todo.extend(children)
        return found


@pytest.fixture
def clusters(tmp_path):
    started = []

    def make(label="a", broker="'orm': 'default'", name=None):
        cluster = Cluster(tmp_path, name or f"djl-jobs-{uuid.uuid4().hex[:8]}", broker, label)
        started.append(cluster)
        return cluster

    yield make
    for cluster in started:
        cluster.stop()


def wait_for(condition, what):
    deadline = time.monotonic() + PATIENCE
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"gave up waiting for {what}")


def enqueue(cluster, func, *args):
    """Queue a long job for ``cluster`` as dj_learning.jobs.queue does, but not inline (as
    the test process's settings would have it)."""
    from django_q.tasks import async_task

    return async_task(
        func, *args, q_options={"timeout": TIMEOUT, "sync": False, "cluster": cluster.name}
    )


def finish(cluster, model, pk, func):
    """Wait until the job ``pk`` is done, as production gets there: the broker hands the
    killed task out again after ``retry``, and the sweeper (``jobs.resume_stalled``,
    scheduled every 10 minutes in production, here whenever the claim has lapsed)
    queues it again. A copy handed out before the claim lapsed finds it taken and ends,
    so on a slow machine it is the sweeper that finishes the job."""
    from dj_learning import jobs

    swept = set()

    def done():
        if model.objects.filter(pk=pk, status="done").exists():
            return True
        stalled = jobs.stalled(model).filter(pk=pk).values_list("claimed_at", flat=True).first()
        if stalled is not None and stalled not in swept:
            swept.add(stalled)  # once per dead claim, as the sweeper would
            enqueue(cluster, func, pk)
        return False

    wait_for(done, f"the restarted cluster to finish {model.__name__} {pk}")


# -- Stopping a worker on a member -------------------------------------------------------


def lock_row(row):
    """Hold ``row`` (``SELECT ... FOR UPDATE``) on a connection of its own: a job that
    locks or updates it waits, inside its transaction, until the lock is let go."""
    db = connection.settings_dict
    holder = psycopg.connect(
        host=db["HOST"] or "127.0.0.1",
        port=db["PORT"] or 5432,
        user=db["USER"],
        password=db["PASSWORD"] or None,
        dbname=db["NAME"],
    )
    table, key = row._meta.db_table, row._meta.pk.column
    holder.execute(f"SELECT 1 FROM {table} WHERE {key} = %s FOR UPDATE", [row.pk])
    return holder


def waiting_client_port():
    """The client port of a connection waiting for a row lock, if any."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT client_port FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        row = cursor.fetchone()
    return row and row[0]


def pid_with_client_port(pids, port):
    """Which of ``pids`` owns the TCP connection from local ``port`` (via /proc)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if int(fields[1].rsplit(":", 1)[1], 16) == port:
                inodes.add(fields[9])
    for pid in pids:
        try:
            links = [os.readlink(f) for f in Path(f"/proc/{pid}/fd").iterdir()]
        except OSError:
            continue
        if any(link in {f"socket:[{inode}]" for inode in inodes} for link in links):
            return pid
    raise AssertionError(f"no cluster process holds the connection from port {port}")


def kill_the_waiting_worker(cluster, holder):
    """SIGKILL the worker waiting on ``holder``'s lock, then let the lock go."""
    port = wait_for(waiting_client_port, "the job's worker to wait on the locked member")
    worker = pid_with_client_port(cluster.descendants(), port)
    os.kill(worker, signal.SIGKILL)
    wait_for(lambda: not Path(f"/proc/{worker}").exists() or _zombie(worker), "the worker to die")
    holder.rollback()
    holder.close()
    return worker


def _zombie(pid):
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


# -- Data ----------------------------------------------------------------------------------


def members_with_credits(unit, count):
    members = []
    for number in range(count):
        member = factories.member(unit=unit, name=f"成员{number:02d}")
        CreditEntry.objects.create(
            member=member,
            year=YEAR,
            kind="required",
            amount=Decimal(number + 1),
            source="adjustment",
            title="学习",
            reason="测试",
            earned_on=f"{YEAR}-03-01",
        )
        members.append(member)
    return sorted(members, key=lambda m: m.pk)


# -- Tests ---------------------------------------------------------------------------------


def test_a_bulk_award_whose_worker_is_killed_midway_awards_each_member_once(tree, clusters):
    members = members_with_credits(tree["b1"], 12)
    admin = factories.staff(role="admin", unit=tree["r1"])
    award = TranscriptAward.objects.create(
        unit=tree["r1"],
        year=YEAR,
        criterion=TranscriptAward.Criterion.MIN_CREDITS,
        min_credits=Decimal(0),
        points=7,
        reason="年度学习标兵",
        requested_by=admin,
    )
    Balance.objects.bulk_create([Balance(member=m) for m in members])
    cluster = clusters().start()
    # Chunks of 3 members: the first two chunks are written, the third waits for member
    # 8's balance, in its transaction, and its worker is killed there.
    holder = lock_row(Balance.objects.get(member=members[7]))
    enqueue(cluster, "dj_learning.rewards.tasks.run_award", award.pk)
    kill_the_waiting_worker(cluster, holder)
    assert PointEntry.objects.filter(award=award).count() == 6
    award.refresh_from_db()
    assert award.status == TranscriptAward.Status.RUNNING  # left behind by the dead worker

    cluster.stop()
    restarted = clusters(label="b", name=cluster.name).start()
    finish(restarted, TranscriptAward, award.pk, "dj_learning.rewards.tasks.run_award")
    award.refresh_from_db()
    assert (award.total, award.done, award.awarded) == (12, 12, 12)
    served = list(PointEntry.objects.filter(award=award).values_list("member_id", flat=True))
    assert sorted(served) == [m.pk for m in members]  # each member exactly once
    assert set(Balance.objects.filter(member__in=members).values_list("balance", flat=True)) == {7}


def test_a_transcript_batch_whose_worker_is_killed_midway_issues_one_per_member(tree, clusters):
    members = members_with_credits(tree["b1"], 6)
    admin = factories.staff(role="admin", unit=tree["r1"])
    batch = TranscriptBatch.objects.create(unit=tree["r1"], year=YEAR, requested_by=admin)
    cluster = clusters().start()
    # The batch goes through members by unit and member number: stop it on the fourth.
    order = list(
        Member.objects.filter(pk__in=[m.pk for m in members]).order_by(
            "unit__path", "member_number"
        )
    )
    # The fourth member has a transcript from before: issuing theirs afresh marks it
    # superseded, which waits for the lock held here.
    earlier = services.issue(services.transcript(order[3], YEAR))
    holder = lock_row(earlier)
    enqueue(cluster, "dj_learning.credits.tasks.build_transcript_batch", batch.pk)
    kill_the_waiting_worker(cluster, holder)
    assert set(TranscriptDocument.objects.filter(batch=batch).values_list("member", flat=True)) == {
        m.pk for m in order[:3]
    }
    assert TranscriptBatch.objects.get(pk=batch.pk).status == TranscriptBatch.Status.RUNNING

    cluster.stop()
    restarted = clusters(label="b", name=cluster.name).start()
    finish(restarted, TranscriptBatch, batch.pk, "dj_learning.credits.tasks.build_transcript_batch")
    batch.refresh_from_db()
    assert (batch.total, batch.done) == (6, 6)
    issued = list(TranscriptDocument.objects.filter(batch=batch).values_list("member", flat=True))
    assert sorted(issued) == [m.pk for m in members]  # one transcript per member
    assert TranscriptDocument.objects.filter(member__in=members, status="valid").count() == 6
    earlier.refresh_from_db()
    assert earlier.status == "superseded"


def test_two_clusters_on_one_redis_queue_do_each_job_once(tree, clusters, tmp_path):
    import redis
    from django_q.brokers.redis_broker import Redis
    from django_q.models import Task
    from django_q.status import Stat

    redis.Redis(host="127.0.0.1", port=6379).ping()
    name = f"djl-jobs-redis-{uuid.uuid4().hex[:8]}"
    broker = "'redis': 'redis://127.0.0.1:6379/0'"
    first = clusters(label="a", broker=broker, name=name).start()
    second = clusters(label="b", broker=broker, name=name).start()
    users = [factories.user(email=f"job{n}@example.org") for n in range(20)]
    notifications = [
        Notification.objects.create(user=user, kind="test", title=f"通知{n}", body="内容")
        for n, user in enumerate(users)
    ]
    queue = Redis(list_key=name)
    # Both clusters are up (each has registered its status in Redis) before the jobs come.
    wait_for(
        lambda: {first.process.pid, second.process.pid} <= {s.pid for s in Stat.get_all(queue)},
        "both clusters to report to Redis",
    )
    from django_q.tasks import async_task

    for notification in notifications:
        async_task(SEND, notification.pk, broker=queue, sync=False)
        # The same job queued twice (a retry, a double click) sends once as well.
        async_task(SEND, notification.pk, broker=queue, sync=False)
    wait_for(
        lambda: not Notification.objects.filter(emailed_at__isnull=True).exists(),
        "every notification to be e-mailed",
    )
    # Every job has run and its result is saved (a duplicate finds the mail sent).
    wait_for(
        lambda: Task.objects.filter(func=SEND, success=True).count() == 2 * len(notifications),
        "every job's result",
    )
    mails = [path.read_text() for path in (tmp_path / "mail").iterdir()]
    recipients = sorted(
        line.split(": ", 1)[1]
        for mail in mails
        for message in mail.split("-" * 79)
        for line in message.splitlines()
        if line.startswith("To: ")
    )
    assert recipients == sorted(user.email for user in users)
    assert first.process.poll() is None and second.process.poll() is None
