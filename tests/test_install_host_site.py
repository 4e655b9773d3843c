"""docs/install.md, followed to the letter on a fresh ``wagtail start`` site.

The test builds the wheel, checks what it carries, makes a host site with
``wagtail start`` and migrates it (the "existing site"), then applies the code
blocks of docs/install.md that are marked ``<!-- install:NAME -->``:

- ``settings``: appended to ``hostsite/settings/base.py`` (at most 5 lines);
- ``urls``: the first ``urlpatterns = [...]`` list, with dj-learning's line
  (at most 1 new line);
- ``commands``: ``python manage.py ...`` commands, run as written.

The host has a look of its own before dj-learning arrives (a header and a
footer in its ``base.html``); the learning pages must show it.

The host imports dj_learning from the unpacked wheel, not from the repository,
so a file missing from the wheel fails here. Nothing is downloaded: the wheel
is built without build isolation and the host uses the packages of this
virtualenv.
"""

import ast
import contextlib
import json
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from http.cookiejar import CookieJar
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

# The host site runs on a database of its own: once, in the SQLite pass.
pytestmark = [pytest.mark.slow, pytest.mark.own_database]

REPO = Path(__file__).resolve().parents[1]
DOC = REPO / "docs" / "install.md"
BIN = Path(sys.executable).parent
PYTHON = str(BIN / "python")
# Every app of the package, optional ones included (dj_learning.settings.APPS).
APP_LABELS = [
    "dj_learning",
    "learning_orgs",
    "learning_review",
    "learning_members",
    "learning_courses",
    "learning_pdf",
    "learning_credits",
    "learning_quizzes",
    "learning_rewards",
    "learning_api",
    "learning_themes",
]
MAX_SETTINGS_LINES = 5
MAX_URL_LINES = 1
HOST_HEADER = '<header class="hostsite-header" data-testid="host-header">Hostsite Region</header>'
HOST_FOOTER = '<footer class="hostsite-footer">Hostsite footer</footer>'

PASSWORD = "Host!pass2026-test"
MEMBER_NUMBER = "HT0001"
MEMBER_NAME = "宿主测试员"

BLOCK = re.compile(
    r"<!-- install:(?P<name>[\w-]+) -->[ \t]*\n```(?P<lang>\w+)[ \t]*\n(?P<code>.*?)^```",
    re.S | re.M,
)


def doc_blocks(name, lang):
    """The code blocks of docs/install.md marked ``<!-- install:name -->``, in order."""
    blocks = []
    for match in BLOCK.finditer(DOC.read_text(encoding="utf-8")):
        if match["name"] == name:
            assert match["lang"] == lang, f"install:{name} should be a {lang} block"
            blocks.append(match["code"])
    assert blocks, f"docs/install.md has no {lang} block marked <!-- install:{name} -->"
    return blocks


def run(args, *, cwd, env=None, timeout=120, stdin=None):
    proc = subprocess.run(
        [str(a) for a in args],
        cwd=cwd,
        env=env,
        stdin=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert proc.returncode == 0, (
        f"{' '.join(map(str, args))} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
    )
    return proc.stdout


def start(args, *, cwd, env, log):
    """Start a long-running command in its own process group, output to ``log``."""
    with open(log, "wb") as out:
        return subprocess.Popen(
            [str(a) for a in args],
            cwd=cwd,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def stop(proc):
    """Ask the command to stop, then kill whatever is left of its process group.

    SIGTERM goes to the main process only: qcluster stops its workers in order
    that way, but hangs when they all receive the signal at once.
    """
    if proc.poll() is None:
        proc.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=15)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def opener(cookies=None):
    handlers = [NoRedirect()]
    if cookies is not None:
        handlers.append(urllib.request.HTTPCookieProcessor(cookies))
    return urllib.request.build_opener(*handlers)


def http(client, url, *, data=None, headers=None, method=None):
    """``(status, headers, text)`` of one request; error statuses are returned, not raised."""
    request = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    try:
        with client.open(request, timeout=15) as response:
            return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode()


def post_json(client, url, payload, headers=None):
    status, _, text = http(
        client,
        url,
        data=json.dumps(payload).encode(),
        headers={"Content-Type": "application/json", **(headers or {})},
        method="POST",
    )
    return status, text


def requirement_closure(requirements):
    """Normalized names of ``requirements`` and everything they need, as installed here."""
    seen = set()
    todo = [Requirement(r) for r in requirements]
    while todo:
        req = todo.pop()
        if req.marker and not req.marker.evaluate({"extra": ""}):
            continue
        name = canonicalize_name(req.name)
        if name in seen:
            continue
        seen.add(name)
        with contextlib.suppress(metadata.PackageNotFoundError):
            todo.extend(Requirement(r) for r in metadata.requires(req.name) or [])
    return seen


def third_party_imports(wheel):
    """Top-level modules imported by the wheel's code, other than stdlib and dj_learning."""
    modules = set()
    for name in wheel.namelist():
        if not name.endswith(".py"):
            continue
        for node in ast.walk(ast.parse(wheel.read(name), filename=name)):
            if isinstance(node, ast.Import):
                modules.update(alias.name.partition(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules.add(node.module.partition(".")[0])
    return {m for m in modules if m not in sys.stdlib_module_names and m != "dj_learning"}


def build_wheel(tmp_path):
    dist = tmp_path / "dist"
    run(
        [
            PYTHON,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "--disable-pip-version-check",
            "--quiet",
            "-w",
            dist,
            REPO,
        ],
        cwd=tmp_path,
        timeout=120,
    )
    (wheel_path,) = dist.glob("dj_learning-*.whl")
    return wheel_path


def check_wheel(wheel_path):
    with zipfile.ZipFile(wheel_path) as wheel:
        names = set(wheel.namelist())
        (dist_info,) = {n.split("/")[0] for n in names if ".dist-info/" in n}
        meta = wheel.read(f"{dist_info}/METADATA").decode()
        imports = third_party_imports(wheel)

    # The package only: no demo site, data, tests or docs.
    assert {n.split("/")[0] for n in names} == {"dj_learning", dist_info}
    for name in names:
        parts = set(name.split("/"))
        assert not parts & {"cms_site", "tests", "fixtures", "docs", "bench", "__pycache__"}, name
        assert not name.endswith(".pyc"), name
    # The load-test seeder belongs to the ready site (cms_site/seed), not to the package.
    seed_code = [n for n in names if any(p.startswith("seed") for p in n.split("/"))]
    assert not seed_code, seed_code
    assert not any(n.endswith("/management/commands/learning_seed.py") for n in names), names

    # What a host site needs at run time.
    for needed in [
        "dj_learning/templates/dj_learning/base.html",
        "dj_learning/templates/dj_learning/members/login.html",
        "dj_learning/templates/dj_learning/members/profile.html",
        "dj_learning/static/dj_learning/css/learning.css",
        "dj_learning/templates/dj_learning/courses/course_catalog_page.html",
        "dj_learning/static/dj_learning/js/study.js",
        "dj_learning/orgs/migrations/0001_initial.py",
        "dj_learning/courses/migrations/0001_initial.py",
        "dj_learning/members/migrations/0001_initial.py",
        "dj_learning/api/migrations/0001_initial.py",
    ]:
        assert needed in names, f"the wheel lacks {needed}"
    # Every file of the package in the repository (templates, migrations,
    # static files, translations) made it into the wheel.
    for path in (REPO / "dj_learning").rglob("*"):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
            name = path.relative_to(REPO).as_posix()
            assert name in names, f"the wheel lacks {name}"

    # `pip install dj-learning`, as the doc says, brings everything the code imports.
    assert re.search(r"^Name: dj-learning$", meta, re.M), meta
    assert re.search(r"^Requires-Python: >=3\.11$", meta, re.M), meta
    requires = [
        line.partition(":")[2].strip()
        for line in meta.splitlines()
        if line.startswith("Requires-Dist:") and "extra ==" not in line
    ]
    installed = requirement_closure(requires)
    providers = metadata.packages_distributions()
    for module in sorted(imports):
        dists = {canonicalize_name(d) for d in providers.get(module, [])}
        assert dists & installed, (
            f"dj_learning imports {module!r} (from {sorted(dists) or 'nowhere'}), "
            "which no dependency in pyproject.toml brings"
        )


def host_env(overlay):
    env = {
        key: value
        for key, value in os.environ.items()
        if key
        not in {"DJANGO_SETTINGS_MODULE", "DATABASE_URL", "REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
        and not key.startswith("PYTHON")
    }
    env.update(
        DJANGO_SETTINGS_MODULE="hostsite.settings.dev",
        PYTHONPATH=str(overlay),
        PYTHONUTF8="1",
        PYTHONDONTWRITEBYTECODE="1",
        PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
    )
    return env


def give_host_its_look(host):
    """The host's own header and footer around its content block, as a real site has."""
    base = host / "hostsite" / "templates" / "base.html"
    text = base.read_text(encoding="utf-8")
    content = "{% block content %}{% endblock %}"
    assert content in text
    text = text.replace(content, f"{HOST_HEADER}\n{content}\n{HOST_FOOTER}", 1)
    base.write_text(text, encoding="utf-8")
    assert HOST_HEADER in text and HOST_FOOTER in text


def code_lines(text):
    return [line for line in text.splitlines() if line.strip()]


def apply_doc(host):
    settings = host / "hostsite" / "settings" / "base.py"
    blocks = doc_blocks("settings", "python")
    added = [line for block in blocks for line in code_lines(block)]
    assert len(added) <= MAX_SETTINGS_LINES, f"the doc adds {len(added)} lines of settings"
    with settings.open("a", encoding="utf-8") as f:
        f.write("\n\n" + "\n".join(blocks))

    # The doc shows the first `urlpatterns = [...]` list of a `wagtail start`
    # site with dj-learning's lines added: it takes that list's place.
    urls = host / "hostsite" / "urls.py"
    text = urls.read_text(encoding="utf-8")
    (block,) = doc_blocks("urls", "python")
    first_list = re.search(r"^urlpatterns = \[\n.*?^\]\n", text, re.S | re.M)[0]
    for line in first_list.splitlines():
        assert line in block.splitlines(), f"the doc's urlpatterns drop {line!r}"
    new_lines = [line for line in code_lines(block) if line not in first_list.splitlines()]
    assert len(new_lines) <= MAX_URL_LINES, f"the doc adds {new_lines} to urls.py"
    text = text.replace(first_list, block, 1)
    assert text.index('include("dj_learning.urls")') < text.index("include(wagtail_urls)")
    urls.write_text(text, encoding="utf-8")


def run_doc_commands(name, *, cwd, env):
    for block in doc_blocks(name, "bash"):
        for line in block.splitlines():
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            args = shlex.split(line)
            assert args[:2] == ["python", "manage.py"], line
            run([PYTHON, *args[1:]], cwd=cwd, env=env)


# Run in the host with `manage.py shell -c` after the doc's commands: a branch and a
# member of our own (a region gives its members accounts in the admin or by import).
SETUP_MEMBER = f"""
import json

import dj_learning
from django.conf import settings
from django.contrib.auth import get_user_model
from wagtail.models import Site

from dj_learning.courses.models import CourseCatalogPage, StudyPlan
from dj_learning.members.services import save_member
from dj_learning.orgs.models import Unit
from dj_learning.orgs.services import save_unit

region = Unit.objects.get(site=Site.objects.get(is_default_site=True))
branch = save_unit(code="hostsite-1", name="第一支部", kind="branch", parent=region)
user = get_user_model().objects.create_user("hosttest", password={PASSWORD!r})
member = save_member(user, member_number={MEMBER_NUMBER!r}, name={MEMBER_NAME!r}, unit=branch)
print(json.dumps({{
    "file": dj_learning.__file__,
    "region": [region.code, region.kind, region.get_parent().code],
    "branch": branch.code,
    "plans": StudyPlan.objects.filter(unit=region).count(),
    "catalog": CourseCatalogPage.objects.live().get().url,
    "apps": settings.INSTALLED_APPS,
    "middleware": settings.MIDDLEWARE,
    "language": settings.LANGUAGE_CODE,
}}))
"""

# The host's home page as a visitor sees it, before and after dj-learning (appended to
# the script that runs before it: each start of the site costs seconds).
HOME_PAGE = """
from django.test import Client

print(json.dumps({"home": Client().get("/").content.decode()}))
"""

# The existing site, migrated before dj-learning arrives.
MIGRATE = """
import json

from django.core.management import call_command

call_command("migrate", interactive=False, verbosity=0, skip_checks=False)
"""

# After the doc's commands: the system checks and the package's migrations, in one start.
CHECKS = f"""
from django.core.management import call_command

call_command("check", fail_level="WARNING")
call_command("makemigrations", *{APP_LABELS!r}, check=True, dry_run=True)
"""

RUN_JOB = """
from django_q.tasks import async_task, result

task = async_task("math.floor", 2.5)
print(result(task, wait=30_000))
"""


def printed(output):
    """The JSON objects a script printed, one per line, merged (other lines ignored)."""
    found = {}
    for line in output.splitlines():
        if line.startswith("{"):
            found.update(json.loads(line))
    assert found, output
    return found


def wait_until_up(server, base, log):
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert server.poll() is None, f"runserver exited:\n{log.read_text()}"
        try:
            with socket.create_connection(base, timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"runserver did not answer in 30 s:\n{log.read_text()}")


def check_pages(base):
    anonymous = opener()

    status, _, text = http(anonymous, f"{base}/")
    assert status == 200, text
    assert "template-homepage" in text  # the host's own Wagtail home page

    # Learning pages in the host's look: its header and footer, not the package's frame.
    status, _, text = http(anonymous, f"{base}/learning/login/")
    assert status == 200, text
    assert 'name="username"' in text and 'name="password"' in text
    assert HOST_HEADER in text and HOST_FOOTER in text
    assert "djl-header" not in text
    assert "/static/dj_learning/css/learning.css" in text
    assert "登录" in text  # MEMBER_LANGUAGE: members read Chinese; the host stays en-us

    status, _, text = http(anonymous, f"{base}/courses/")
    assert status == 200, text
    assert HOST_HEADER in text
    assert "djl-header" not in text

    status, _, text = http(anonymous, f"{base}/admin/login/")
    assert status == 200 and "Sign in" in text  # the editors' admin keeps the host's language

    status, _, text = http(anonymous, f"{base}/static/dj_learning/css/learning.css")
    assert status == 200 and ".djl-" in text

    status, headers, _ = http(anonymous, f"{base}/learning/me/")
    assert status == 302 and headers["Location"].startswith("/learning/login/?next=")

    status, _, text = http(anonymous, f"{base}/api/v1/openapi.json")
    assert status == 200, text
    schema = json.loads(text)
    assert "openapi" in schema
    assert {"/api/v1/me", "/api/v1/auth/token", "/api/v1/units"} <= set(schema["paths"])

    status, _, text = http(anonymous, f"{base}/api/v1/docs")
    assert status == 200, text

    status, _, text = http(anonymous, f"{base}/api/v1/me")
    assert status == 401, text
    assert json.loads(text)["detail"]


def check_session_sign_in(base):
    """The sign-in form takes the member number (MemberNumberBackend, LOGIN_REDIRECT_URL)."""
    client = opener(CookieJar())
    status, _, text = http(client, f"{base}/learning/login/")
    assert status == 200
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', text)[1]
    form = {"csrfmiddlewaretoken": csrf, "username": MEMBER_NUMBER, "password": PASSWORD}
    status, headers, text = http(
        client,
        f"{base}/learning/login/",
        data=urllib.parse.urlencode(form).encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        method="POST",
    )
    assert status == 302, text
    assert headers["Location"] == "/learning/my/"  # configure's LOGIN_REDIRECT_URL: My study

    # The profile names the member; My study shows their plan. Both in the host's look.
    for page, content in [("/learning/me/", MEMBER_NAME), ("/learning/my/", "我的学习")]:
        status, _, text = http(client, f"{base}{page}")
        assert status == 200, f"{page}: {text}"
        assert content in text, page
        assert HOST_HEADER in text and HOST_FOOTER in text, page
        assert "djl-header" not in text, page


def check_api(base, branch):
    client = opener()
    status, text = post_json(
        client, f"{base}/api/v1/auth/token", {"username": "hosttest", "password": "wrong"}
    )
    assert status == 401 and json.loads(text)["detail"], text

    for login in ["hosttest", MEMBER_NUMBER]:
        status, text = post_json(
            client, f"{base}/api/v1/auth/token", {"username": login, "password": PASSWORD}
        )
        assert status == 200, text
        token = json.loads(text)["token"]

        status, _, text = http(
            client, f"{base}/api/v1/me", headers={"Authorization": f"Bearer {token}"}
        )
        assert status == 200, text
        me = json.loads(text)
        assert me["user"]["username"] == "hosttest"
        assert me["member"]["name"] == MEMBER_NAME
        assert me["member"]["member_number"] == MEMBER_NUMBER
        assert me["member"]["unit"]["code"] == branch


def test_install_into_a_wagtail_start_site(tmp_path):
    # 1. The wheel, unpacked where the host imports it from.
    wheel_path = build_wheel(tmp_path)
    check_wheel(wheel_path)
    overlay = tmp_path / "site-packages-overlay"
    with zipfile.ZipFile(wheel_path) as wheel:
        wheel.extractall(overlay)

    # 2. An existing Wagtail site: `wagtail start`, a look of its own, migrated before
    # dj-learning arrives. Its requirements.txt is never installed: the host uses the
    # packages of this virtualenv.
    host = tmp_path / "hostsite"
    host.mkdir()
    run([BIN / "wagtail", "start", "hostsite", host], cwd=tmp_path)
    give_host_its_look(host)
    env = host_env(overlay)
    manage = [PYTHON, "manage.py"]
    home_before = printed(
        run([*manage, "shell", "-v", "0", "-c", MIGRATE + HOME_PAGE], cwd=host, env=env)
    )["home"]
    assert "template-homepage" in home_before

    # 3. Settings and URLs, exactly as docs/install.md writes them (5 + 1 lines at most).
    apply_doc(host)
    where = run(
        [PYTHON, "-c", "import dj_learning; print(dj_learning.__file__)"], cwd=host, env=env
    )
    assert Path(where.strip()).is_relative_to(overlay), where

    # 4. Step 5 of the doc: migrate, the cache table, learning_setup; then check.
    run_doc_commands("commands", cwd=host, env=env)
    run([*manage, "shell", "-v", "0", "-c", CHECKS], cwd=host, env=env)
    # learning_setup again: nothing new.
    (setup_line,) = [
        line
        for block in doc_blocks("commands", "bash")
        for line in block.splitlines()
        if "learning_setup" in line
    ]
    again = run([PYTHON, *shlex.split(setup_line)[1:]], cwd=host, env=env)
    assert " 0 made," in again, again

    # The production settings pass Django's deployment check without a word from us.
    (host / "hostsite" / "settings" / "local.py").write_text(
        'SECRET_KEY = "a-long-random-secret-key-for-the-deploy-check-0123456789abcdef"\n'
        'ALLOWED_HOSTS = ["region.example.org"]\n',
        encoding="utf-8",
    )
    deploy = subprocess.run(
        [PYTHON, "manage.py", "check", "--deploy"],
        cwd=host,
        env={**env, "DJANGO_SETTINGS_MODULE": "hostsite.settings.production"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert deploy.returncode == 0, deploy.stderr
    assert "dj_learning" not in deploy.stdout + deploy.stderr, deploy.stdout + deploy.stderr
    (host / "hostsite" / "settings" / "local.py").unlink()

    # 5. A member of our own, and what the doc's setup made.
    facts = printed(run([*manage, "shell", "-c", SETUP_MEMBER + HOME_PAGE], cwd=host, env=env))
    assert Path(facts["file"]).is_relative_to(overlay), facts
    assert facts["region"] == ["donghu", "region", "national"]
    assert facts["plans"] == 1
    assert facts["catalog"] == "/courses/"
    assert facts["language"] == "en-us"  # the host's own LANGUAGE_CODE, untouched
    apps = facts["apps"]
    assert len(apps) == len(set(apps))
    for app in ["dj_learning", *(f"dj_learning.{label[9:]}" for label in APP_LABELS[1:])]:
        assert app in apps, app
    assert apps[: apps.index("dj_learning")] == ["home", "search"]  # the host's apps first
    assert len(facts["middleware"]) == len(set(facts["middleware"]))

    # The host's home page is exactly what it was.
    assert facts["home"] == home_before

    # 6. Step 6: the job cluster runs a job from the queue in the database.
    cluster = start([*manage, "qcluster"], cwd=host, env=env, log=tmp_path / "qcluster.log")
    try:
        out = run([*manage, "shell", "-c", RUN_JOB], cwd=host, env=env, timeout=60)
        assert out.strip().splitlines()[-1] == "2", (tmp_path / "qcluster.log").read_text()
    finally:
        stop(cluster)

    # 7. Step 7: the site serves its own pages, dj-learning's pages and the API.
    port = free_port()
    log = tmp_path / "runserver.log"
    server = start(
        [*manage, "runserver", f"127.0.0.1:{port}", "--noreload"], cwd=host, env=env, log=log
    )
    try:
        wait_until_up(server, ("127.0.0.1", port), log)
        base = f"http://127.0.0.1:{port}"
        check_pages(base)
        check_session_sign_in(base)
        check_api(base, facts["branch"])
    finally:
        stop(server)
