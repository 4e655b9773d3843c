"""The OpenAPI document as a contract a client can be generated from.

ninja writes the schema of each route; this adds what a generated client needs
and ninja leaves out:

- every error an operation can answer, with the error schema: the ones every
  operation of its kind can give (below), plus those its route declares in its
  ``response`` (``dj_learning.api_schema.errors``);
- one name per schema component: two different schemas under one name make
  building the document fail (ninja would silently keep the last one, and a
  generated client would read one app's answers with another app's type).
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
