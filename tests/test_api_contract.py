"""The API as a contract a client can be generated from.

Every check here runs over the whole generated schema or the whole URL
resolver, never a list of today's routes: a route an app adds meets the same
contract (see docs/reference/api.md, "Adding routes"). schemathesis and a
generated client run against the live server in test_api_contract_live.py.
"""

import re

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.urls import URLPattern, URLResolver, get_resolver
from ninja import Router, Schema
from openapi_spec_validator import validate

from dj_learning.api.api import LearningAPI
from dj_learning.api_schema import MAX_INT

pytestmark = pytest.mark.django_db

ERROR_REF = "#/components/schemas/ErrorOut"
UNSAFE = {"post", "put", "patch", "delete"}


def bearer(token):
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


@pytest.fixture
def schema(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.json()


def operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            yield path, method, operation


# -- Links between operations ---------------------------------------------------------


def test_the_main_flows_are_links_whose_targets_and_fields_exist(schema):
    """Start an attempt, then save its answers and submit: the answer says which
    operation its id feeds, and every link names an operation and path parameter the
    API has, filled from a field the answer's schema has."""
    by_id = {op["operationId"]: (path, op) for path, _method, op in operations(schema)}
    components = schema["components"]["schemas"]
    links = {}
    for _path, _method, operation in operations(schema):
        for response in operation["responses"].values():
            for name, link in response.get("links", {}).items():
                links[(operation["operationId"], name)] = link["operationId"]
                target_path, _target = by_id[link["operationId"]]
                body = response["content"]["application/json"]["schema"]
                ref = body.get("$ref") or body["items"]["$ref"]
                fields = components[ref.rsplit("/", 1)[1]]["properties"]
                for parameter, expression in link["parameters"].items():
                    assert "{" + parameter + "}" in target_path, (name, parameter)
                    assert expression.rsplit("/", 1)[1] in fields, (name, expression)
    assert links[("quizzes_start_attempt", "SaveAnswers")] == "quizzes_save_answers"
    assert links[("quizzes_start_attempt", "Submit")] == "quizzes_submit"
    assert links[("members_propose", "Approve")] == "members_approve"
    assert links[("rewards_redeem", "Fulfil")] == "rewards_fulfil"
    assert links[("activities_log_volunteer", "AttachProof")] == (
        "activities_attach_volunteer_proof"
    )


# -- Schema names ---------------------------------------------------------------------


def test_the_schema_is_valid_openapi_with_a_version(schema):
    validate(schema)
    assert re.fullmatch(r"\d+\.\d+\.\d+.*", schema["info"]["version"])


def test_transcript_entries_and_point_entries_have_their_own_names(schema):
    components = schema["components"]["schemas"]
    entries = schema["paths"]["/api/v1/me/transcript"]["get"]["responses"]["200"]
    transcript = components[entries["content"]["application/json"]["schema"]["$ref"].split("/")[-1]]
    assert transcript["properties"]["entries"]["items"]["$ref"].endswith("/TranscriptEntryOut")
    assert set(components["TranscriptEntryOut"]["required"]) >= {"date", "title", "credits"}
    assert set(components["PointEntryOut"]["required"]) >= {"id", "at", "points"}
    assert "EntryOut" not in components


def _api_with_two(first, second):
    api = LearningAPI(urls_namespace="contract_test")
    for prefix, schema in (("a", first), ("b", second)):
        router = Router()
        router.get("/thing", response=schema)(lambda request: None)
        api.add_router(prefix, router)
    return api


def test_two_schemas_with_one_name_make_the_schema_fail():
    def entry(**fields):
        return type("EntryOut", (Schema,), {"__annotations__": fields})

    clash = _api_with_two(entry(at=str, points=int), entry(date=str, credits=int))
    with pytest.raises(ImproperlyConfigured, match="'EntryOut'"):
        clash.get_openapi_schema(path_prefix="/x/")
    # The same schema used twice is one component, not a clash.
    same = entry(at=str, points=int)
    assert (
        "EntryOut"
        in _api_with_two(same, same).get_openapi_schema(path_prefix="/x/")["components"]["schemas"]
    )


# -- What each operation documents --------------------------------------------------------


def test_every_operation_documents_its_errors_with_the_error_schema(schema):
    for path, method, operation in operations(schema):
        responses = {int(status): r for status, r in operation["responses"].items()}
        params = {p["in"] for p in operation.get("parameters", [])}
        expected = set()
        if operation.get("security"):
            expected.add(401)
            if method in UNSAFE:
                expected.add(403)  # the CSRF token, with the session cookie
        if "path" in params:
            expected.add(404)
        if params or "requestBody" in operation:
            expected.add(422)
        assert expected <= set(responses), (method, path, sorted(responses))
        for status, response in responses.items():
            if status >= 400:
                content = response["content"]["application/json"]["schema"]
                assert content == {"$ref": ERROR_REF}, (method, path, status)
                assert response["description"]


def test_every_integer_a_client_sends_is_bounded(schema):
    components = schema["components"]["schemas"]

    def integers(node, where):
        if isinstance(node, dict):
            if node.get("type") == "integer":
                yield where, node
            for key, value in node.items():
                yield from integers(value, f"{where}.{key}")
        elif isinstance(node, list):
            for i, value in enumerate(node):
                yield from integers(value, f"{where}[{i}]")

    sent = []
    for path, method, operation in operations(schema):
        for param in operation.get("parameters", []):
            sent += integers(param["schema"], f"{method} {path} {param['name']}")
        if body := operation.get("requestBody"):
            sent += integers(body, f"{method} {path} body")
    for name, component in components.items():
        if name.endswith("In"):
            sent += integers(component, name)
    assert sent
    for where, node in sent:
        assert node.get("maximum", MAX_INT + 1) <= MAX_INT, where
        assert "minimum" in node, where


def test_operations_have_tags_summaries_and_unique_ids(schema):
    ids = [operation["operationId"] for _, _, operation in operations(schema)]
    assert len(ids) == len(set(ids))
    for path, method, operation in operations(schema):
        assert operation.get("tags") and operation.get("summary"), (method, path)


def test_the_main_request_bodies_carry_examples(schema):
    components = schema["components"]["schemas"]
    for name in ("Credentials", "HeartbeatIn", "AnswersIn", "RecordChangeIn"):
        assert components[name]["examples"], name


# -- Everything under /api/v1/ answers JSON ------------------------------------------------


def _api_routes():
    """Every route of the API as the URL resolver has it, e.g. ``courses/<int:course_id>``."""

    def walk(patterns, prefix):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern):
                yield prefix + str(pattern.pattern)

    return [route for route in walk(get_resolver().url_patterns, "") if "<int:" in route]


def test_every_route_with_an_id_answers_json_for_an_id_that_is_not_a_number(demo, client):
    token_user = "member"
    token = client.post(
        "/api/v1/auth/token",
        {"username": token_user, "password": "Demo!pass2026"},
        content_type="application/json",
    ).json()["token"]
    routes = _api_routes()
    assert any(route.startswith("api/v1/") for route in routes)
    for route in routes:
        if not route.startswith("api/v1/"):
            continue
        for bad in ("AAA", "-1", "1.5"):
            path = "/" + re.sub(r"<int:\w+>", bad, route)
            for method in ("get", "post", "put", "delete"):
                response = getattr(client, method)(path, HTTP_ACCEPT_LANGUAGE="en", **bearer(token))
                assert response.status_code == 404, (method, path)
                assert response["Content-Type"].startswith("application/json"), (method, path)
                assert response.json() == {"detail": "There is no such address in the API."}


@pytest.mark.parametrize(
    "path", ["/api/v1/nothing-here", "/api/v1/me/", "/api/v1/courses/1/enrol/", "/api/v1/x/y/z"]
)
@pytest.mark.parametrize("method", ["get", "post", "put", "delete"])
def test_unknown_addresses_answer_json_404_in_the_callers_language(client, path, method):
    response = getattr(client, method)(path, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json() == {"detail": "API 中没有这个地址。"}


def test_a_method_a_route_does_not_take_answers_json_405_with_allow(demo, client, get_token):
    response = client.delete("/api/v1/me", HTTP_ACCEPT_LANGUAGE="en", **bearer(get_token("member")))
    assert response.status_code == 405
    assert response["Allow"] == "GET"
    assert response.json() == {"detail": "This address does not take this method."}


@pytest.mark.parametrize("body", [b"\x00{", b"[null, null]", b"5", b'"text"'])
def test_a_body_that_is_not_a_json_object_is_a_400_in_the_callers_language(
    demo, client, get_token, body
):
    # Even where every field of the body may be left out (the reason to cancel).
    token = get_token("admin")
    for path in ("/api/v1/quiz-attempts/1/answers", "/api/v1/redemptions/1/cancel"):
        method = client.put if path.endswith("answers") else client.post
        response = method(
            path,
            body,
            content_type="application/json",
            HTTP_ACCEPT_LANGUAGE="zh-hans",
            **bearer(token),
        )
        assert response.status_code == 400
        assert response.json() == {"detail": "请求的正文不是有效的 JSON 对象。"}


# -- Request schemas say what is required ---------------------------------------------------


def test_a_new_record_says_its_required_fields_and_a_change_which_may_change(schema):
    components = schema["components"]["schemas"]
    body = schema["paths"]["/api/v1/record-changes"]["post"]["requestBody"]
    variants = {
        ref["$ref"].split("/")[-1] for ref in body["content"]["application/json"]["schema"]["anyOf"]
    }
    assert variants == {"RecordChangeIn", "NewRecordIn"}
    new = components["NewRecordValuesIn"]
    assert set(new["required"]) == {"member_number", "name", "unit", "status"}
    change = components["RecordValuesIn"]
    assert "required" not in change
    assert "member_number" not in change["properties"]
    assert change["additionalProperties"] is False
    assert set(change["properties"]["status"]["enum"]) == {
        "active",
        "transferred",
        "suspended",
        "deceased",
    }


def test_a_new_record_without_its_required_fields_is_refused_naming_them(demo, client, get_token):
    response = client.post(
        "/api/v1/record-changes",
        {"member_id": None, "values": {"phone": "13900000000"}},
        content_type="application/json",
        **bearer(get_token("clerk")),
    )
    assert response.status_code == 422
    missing = {
        error["loc"][-1] for error in response.json()["errors"] if error["type"] == "missing"
    }
    assert {"member_number", "name", "unit", "status"} <= missing
    # No validator's name in the locations: only the fields.
    assert all(
        not str(part).startswith("function") for e in response.json()["errors"] for part in e["loc"]
    )


def test_a_change_to_a_field_that_is_not_a_record_field_is_refused(demo, client, get_token):
    from dj_learning.members.models import Member

    member = Member.objects.get(member_number="DH0108")
    response = client.post(
        "/api/v1/record-changes",
        {"member_id": member.pk, "values": {"phone": "13911112222", "salary": "1", "join_date": 0}},
        content_type="application/json",
        **bearer(get_token("clerk")),
    )
    assert response.status_code == 422
    locations = [e["loc"] for e in response.json()["errors"]]
    assert ["body", "body", "values", "salary"] in locations
    assert ["body", "body", "values", "join_date"] in locations  # a date is text, not a number


def test_a_schema_valid_new_record_is_accepted(demo, client, get_token):
    response = client.post(
        "/api/v1/record-changes",
        {
            "values": {
                "member_number": "DH0199",
                "name": "赵敏",
                "unit": "r1-branch-1",
                "status": "active",
                "gender": "",
                "phone": None,
            },
            "reason": "新党员",
        },
        content_type="application/json",
        **bearer(get_token("clerk")),
    )
    assert response.status_code == 201, response.content
    assert response.json()["kind"] == "create"
    assert response.json()["changes"]["name"] == ["", "赵敏"]


@pytest.mark.parametrize(
    ("username", "unit", "status"),
    [("member", "r1-branch-1", 403), ("clerk", "region-2", 404), ("clerk", "no-such-unit", 404)],
)
def test_a_new_record_outside_the_callers_units_is_refused(
    demo, client, get_token, username, unit, status
):
    values = {"member_number": "DH0198", "name": "钱伟", "unit": unit, "status": "active"}
    response = client.post(
        "/api/v1/record-changes",
        {"values": values},
        content_type="application/json",
        **bearer(get_token(username)),
    )
    assert response.status_code == status
    assert response.json()["detail"]
