"""The API against the live test server, as a third-party tool and a phone app use it.

schemathesis, the OpenAPI fuzzer, runs for a member, a clerk and an admin; a client
generated from the schema with openapi-python-client takes a member's path. The live
server needs committed data: each test builds the demo, and the rollback restores what
the migrations made for the tests after it.
"""

import os
import re
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

HERE = Path(__file__).resolve().parent


# -- schemathesis against the live server ---------------------------------------------------

#: Examples per operation: enough to meet every operation's rules, few enough that the
#: three runs stay near a minute on a small machine. The coverage phase (every boundary
#: and every invalid value of every parameter, whatever this number) takes minutes, so
#: it runs only when asked: API_CONTRACT_PHASES=examples,coverage,fuzzing,stateful.
EXAMPLES = os.environ.get("API_CONTRACT_EXAMPLES", "2")
PHASES = os.environ.get("API_CONTRACT_PHASES", "examples,fuzzing,stateful")


def schemathesis_run(url, token, workdir):
    command = [
        str(Path(sys.executable).with_name("schemathesis")),
        "--config-file",
        str(HERE / "schemathesis.toml"),
        "run",
        f"{url}/api/v1/openapi.json",
        "--header",
        f"Authorization: Bearer {token}",
        "--checks",
        "all",
        "--phases",
        PHASES,
        "--max-examples",
        EXAMPLES,
        "--seed",
        os.environ.get("API_CONTRACT_SEED", "1"),
        # Signing out would end the run's own token; everything else is exercised.
        "--exclude-operation-id",
        "api_delete_token",
        "--workers",
        "1",
        "--generation-database",
        "none",
        "--no-color",
        "--report-dir",
        str(workdir),
    ]
    # Valid files for the upload fields (tests/api_contract_hooks.py).
    env = {**os.environ, "SCHEMATHESIS_HOOKS": "api_contract_hooks", "PYTHONPATH": str(HERE)}
    return subprocess.run(
        command, capture_output=True, text=True, timeout=600, cwd=workdir, env=env
    )


def test_schemathesis_finds_nothing_for_a_member_a_clerk_and_an_admin(
    demo_courses, live_server, tmp_path
):
    """Every phase asked for (by default examples, fuzzing, and stateful with the links it
    infers: start an attempt, then save answers, then submit) and every check (server
    errors, responses matching their schema, statuses documented, schema-valid requests
    accepted, invalid ones refused) pass for each caller."""
    from django.contrib.auth import get_user_model

    from dj_learning.api.services import issue_token

    users = get_user_model().objects
    for username in ("member", "clerk", "admin"):
        _, token = issue_token(users.get(username=username))
        run = schemathesis_run(live_server.url, token, tmp_path)
        failures = run.stdout[run.stdout.find("FAILURES") :] if "FAILURES" in run.stdout else ""
        assert run.returncode == 0, (
            f"{username}:\n{(failures or run.stdout)[:12000]}\n{run.stderr[-2000:]}"
        )
        summary = run.stdout[run.stdout.rfind("SUMMARY") :]
        for phase in PHASES.split(","):
            assert f"✅ {phase.title()}" in summary, (username, summary)
        assert re.search(r"(\d+) generated, \1 passed", summary), (username, summary)


# -- A client generated from the schema -----------------------------------------------------


def test_a_client_generated_from_the_schema_signs_in_studies_takes_a_quiz_and_reads_the_transcript(
    demo_courses, live_server, client, tmp_path, monkeypatch
):
    """What a phone app does, through the types openapi-python-client generates."""
    import importlib

    (tmp_path / "openapi.json").write_bytes(client.get("/api/v1/openapi.json").content)
    bin_dir = Path(sys.executable).parent
    subprocess.run(
        [
            str(bin_dir / "openapi-python-client"),
            "generate",
            "--path",
            str(tmp_path / "openapi.json"),
            "--meta",
            "none",
            "--output-path",
            str(tmp_path / "djl_client"),
        ],
        check=True,
        capture_output=True,
        cwd=tmp_path,
        env={**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}"},
        timeout=300,
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    gen = importlib.import_module("djl_client")
    models = importlib.import_module("djl_client.models")

    def api(module):
        return importlib.import_module(f"djl_client.api.{module}")

    anonymous = gen.Client(base_url=live_server.url)
    token = api("auth.api_create_token").sync(
        client=anonymous, body=models.Credentials(username="member", password="Demo!pass2026")
    )
    assert isinstance(token, models.TokenOut)
    me = gen.AuthenticatedClient(base_url=live_server.url, token=token.token)

    plan = api("courses.courses_my_plan").sync(client=me)
    assert isinstance(plan, models.PlanOut) and plan.has_plan
    assert all(isinstance(m, models.ModuleStatusOut) for m in plan.required_modules)

    beats = []
    for module_id in plan.next_modules:
        module = api("courses.courses_get_module").sync(module_id, client=me)
        assert isinstance(module, models.ModuleDetailOut)
        for lesson in module.lessons_detail:
            beat = models.HeartbeatIn(module=module_id, lesson=lesson.id, seconds=15)
            beats.append(api("courses.courses_heartbeat").sync(client=me, body=beat))
    assert any(isinstance(beat, models.HeartbeatOut) for beat in beats), beats

    quizzes = api("quizzes.quizzes_list_quizzes").sync(client=me)
    startable = [
        q for q in quizzes if api("quizzes.quizzes_get_quiz").sync(q.id, client=me).can_start
    ]
    assert startable
    attempt = api("quizzes.quizzes_start_attempt").sync(startable[0].id, client=me)
    assert isinstance(attempt, models.AttemptDetailOut) and attempt.questions
    responses = models.AnswersInResponses()
    for question in attempt.questions:
        if isinstance(question.options, list) and question.options:
            responses[str(question.position)] = question.options[0]["id"]
    saved = api("quizzes.quizzes_save_answers").sync(
        attempt.id, client=me, body=models.AnswersIn(responses=responses)
    )
    assert isinstance(saved, models.AttemptDetailOut)
    result = api("quizzes.quizzes_submit").sync(attempt.id, client=me, body=models.AnswersIn())
    assert isinstance(result, models.ResultOut)
    assert result.state in ("graded", "marking") and result.submitted_at is not None

    transcript = api("transcripts.credits_my_transcript").sync(client=me)
    assert isinstance(transcript, models.TranscriptOut)
    assert transcript.name == "张伟"
    assert all(isinstance(e, models.TranscriptEntryOut) for e in transcript.entries)
    # Decimals travel as strings; the generator renames `credits` (a Python builtin).
    assert transcript.entries and Decimal(transcript.entries[0].credits_) > 0
