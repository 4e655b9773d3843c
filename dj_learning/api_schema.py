"""What every app's API router shares: the error answer, bounded ids and pagination.

It sits below every app, so any app's ``api.py`` may import it (the ``api``
package, which mounts the routers, sits above them all). The ``api`` package
documents by itself the errors any operation can give (401 without a valid
token, 404 for an id in the path, 422 for invalid input, 429 when throttled);
an operation declares in its ``response`` only the errors of its own rules::

    @router.post("/me/rewards/{int:item_id}/redeem",
                 response={201: RedemptionOut, **errors(409)})
    def redeem(request, item_id: Id): ...

See docs/reference/api.md, "Adding routes".
"""

from decimal import Decimal
from typing import Annotated, Any

from ninja import Field, Schema
from ninja.pagination import LimitOffsetPagination
from pydantic import WithJsonSchema

#: The largest integer a JavaScript client reads exactly (2**53 - 1), and well
#: inside what every database takes: the bound of every id and count in the API.
MAX_INT = 2**53 - 1

#: A database id, in a path or a body: a positive integer a client can hold.
Id = Annotated[int, Field(ge=1, le=MAX_INT)]

#: Text without NUL characters (which no database column holds).
NO_NUL = r"^[^\x00]*$"
Text = Annotated[str, Field(pattern=NO_NUL)]

#: A decimal a client sends: a JSON number, or a string of digits (``"2.5"``). pydantic
#: documents any string, which would tell a client (and a fuzzer) that ``"abc"`` is valid.
DecimalIn = Annotated[
    Decimal,
    WithJsonSchema(
        {"anyOf": [{"type": "number"}, {"type": "string", "pattern": r"^[+-]?\d+(\.\d+)?$"}]},
        mode="validation",
    ),
]


class FieldErrorOut(Schema):
    """One invalid input: where (``["body", "beat", "seconds"]``) and what is wrong."""

    loc: list[str | int]
    msg: str
    type: str


class ErrorOut(Schema):
    """Every error the API answers: a message in the caller's language.

    ``errors`` lists the invalid inputs of a 422, when the API can name them.
    """

    detail: str = Field(examples=["Not found, or not yours to see."])
    errors: list[FieldErrorOut] | None = None


def errors(*statuses):
    """``{status: ErrorOut}`` for the ``response`` of an operation that can answer them."""
    return dict.fromkeys(statuses, ErrorOut)


class PageIn(Schema):
    limit: int = Field(100, ge=1, le=1000)
    offset: int = Field(0, ge=0, le=MAX_INT)


class Pagination(LimitOffsetPagination):
    """``limit`` (1 to 1000, 100 by default) and ``offset``, answered as ``{items, count}``."""

    Input = PageIn


def example(**values: Any):
    """The ``json_schema_extra`` that shows ``values`` as the schema's example."""
    return {"examples": [values]}
