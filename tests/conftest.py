import io
import os

import pytest
from django.core.management import call_command

from dj_learning.test import factories

# Playwright's sync API runs an event loop in the test thread; the ORM calls the
# tests make between page actions are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

DEMO_PASSWORD = "Demo!pass2026"


def pytest_collection_modifyitems(config, items):
    """Concurrency tests need real parallel connections: they run in the PostgreSQL pass.

    On SQLite they are deselected (not skipped): `make test` runs the suite a
    second time on PostgreSQL, where they run.
    """
    from django.conf import settings

    if settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        return
    keep, drop = [], []
    for item in items:
        (drop if item.get_closest_marker("postgres") else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with an empty cache (rate limits, Wagtail's site cache)."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def learning_settings(settings):
    """Change some ``DJ_LEARNING`` keys for one test, keeping the others."""

    def change(**values):
        settings.DJ_LEARNING = {**settings.DJ_LEARNING, **values}

    return change


@pytest.fixture
def demo(db):
    """The org tree, the two regional sites and the demo accounts of ``learning_demo``."""
    call_command("learning_demo", "--without-courses", verbosity=0, stdout=io.StringIO())


@pytest.fixture
def demo_courses(db, django_capture_on_commit_callbacks):
    """All of ``learning_demo``: also courses, plans, the workflow and the member's progress.

    Commit hooks run as they would after the command's transaction (the credit
    ledger hears of the demo member's completions).
    """
    with django_capture_on_commit_callbacks(execute=True):
        call_command("learning_demo", verbosity=0, stdout=io.StringIO())


@pytest.fixture
def tree(db):
    """A small org tree: national → two regions → a branch each, and one sub-branch."""
    national = factories.unit(kind="national", name="总部")
    r1 = factories.unit(parent=national, kind="region", name="一区")
    r2 = factories.unit(parent=national, kind="region", name="二区")
    b1 = factories.unit(parent=r1, name="一区一支部")
    b1a = factories.unit(parent=b1, kind="sub_branch", name="一区一支部一组")
    b2 = factories.unit(parent=r2, name="二区一支部")
    return {"national": national, "r1": r1, "r2": r2, "b1": b1, "b1a": b1a, "b2": b2}


@pytest.fixture
def get_token(client):
    def get(username, password=DEMO_PASSWORD):
        response = client.post(
            "/api/v1/auth/token",
            {"username": username, "password": password},
            content_type="application/json",
        )
        assert response.status_code == 200, response.content
        return response.json()["token"]

    return get
