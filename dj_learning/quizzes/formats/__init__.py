"""Question file formats: Moodle's GIFT and the Excel/CSV template.

Both work on *neutral question dicts*, plain Python with no model in sight, so
they can be tested and reused on their own::

    {
        "category": "党史/基础",   # path, "" for the bank's top level
        "kind": "single",          # see KINDS
        "name": "",                # may be blank
        "text": "……",              # the stem; a fill-in blank is "____"
        "points": Decimal("1"),
        "explanation": "",         # general feedback shown after grading
        "data": {...},             # per kind, see docs/quizzes.md
    }

``parse(...)`` returns a :class:`ParseResult` (questions and warnings) and
raises :class:`FormatError` naming the line (GIFT) or row and column (table)
of the first problem; ``dump(questions)`` writes the format back so that
``parse(dump(x)).questions == x``.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _

KINDS = ("single", "multiple", "truefalse", "fill", "matching", "numerical", "short")

# The blank of a fill-in-the-middle ("missing word") question.
BLANK = "____"


class FormatError(ValueError):
    """A question file that cannot be read; ``str()`` names where and why."""

    def __init__(self, message, *, line=None, row=None, column=None):
        self.message = str(message)
        self.line = line
        self.row = row
        self.column = column
        super().__init__(self.where() + self.message)

    def where(self):
        if self.line is not None:
            return _("Line %(line)s: ") % {"line": self.line}
        if self.row is not None and self.column:
            return _("Row %(row)s, column %(column)s: ") % {
                "row": self.row,
                "column": self.column,
            }
        if self.row is not None:
            return _("Row %(row)s: ") % {"row": self.row}
        return ""


@dataclass
class FormatWarning:
    """Something read but not imported (a GIFT description item, for one)."""

    message: str
    line: int | None = None
    row: int | None = None

    def __str__(self):
        if self.line is not None:
            return _("Line %(line)s: ") % {"line": self.line} + self.message
        if self.row is not None:
            return _("Row %(row)s: ") % {"row": self.row} + self.message
        return self.message


@dataclass
class ParseResult:
    questions: list = field(default_factory=list)
    warnings: list = field(default_factory=list)
    # Where each question starts: a line (GIFT) or a row (table) number.
    positions: list = field(default_factory=list)


def option_id(index):
    """The default id of the index-th option: a, b, … z, aa, ab, …"""
    letters = "abcdefghijklmnopqrstuvwxyz"
    if index < len(letters):
        return letters[index]
    return option_id(index // len(letters) - 1) + letters[index % len(letters)]


def pair_id(index):
    return str(index + 1)


def percent(fraction):
    """A fraction as the shortest exact percentage text: 0.5 -> "50"."""
    value = Decimal(repr(float(fraction))) * 100
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "0") else text


def from_percent(text):
    """The inverse of :func:`percent`, exact for what it wrote."""
    return float(Decimal(text) / 100)


def number(value):
    """A float as short text that reads back equal: 2.0 -> "2", 0.1 -> "0.1"."""
    value = float(value)
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def points_text(points):
    return format(Decimal(points).normalize(), "f")


def normalise(question):
    """A question dict as the formats write and read it back.

    Fills in what the data contract lets a question leave out (feedback "",
    a fill answer's fraction 1, a tolerance 0, a multiple choice's
    ``partial`` False), drops ``partial`` from single choice (it means
    nothing there) and keys the formats do not carry. Points become Decimal.
    """
    kind = question["kind"]
    data = question.get("data") or {}
    if kind in ("single", "multiple"):
        out = {
            "options": [
                {
                    "id": str(o.get("id", "")),
                    "text": o.get("text", ""),
                    "fraction": float(o.get("fraction", 0)),
                    "feedback": o.get("feedback", "") or "",
                }
                for o in data.get("options", [])
            ]
        }
        if kind == "multiple":
            out["partial"] = bool(data.get("partial", False))
    elif kind == "truefalse":
        out = {
            "answer": data.get("answer"),
            "feedback_true": data.get("feedback_true", "") or "",
            "feedback_false": data.get("feedback_false", "") or "",
        }
    elif kind == "fill":
        out = {
            "answers": [
                {
                    "text": a.get("text", ""),
                    "fraction": float(a.get("fraction", 1)),
                    "feedback": a.get("feedback", "") or "",
                }
                for a in data.get("answers", [])
            ]
        }
    elif kind == "matching":
        out = {
            "pairs": [
                {"id": str(p.get("id", "")), "left": p.get("left", ""), "right": p.get("right", "")}
                for p in data.get("pairs", [])
            ]
        }
    elif kind == "numerical":
        out = {
            "answers": [
                {
                    "value": float(a.get("value", 0)),
                    "tolerance": float(a.get("tolerance", 0) or 0),
                    "fraction": float(a.get("fraction", 1)),
                    "feedback": a.get("feedback", "") or "",
                }
                for a in data.get("answers", [])
            ]
        }
        if data.get("feedback_other"):
            out["feedback_other"] = data["feedback_other"]
    else:
        out = {"guide": data["guide"]} if data.get("guide") else {}
    return {
        "category": question.get("category", "") or "",
        "kind": kind,
        "name": question.get("name", "") or "",
        "text": question.get("text", ""),
        "points": Decimal(question.get("points", 1)),
        "explanation": question.get("explanation", "") or "",
        "data": out,
    }
