"""Grading: pure functions of a question's snapshot and a member's response.

Nothing here reads the database, so grading a 100-question attempt costs no
queries and a past attempt is graded from what it stored, never from the
questions as they are now. The snapshot of a question is a dict::

    {"position": 1, "id": 42, "kind": "single", "text": "...", "points": "2.00",
     "explanation": "...", "image": None, "data": {...}}

with ``data`` as documented in ``models`` (options in the order the member
saw them; a matching question adds ``"choices"``, its right-hand answers in
the order shown).
"""

import math
import random
import re
import unicodedata
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from .models import AnswerState, QuestionKind

CENT = Decimal("0.01")
_SPACE = re.compile(r"\s+")


@dataclass
class Grade:
    """The outcome of one question: ``score`` is ``None`` while it waits for a marker."""

    score: Decimal | None
    max_score: Decimal
    state: str
    feedback: str = ""


def normalise_text(value):
    """Text as compared in fill-in-the-blank answers.

    NFKC makes full-width letters, digits and punctuation equal to their
    half-width forms (``ＡＢＣ１２３`` = ``ABC123``, ``，`` = ``,``); case is
    ignored; runs of whitespace count as one space, and spaces at the ends
    and between Chinese characters do not count.
    """
    text = unicodedata.normalize("NFKC", str(value)).casefold()
    text = _SPACE.sub(" ", text).strip()
    return re.sub(r"(?<=[^\x00-\x7f]) (?=[^\x00-\x7f])", "", text)


def parse_number(value):
    """A response as a float (full-width digits and a decimal comma accepted), or ``None``."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return float(value) if math.isfinite(value) else None
    text = unicodedata.normalize("NFKC", str(value)).strip().replace(" ", "")
    if text.count(",") == 1 and "." not in text:
        text = text.replace(",", ".")
    try:
        number = float(text)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _score(points, fraction):
    fraction = min(1.0, max(0.0, fraction))
    return (Decimal(points) * Decimal(str(round(fraction, 6)))).quantize(CENT, ROUND_HALF_UP)


def _state(fraction):
    if fraction >= 1 - 1e-9:
        return AnswerState.RIGHT
    if fraction > 1e-9:
        return AnswerState.PARTIAL
    return AnswerState.WRONG


def is_blank(kind, response):
    if response is None:
        return True
    if kind == QuestionKind.MULTIPLE:
        return not response
    if kind == QuestionKind.MATCHING:
        return not isinstance(response, dict) or not any(response.values())
    if kind == QuestionKind.TRUEFALSE:
        return not isinstance(response, bool)
    return str(response).strip() == ""


def _choice_fraction(data, kind, response):
    options = {str(o["id"]): o for o in data["options"]}
    if kind == QuestionKind.SINGLE:
        option = options.get(str(response))
        return (float(option.get("fraction", 0)), option.get("feedback", "")) if option else (0, "")
    chosen = {str(r) for r in response if str(r) in options}
    feedback = " ".join(
        options[i].get("feedback", "") for i in sorted(chosen) if options[i].get("feedback")
    )
    right = {i for i, o in options.items() if o.get("fraction", 0) > 0}
    if not data.get("partial"):
        return (1.0 if chosen == right else 0.0), feedback
    # Partial credit: the weights of the chosen options, the right ones scaled to add up
    # to 1. Where no option carries a negative weight, each wrong option chosen takes
    # away as much as a right one gives, so ticking everything never earns full marks.
    total = sum(options[i]["fraction"] for i in right)
    has_negative = any(o.get("fraction", 0) < 0 for o in options.values())
    fraction = 0.0
    for option_id in chosen:
        weight = float(options[option_id].get("fraction", 0))
        if weight > 0:
            fraction += weight / total
        elif weight < 0:
            fraction += weight
        elif not has_negative:
            fraction -= 1 / len(right)
    return fraction, feedback


def grade(question, response):
    """Grade one question of a snapshot. Returns a ``Grade``; never raises on bad input.

    Negative weights are floored at 0 per question: a question never takes
    away points earned on others.
    """
    kind = question["kind"]
    data = question.get("data") or {}
    points = Decimal(str(question["points"]))
    if kind == QuestionKind.SHORT:
        if is_blank(kind, response):
            return Grade(Decimal("0.00"), points, AnswerState.UNANSWERED)
        return Grade(None, points, AnswerState.PENDING)
    if is_blank(kind, response):
        return Grade(Decimal("0.00"), points, AnswerState.UNANSWERED)
    fraction, feedback = 0.0, ""
    try:
        if kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
            if kind == QuestionKind.MULTIPLE and not isinstance(response, list):
                response = [response]
            fraction, feedback = _choice_fraction(data, kind, response)
        elif kind == QuestionKind.TRUEFALSE:
            right = response is data["answer"]
            fraction = 1.0 if right else 0.0
            feedback = data.get("feedback_true" if response else "feedback_false", "")
        elif kind == QuestionKind.FILL:
            given = normalise_text(response)
            for answer in data["answers"]:
                if normalise_text(answer["text"]) == given and answer.get("fraction", 1) > fraction:
                    fraction = float(answer.get("fraction", 1))
                    feedback = answer.get("feedback", "")
        elif kind == QuestionKind.NUMERICAL:
            number = parse_number(response)
            if number is not None:
                for answer in data["answers"]:
                    within = abs(number - answer["value"]) <= answer.get("tolerance", 0) + 1e-9
                    if within and answer.get("fraction", 1) > fraction:
                        fraction = float(answer.get("fraction", 1))
                        feedback = answer.get("feedback", "")
        elif kind == QuestionKind.MATCHING:
            pairs = [p for p in data["pairs"] if str(p.get("left", "")).strip()]
            right = sum(
                1
                for p in pairs
                if normalise_text(response.get(str(p["id"])) or "") == normalise_text(p["right"])
            )
            fraction = right / len(pairs) if pairs else 0.0
    except (KeyError, TypeError, AttributeError, ValueError):
        fraction = 0.0  # a malformed response earns nothing rather than an error
    return Grade(_score(points, fraction), points, _state(fraction), feedback)


def grade_all(questions, responses):
    """``[Grade]`` for each question of a snapshot, given ``{position: response}``."""
    return [grade(q, responses.get(str(q["position"]))) for q in questions]


# -- Building and showing a snapshot ---------------------------------------------------


def shuffled(questions, seed, *, shuffle_questions=True, shuffle_options=True):
    """The attempt's questions in the order a member sees them, numbered from 1.

    ``questions`` are snapshot dicts without positions. The same seed gives
    the same order, so an attempt's order can be rebuilt from its seed. A
    choice question with ``"keep_order"`` keeps its options in order.
    """
    rng = random.Random(seed)
    questions = [dict(q, data=dict(q.get("data") or {})) for q in questions]
    if shuffle_questions:
        rng.shuffle(questions)
    for position, question in enumerate(questions, 1):
        question["position"] = position
        data = question["data"]
        if (
            question["kind"] in (QuestionKind.SINGLE, QuestionKind.MULTIPLE)
            and shuffle_options
            and not question.get("keep_order")
        ):
            options = list(data["options"])
            rng.shuffle(options)
            data["options"] = options
        if question["kind"] == QuestionKind.MATCHING:
            pairs = list(data.get("pairs", []))
            choices = sorted({p["right"] for p in pairs})
            rng.shuffle(choices)
            data["choices"] = choices
            lefts = [p for p in pairs if str(p.get("left", "")).strip()]
            if shuffle_options:
                rng.shuffle(lefts)
            data["pairs"] = lefts + [p for p in pairs if not str(p.get("left", "")).strip()]
    return questions


def for_member(question):
    """What a member may see of a question while answering: never answers or weights."""
    kind = question["kind"]
    data = question.get("data") or {}
    shown = {
        "position": question["position"],
        "kind": kind,
        "text": question["text"],
        "points": str(question["points"]),
        "image": question.get("image"),
    }
    if kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
        shown["options"] = [{"id": str(o["id"]), "text": o["text"]} for o in data["options"]]
    elif kind == QuestionKind.MATCHING:
        shown["items"] = [
            {"id": str(p["id"]), "text": p["left"]}
            for p in data["pairs"]
            if str(p.get("left", "")).strip()
        ]
        shown["choices"] = list(data.get("choices", []))
    return shown


def correct_answer(question):
    """The right answer of a snapshot question, as text for a review page."""
    kind = question["kind"]
    data = question.get("data") or {}
    if kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
        return "; ".join(o["text"] for o in data["options"] if o.get("fraction", 0) > 0)
    if kind == QuestionKind.TRUEFALSE:
        return data.get("answer")
    if kind == QuestionKind.FILL:
        return " / ".join(a["text"] for a in data["answers"] if a.get("fraction", 1) >= 1)
    if kind == QuestionKind.NUMERICAL:
        best = [a for a in data["answers"] if a.get("fraction", 1) >= 1] or data["answers"]
        return " / ".join(
            f"{a['value']:g}" + (f" ± {a['tolerance']:g}" if a.get("tolerance") else "")
            for a in best
        )
    if kind == QuestionKind.MATCHING:
        return "; ".join(f"{p['left']} → {p['right']}" for p in data["pairs"] if p.get("left"))
    return data.get("guide", "")
