"""System checks: each id fires on its misconfiguration and stays quiet otherwise."""

import pytest
from django.core.checks import run_checks
from django.test import override_settings


def ids(tags=None):
    """The dj-learning ids ``manage.py check`` reports (silenced ones left out, as it does)."""
    return sorted(
        {
            m.id
            for m in run_checks(tags=tags)
            if m.id and m.id.startswith("dj_learning") and not m.is_silenced()
        }
    )


def test_the_ready_site_passes_every_check():
    assert ids() == []


@override_settings(DJ_LEARNING=["not", "a", "dict"])
def test_e001_settings_must_be_a_dict():
    assert ids() == ["dj_learning.E001"]


@override_settings(DJ_LEARNING={"API_TOKEN_TTL": 3})
def test_w001_unknown_key_is_named():
    messages = [m for m in run_checks() if m.id == "dj_learning.W001"]
    assert len(messages) == 1
    assert "API_TOKEN_TTL" in messages[0].msg


def test_e002_app_without_what_it_builds_on():
    from django.conf import settings

    from dj_learning.checks import check_apps, missing_app_errors

    without_orgs = set(settings.INSTALLED_APPS) - {"dj_learning.orgs"}
    messages = missing_app_errors(without_orgs)
    assert {m.id for m in messages} == {"dj_learning.E002"}
    assert {m.msg for m in messages} == {
        "dj_learning.review needs dj_learning.orgs in INSTALLED_APPS.",
        "dj_learning.members needs dj_learning.orgs in INSTALLED_APPS.",
        "dj_learning.courses needs dj_learning.orgs in INSTALLED_APPS.",
        "dj_learning.api needs dj_learning.orgs in INSTALLED_APPS.",
        "dj_learning.themes needs dj_learning.orgs in INSTALLED_APPS.",
    }
    assert missing_app_errors(set(settings.INSTALLED_APPS) - {"dj_learning.pdf"})[0].msg == (
        "dj_learning.credits needs dj_learning.pdf in INSTALLED_APPS."
    )
    assert check_apps() == []


@pytest.mark.parametrize("value", [-1, "30", 1.5, True])
def test_e003_token_ttl_must_be_whole_days(value):
    with override_settings(DJ_LEARNING={"API_TOKEN_TTL_DAYS": value}):
        assert ids() == ["dj_learning.E003"]


@pytest.mark.parametrize("value", ["10", "ten/m", "10/week", 10])
def test_e004_login_rate_must_parse(value):
    with override_settings(DJ_LEARNING={"API_LOGIN_RATE": value}):
        assert ids() == ["dj_learning.E004"]


@pytest.mark.parametrize("value", [None, "10/m", "100/h", "5/s"])
def test_e004_accepts_good_rates(value):
    with override_settings(DJ_LEARNING={"API_LOGIN_RATE": value}):
        assert ids() == []


@override_settings(AUTHENTICATION_BACKENDS=["django.contrib.auth.backends.ModelBackend"])
def test_w002_member_number_login_without_the_backend():
    assert ids() == ["dj_learning.W002"]
    with override_settings(DJ_LEARNING={"MEMBER_NUMBER_LOGIN": False}):
        assert ids() == []


def test_e005_pdf_font_must_be_an_existing_truetype_file(tmp_path, learning_settings):
    otf = tmp_path / "font.otf"
    otf.write_bytes(b"OTTO")
    for bad in (str(otf), str(tmp_path / "missing.ttf")):
        learning_settings(PDF_FONT=bad)
        assert ids() == ["dj_learning.E005"]
    good = tmp_path / "font.ttf"
    good.write_bytes(b"\x00\x01\x00\x00")
    learning_settings(PDF_FONT=str(good))
    assert ids() == []


def _cache(backend, **options):
    return {"default": {"BACKEND": f"django.core.cache.backends.{backend}", **options}}


@pytest.mark.parametrize("backend", ["locmem.LocMemCache", "dummy.DummyCache"])
def test_w003_a_cache_kept_in_one_process_with_debug_off(backend):
    with override_settings(DEBUG=False, CACHES=_cache(backend), SILENCED_SYSTEM_CHECKS=[]):
        messages = [m for m in run_checks() if m.id == "dj_learning.W003"]
        assert len(messages) == 1
        assert backend in messages[0].msg
        assert "Redis" in messages[0].hint and "DatabaseCache" in messages[0].hint
    with override_settings(DEBUG=True, CACHES=_cache(backend), SILENCED_SYSTEM_CHECKS=[]):
        assert "dj_learning.W003" not in ids()


@pytest.mark.parametrize(
    "cache",
    [
        _cache("db.DatabaseCache", LOCATION="dj_learning_cache"),
        _cache("redis.RedisCache", LOCATION="redis://127.0.0.1:6379/0"),
    ],
)
def test_w003_stays_quiet_with_a_shared_cache(cache):
    with override_settings(DEBUG=False, CACHES=cache, SILENCED_SYSTEM_CHECKS=[]):
        assert "dj_learning.W003" not in ids()


def test_the_ready_sites_cache_is_shared_unless_redis_is_named(monkeypatch):
    """cms_site's base settings: Redis with REDIS_URL, else the database's cache table."""
    import importlib

    from cms_site.settings import base

    try:
        for url, backend in [
            ("", "django.core.cache.backends.db.DatabaseCache"),
            ("redis://127.0.0.1:6379/0", "django.core.cache.backends.redis.RedisCache"),
        ]:
            monkeypatch.setenv("REDIS_URL", url)
            importlib.reload(base)
            assert base.CACHES["default"]["BACKEND"] == backend
            with override_settings(DEBUG=False, CACHES=base.CACHES, SILENCED_SYSTEM_CHECKS=[]):
                assert "dj_learning.W003" not in ids()
    finally:
        monkeypatch.undo()
        importlib.reload(base)


@pytest.mark.parametrize(
    "cluster, says",
    [
        ({"orm": "default"}, ["no timeout", "max_attempts"]),
        ({"timeout": 600, "retry": 600, "max_attempts": 3}, ["retry (600 s) not longer"]),
        ({"timeout": 600, "max_attempts": 3}, ["retry (60 s) not longer"]),  # django-q2's 60
        ({"timeout": 600, "retry": 900, "max_attempts": 0}, ["max_attempts"]),
    ],
)
def test_w005_a_job_cluster_that_leaves_jobs_unbounded(cluster, says):
    with override_settings(Q_CLUSTER=cluster):
        (message,) = [m for m in run_checks() if m.id == "dj_learning.W005"]
    assert all(part in message.msg for part in says)
    assert "max_attempts" in message.hint


def test_w005_stays_quiet_with_the_ready_sites_cluster():
    with override_settings(Q_CLUSTER={"timeout": 600, "retry": 900, "max_attempts": 3}):
        assert "dj_learning.W005" not in ids()
