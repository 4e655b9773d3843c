"""The OpenAPI document as a contract a client can be generated from.

ninja writes the schema of each route; this adds what a generated client needs
and ninja leaves out:

- every error an operation can answer, with the error schema: the ones every
  operation of its kind can give (below), plus those its route declares in its
  ``response`` (``dj_learning.api_schema.errors``);
- one name per schema component: two different schemas under one name make
  building the document fail (ninja would silently keep the last one, and a
  generated client would read one app's answers with another app's type);
- links: where the id an answer holds is the next step's path parameter (start
  an attempt, then save its answers, then submit), the answer says so, as
  OpenAPI links (``LINKS``). A generated client reads them as documentation; a
  tester that follows them (schemathesis' stateful phase) walks the flows.
"""

from django.core.exceptions import ImproperlyConfigured
from ninja.openapi.schema import BODY_CONTENT_TYPES, REF_TEMPLATE, OpenAPISchema
from ninja.schema import NinjaGenerateJsonSchema

from dj_learning.api_schema import ErrorOut

UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}

#: What each error means when the API answers it for any operation of its kind.
GENERIC_ERRORS = {
    400: "The body is not a JSON object.",
    401: "No credentials, or a token that is unknown, expired or revoked.",
    403: "Signed in with the session cookie but without the CSRF token.",
    404: "No such object, or not yours to see (the two look the same).",
    422: "The parameters or the body are not valid; `errors` names each invalid input.",
    429: "Too many requests; `Retry-After` says how many seconds to wait.",
}


def _link(operation_id, **parameters):
    return {"operationId": operation_id, "parameters": parameters}


_ID = "$response.body#/id"
_FIRST_ID = "$response.body#/0/id"

#: The flows a client follows: {operationId: {status: {link name: link}}}, each link
#: naming the operation whose path parameter the answer's id fills.
LINKS = {
    "orgs_get_unit": {200: {"UnitReport": _link("credits_unit_report", unit_id=_ID)}},
    "courses_get_course": {200: {"Enrol": _link("courses_enrol", course_id=_ID)}},
    "quizzes_get_quiz": {200: {"StartAttempt": _link("quizzes_start_attempt", quiz_id=_ID)}},
    "quizzes_start_attempt": {
        200: {
            "GetAttempt": _link("quizzes_get_attempt", attempt_id=_ID),
            "SaveAnswers": _link("quizzes_save_answers", attempt_id=_ID),
            "Submit": _link("quizzes_submit", attempt_id=_ID),
        }
    },
    "quizzes_submit": {200: {"Result": _link("quizzes_result", attempt_id=_ID)}},
    "members_propose": {
        201: {
            "Approve": _link("members_approve", change_id=_ID),
            "Reject": _link("members_reject", change_id=_ID),
        }
    },
    "rewards_redeem": {
        201: {
            "Fulfil": _link("rewards_fulfil", redemption_id=_ID),
            "Cancel": _link("rewards_cancel", redemption_id=_ID),
        }
    },
    "activities_my_activities": {
        200: {
            "SignUp": _link("activities_signup", activity_id=_FIRST_ID),
            "CurrentCode": _link("activities_current_code", activity_id=_FIRST_ID),
            "CheckIn": _link("activities_checkin", activity_id=_FIRST_ID),
        }
    },
    "activities_log_volunteer": {
        201: {"AttachProof": _link("activities_attach_volunteer_proof", volunteering_id=_ID)}
    },
    "voice_create_suggestion": {
        201: {
            "GetSuggestion": _link("voice_get_suggestion", suggestion_id=_ID),
            "Reply": _link("voice_reply_suggestion", suggestion_id=_ID),
        }
    },
    "voice_get_poll": {
        200: {
            "Respond": _link("voice_respond", poll_id=_ID),
            "Results": _link("voice_poll_results", poll_id=_ID),
        }
    },
}


def add_links(paths, operation_ids):
    """Put ``LINKS`` in the answers of ``paths``: only those whose target the API has
    (a site without an optional app has none of its operations)."""
    for operations in paths.values():
        for operation in operations.values():
            for status, links in LINKS.get(operation["operationId"], {}).items():
                kept = {
                    name: link
                    for name, link in links.items()
                    if link["operationId"] in operation_ids
                }
                if kept:
                    operation["responses"][status]["links"] = kept


def generic_errors(operation):
    """The error statuses ``operation`` can answer whatever its route does."""
    sources = {model.__ninja_param_source__ for model in operation.models}
    statuses = set()
    if sources & set(BODY_CONTENT_TYPES):
        statuses.add(400)
    if operation.auth_callbacks:
        statuses.add(401)
        if set(operation.methods) & UNSAFE_METHODS:
            statuses.add(403)
    if "path" in sources:
        statuses.add(404)
    if sources:
        statuses.add(422)
    if operation.throttle_objects:
        statuses.add(429)
    return statuses


class ContractSchema(OpenAPISchema):
    def operation_details(self, operation):
        details = super().operation_details(operation)
        responses = details["responses"]
        error_content = {self.api.renderer.media_type: {"schema": self._ref(ErrorOut)}}
        for status in sorted(generic_errors(operation)):
            responses.setdefault(status, {"description": GENERIC_ERRORS[status]})
        for status, response in responses.items():
            if status >= 400:
                response.setdefault("content", error_content)
        details["responses"] = dict(sorted(responses.items()))
        return details

    def get_paths(self):
        paths = super().get_paths()
        add_links(paths, self.all_operation_ids)
        return paths

    def _ref(self, model):
        schema = model.model_json_schema(
            ref_template=REF_TEMPLATE,
            schema_generator=NinjaGenerateJsonSchema,
            mode="serialization",
        )
        self.add_schema_definitions({model.__name__: schema, **schema.pop("$defs", {})})
        return {"$ref": REF_TEMPLATE.format(model=model.__name__)}

    def add_schema_definitions(self, definitions):
        for name, schema in definitions.items():
            if name in self.schemas and self.schemas[name] != schema:
                raise ImproperlyConfigured(
                    f"Two API schemas are named {name!r}: give one of them another name "
                    "(schema names are the types of generated clients)."
                )
        super().add_schema_definitions(definitions)
