"""`make test`'s passes between them run every browser test once (``DJL_BROWSER_DB``,
tests/conftest.py): what each pass collects, read from ``pytest --collect-only``."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def collected(database_url=None, **env):
    """The browser tests a pass would run, with ``env`` (``DJL_BROWSER_DB``)."""
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJL_BROWSER_DB")},
        "DJANGO_SETTINGS_MODULE": "cms_site.settings.test",
        **env,
    }
    if database_url:
        # Collecting reads the settings only: no connection is made.
        env["DATABASE_URL"] = database_url
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider"]
        + ["-m", "browser", "tests"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return {line for line in result.stdout.splitlines() if line.startswith("tests/")}


@pytest.mark.own_database
def test_split_runs_every_browser_test_once_some_on_each_database():
    every = collected()  # DJL_BROWSER_DB unset: a pass runs them all
    on_sqlite = collected(DJL_BROWSER_DB="split")
    on_postgres = collected(
        "postgres://postgres@127.0.0.1:5432/dj_learning", DJL_BROWSER_DB="split"
    )
    assert len(every) > 30
    assert on_sqlite | on_postgres == every
    assert not on_sqlite & on_postgres
    # Every third file (by name) in the SQLite pass.
    files = sorted({test.split("::")[0] for test in every})
    assert {test.split("::")[0] for test in on_sqlite} == set(files[2::3])


def test_a_misspelt_pass_is_refused_rather_than_run_in_neither(monkeypatch, pytestconfig):
    # tests/conftest.py, which decides what each pass runs, as pytest registered it.
    conftest = pytestconfig.pluginmanager.get_plugin(str(Path(__file__).with_name("conftest.py")))
    monkeypatch.setenv("DJL_BROWSER_DB", "postgres")
    with pytest.raises(pytest.UsageError, match="DJL_BROWSER_DB is 'postgres'"):
        conftest.pytest_collection_modifyitems(pytestconfig, [])
