"""Moodle's GIFT format: parse a GIFT text into neutral question dicts, dump back.

Follows Moodle's own reader (``question/format/gift/format.php``):

- questions are separated by blank lines; lines are trimmed; whole lines
  starting with ``//`` are comments;
- ``$CATEGORY: path`` switches the category of the questions after it (the
  ``$course$/top/`` prefix Moodle writes is dropped, ``top`` alone is the bank's
  top level);
- ``::name::`` names a question; ``[html]``, ``[moodle]``, ``[plain]`` and
  ``[markdown]`` before a text are read and dropped (the text is kept as
  written: a stem may be plain text or simple HTML);
- the answer block ``{...}`` decides the kind: ``{}`` essay (``short``), ``{#...}``
  numerical, a ``~`` multiple choice (``single`` when one answer starts with
  ``=``, else ``multiple`` with partial credit by weights), ``=a -> b``
  matching, ``{T}``/``{TRUE}``/``{F}``/``{FALSE}`` true/false, otherwise short
  answer (``fill``); a block in the middle of the text leaves the blank
  ``____`` there (Moodle's "missing word");
- ``%50%`` weights, ``#feedback`` per answer, ``####general feedback``
  (the explanation); ``\\~ \\= \\# \\{ \\} \\: \\\\`` escapes and ``\\n`` a
  newline.

What GIFT cannot say (points, all-or-nothing multiple choice, option ids that
are not a, b, c…) is written on a comment line Moodle ignores, directly above
the question: ``// dj-learning points=2 partial=false`` (and a short answer's
marking guide on ``// dj-learning-guide: ...``).

A question without an answer block is a Moodle *description*: it has no
answer and no grade, so it is skipped with a warning rather than refused.
"""

import re
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from . import (
    BLANK,
    KINDS,
    FormatError,
    FormatWarning,
    ParseResult,
    from_percent,
    normalise,
    number,
    option_id,
    pair_id,
    percent,
    points_text,
)

# Escaped characters become private-use characters while parsing, so that
# they never act as syntax; they turn back into the characters at the end.
_ESCAPES = {
    "\\": "\ue000",
    "~": "\ue001",
    "=": "\ue002",
    "#": "\ue003",
    "{": "\ue004",
    "}": "\ue005",
    ":": "\ue006",
    "n": "\ue007",
}
_UNESCAPE = {v: ("\n" if k == "n" else k) for k, v in _ESCAPES.items()}
_UNESCAPE_TABLE = str.maketrans(_UNESCAPE)

_FORMAT_RE = re.compile(r"\[(html|moodle|plain|markdown)\]")
_WEIGHT_RE = re.compile(r"%(-?\d+(?:\.\d+)?)%")
_DIRECTIVE_RE = re.compile(r"//\s*dj-learning\s(.*)$")
_GUIDE_RE = re.compile(r"//\s*dj-learning-guide:(.*)$")
_CONTEXT_RE = re.compile(r"^\$[a-z0-9]+\$/?")
_TRUE_FALSE = {"T": True, "TRUE": True, "F": False, "FALSE": False}


def _escape_pre(text):
    out = []
    i = 0
    while i < len(text):
        char = text[i]
        if char == "\\" and i + 1 < len(text) and text[i + 1] in _ESCAPES:
            out.append(_ESCAPES[text[i + 1]])
            i += 2
            continue
        out.append(char)
        i += 1
    return "".join(out)


def _unescape(text):
    return text.translate(_UNESCAPE_TABLE)


class _Block:
    """One question's lines joined, with a way back from offsets to lines."""

    def __init__(self, lines, first_line):
        self.first_line = first_line
        self.directives = {}
        self.directive_line = None
        self.guide = None
        content = []
        for offset, line in enumerate(lines):
            if line.startswith("//"):
                guide = _GUIDE_RE.match(line)
                match = _DIRECTIVE_RE.match(line)
                if guide:
                    self.guide = _unescape(_escape_pre(guide.group(1))).strip()
                elif match:
                    self._read_directives(match.group(1), first_line + offset)
                content.append("")
            else:
                content.append(line)
        self.text = _escape_pre("\n".join(content))

    def _read_directives(self, text, line):
        self.directive_line = line
        for item in text.split():
            key, sep, value = item.partition("=")
            if not sep or key not in ("points", "partial", "kind", "ids"):
                raise FormatError(
                    _("unknown dj-learning option “%(option)s”.") % {"option": item}, line=line
                )
            self.directives[key] = value

    def line(self, offset):
        return self.first_line + self.text.count("\n", 0, offset)

    def error(self, message, offset):
        return FormatError(message, line=self.line(offset))


def _blocks(text):
    lines = text.lstrip("\ufeff").splitlines()
    current, start = [], None
    for number_, raw in enumerate(lines, start=1):
        line = raw.strip()
        if not line:
            if current:
                yield _Block(current, start)
            current, start = [], None
            continue
        if start is None:
            start = number_
        current.append(line)
    if current:
        yield _Block(current, start)


def _split_format(text):
    """Drop a leading [format] tag; returns (format, rest)."""
    stripped = text.lstrip()
    match = _FORMAT_RE.match(stripped)
    if match:
        return match.group(1), stripped[match.end() :]
    return None, text


def _clean(text, default_format="moodle"):
    """Text as stored: format tag dropped, escapes resolved, trimmed.

    The stem is plain text or simple HTML, so [html] text is kept as written.
    """
    _fmt, text = _split_format(text)
    return _unescape(text).strip()


def _segments(text, start, markers):
    """Split text[start:] before each marker; yields (marker, body, offset)."""
    pieces = []
    current_marker, current_start = None, start
    for i in range(start, len(text)):
        if text[i] in markers:
            pieces.append((current_marker, text[current_start:i], current_start))
            current_marker, current_start = text[i], i + 1
    pieces.append((current_marker, text[current_start:], current_start))
    return pieces


def _answers(block, text, start, markers, *, leading_allowed=False):
    """The answers of a block: [(marker, body, offset)], text before the first
    marker refused unless ``leading_allowed`` (short answer ``{two}``)."""
    pieces = _segments(text, start, markers)
    first_marker, first_body, first_offset = pieces[0]
    if first_body.strip():
        if not leading_allowed:
            raise block.error(
                _("“%(text)s” comes before the first answer; start each answer with = or ~.")
                % {"text": _unescape(first_body.strip())},
                first_offset,
            )
        return pieces
    return pieces[1:]


def _weight(block, body, offset):
    """A leading %n% weight: returns (fraction or None, rest)."""
    stripped = body.lstrip()
    if not stripped.startswith("%"):
        return None, body
    match = _WEIGHT_RE.match(stripped)
    if not match:
        raise block.error(
            _("the weight “%(text)s” is not a percentage like %%50%% or %%-25%%.")
            % {"text": _unescape(stripped.split()[0] if stripped.split() else stripped)},
            offset,
        )
    value = Decimal(match.group(1))
    if not -100 <= value <= 100:
        raise block.error(
            _("the weight %(weight)s%% is outside -100%% to 100%%.") % {"weight": match.group(1)},
            offset,
        )
    return from_percent(match.group(1)), stripped[match.end() :]


def _feedback(body, default_format):
    text, _sep, feedback = body.partition("#")
    return _clean(text, default_format), _clean(feedback, default_format)


def _parse_number(block, text, offset):
    text = _unescape(text).strip()
    try:
        value = float(Decimal(text))
    except (InvalidOperation, ValueError):
        raise block.error(_("“%(text)s” is not a number.") % {"text": text}, offset) from None
    return value


def _detect(answer_text):
    if answer_text == "":
        return "short"
    if answer_text.startswith("#"):
        return "numerical"
    if "~" in answer_text:
        return "choice"
    if "=" in answer_text and "->" in answer_text:
        return "matching"
    head = answer_text.split("#", 1)[0].strip()
    if head in _TRUE_FALSE:
        return "truefalse"
    return "fill"


def _parse_question(block, category):
    text = block.text
    start = len(text) - len(text.lstrip())
    if text.startswith("::", start):
        end = text.find("::", start + 2)
        if end < 0:
            raise block.error(_("the question name is not closed with ::."), start)
        name = _unescape(text[start + 2 : end]).strip()
        start = end + 2
    else:
        name = ""

    opens = [i for i in range(start, len(text)) if text[i] == "{"]
    closes = [i for i in range(start, len(text)) if text[i] == "}"]
    if not opens and not closes:
        return None  # a description
    if not opens:
        raise block.error(_("“}” without an opening “{”."), closes[0])
    if not closes:
        raise block.error(_("the answer block opened here is not closed with “}”."), opens[0])
    if len(opens) > 1:
        raise block.error(
            _("a second answer block; a question has one (escape a literal brace as \\{)."),
            opens[1],
        )
    if len(closes) > 1:
        raise block.error(
            _("“}” without an opening “{” (escape a literal brace as \\})."), closes[1]
        )
    open_, close = opens[0], closes[0]
    if close < open_:
        raise block.error(_("“}” before the answer block’s “{”."), close)

    before, after = text[start:open_], text[close + 1 :]
    question_format, _rest = _split_format(before)
    question_format = question_format or "moodle"
    stem = before if not after.strip() else before + BLANK + after
    stem = _clean(stem)

    # The answer block, without its general feedback.
    inner_start = open_ + 1
    inner_end = close
    general = text.rfind("####", inner_start, inner_end)
    explanation = ""
    if general >= 0:
        explanation = _clean(text[general + 4 : inner_end], question_format)
        inner_end = general
    body = text[:inner_end]  # offsets stay those of block.text
    answer_text = body[inner_start:].strip()
    detected = _detect(answer_text)
    forced = block.directives.get("kind")
    if forced and forced not in KINDS:
        raise FormatError(
            _("unknown question kind “%(kind)s”.") % {"kind": forced}, line=block.directive_line
        )
    kind = forced or detected
    if kind == "choice":
        kind = "single" if "=" in answer_text else "multiple"

    parse = _PARSERS[kind]
    data = parse(block, body, inner_start, question_format)
    if kind == "multiple":
        data["partial"] = _flag(block, block.directives.get("partial", "true"))
    _apply_ids(block, kind, data)

    points = block.directives.get("points", "1")
    try:
        points = Decimal(points)
    except InvalidOperation:
        raise FormatError(
            _("points “%(points)s” is not a number.") % {"points": points},
            line=block.directive_line,
        ) from None
    return {
        "category": category,
        "kind": kind,
        "name": name,
        "text": stem,
        "points": points,
        "explanation": explanation,
        "data": data,
    }


def _flag(block, value):
    if value in ("true", "yes", "1"):
        return True
    if value in ("false", "no", "0"):
        return False
    raise FormatError(
        _("“%(value)s” is not true or false.") % {"value": value}, line=block.directive_line
    )


def _apply_ids(block, kind, data):
    ids = block.directives.get("ids")
    if ids is None:
        return
    items = data.get("options") if kind in ("single", "multiple") else data.get("pairs")
    ids = ids.split(",")
    if items is None or len(ids) != len(items) or len(set(ids)) != len(ids) or "" in ids:
        raise FormatError(
            _("ids= lists %(count)s distinct ids; the question has %(items)s answers.")
            % {"count": len(ids), "items": len(items or [])},
            line=block.directive_line,
        )
    for item, id_ in zip(items, ids, strict=True):
        item["id"] = id_


def _parse_choice(block, text, start, fmt):
    options = []
    for marker, body, offset in _answers(block, text, start, "~="):
        weight, rest = _weight(block, body, offset)
        if weight is None:
            weight = 1.0 if marker == "=" else 0.0
        answer, feedback = _feedback(rest, fmt)
        if not answer:
            raise block.error(_("an empty answer."), offset)
        options.append(
            {
                "id": option_id(len(options)),
                "text": answer,
                "fraction": weight,
                "feedback": feedback,
            }
        )
    if len(options) < 2:
        raise block.error(_("a multiple choice question needs at least two answers."), start)
    return {"options": options}


def _parse_matching(block, text, start, fmt):
    pairs = []
    for _marker, body, offset in _answers(block, text, start, "="):
        if "->" not in body:
            raise block.error(
                _("“%(text)s” is not a pair written as =left -> right.")
                % {"text": _unescape(body.strip())},
                offset,
            )
        left, _arrow, right = body.partition("->")
        right = _unescape(right).strip()
        if not right:
            raise block.error(_("the pair has nothing after ->."), offset)
        pairs.append({"id": pair_id(len(pairs)), "left": _clean(left, fmt), "right": right})
    if sum(1 for pair in pairs if pair["left"]) < 2:
        raise block.error(_("a matching question needs at least two pairs."), start)
    return {"pairs": pairs}


def _parse_truefalse(block, text, start, fmt):
    parts = text[start:].split("#", 2)
    answer = _TRUE_FALSE.get(parts[0].strip())
    if answer is None:
        raise block.error(_("a true/false answer is T, TRUE, F or FALSE."), start)
    wrong = _clean(parts[1], fmt) if len(parts) > 1 else ""
    right = _clean(parts[2], fmt) if len(parts) > 2 else ""
    if answer:
        return {"answer": True, "feedback_true": right, "feedback_false": wrong}
    return {"answer": False, "feedback_true": wrong, "feedback_false": right}


def _parse_fill(block, text, start, fmt):
    answers = []
    for _marker, body, offset in _answers(block, text, start, "=", leading_allowed=True):
        weight, rest = _weight(block, body, offset)
        answer, feedback = _feedback(rest, fmt)
        if not answer:
            raise block.error(_("an empty answer."), offset)
        answers.append(
            {"text": answer, "fraction": 1.0 if weight is None else weight, "feedback": feedback}
        )
    if not answers:
        raise block.error(_("a short answer question needs at least one answer."), start)
    return {"answers": answers}


def _parse_numerical(block, text, start, fmt):
    hash_ = text.find("#", start)
    if hash_ < 0 or text[start:hash_].strip():
        raise block.error(_("a numerical answer block starts with #."), start)
    end = len(text)
    other = text.find("~", hash_)
    other_feedback = None
    if other >= 0:
        _head, _sep, other_feedback = text[other + 1 :].partition("#")
        other_feedback = _clean(other_feedback, fmt)
        end = other
    answers = []
    pieces = _answers(block, text[:end], hash_ + 1, "=", leading_allowed=True)
    for _marker, body, offset in pieces:
        weight, rest = _weight(block, body, offset)
        value_text, _sep, feedback = rest.partition("#")
        value_text = value_text.strip()
        if ".." in value_text[1:]:
            low, _dots, high = value_text.partition("..")
            low = _parse_number(block, low, offset)
            high = _parse_number(block, high, offset)
            if high < low:
                raise block.error(
                    _("the range %(low)s..%(high)s ends below its start.")
                    % {"low": number(low), "high": number(high)},
                    offset,
                )
            value, tolerance = (low + high) / 2, (high - low) / 2
        elif ":" in value_text[1:]:
            value, _colon, tolerance = value_text.partition(":")
            value = _parse_number(block, value, offset)
            tolerance = _parse_number(block, tolerance, offset)
        else:
            value, tolerance = _parse_number(block, value_text, offset), 0.0
        if tolerance < 0:
            raise block.error(_("a tolerance cannot be negative."), offset)
        answers.append(
            {
                "value": value,
                "tolerance": tolerance,
                "fraction": 1.0 if weight is None else weight,
                "feedback": _clean(feedback, fmt),
            }
        )
    if not answers:
        raise block.error(_("a numerical question needs at least one answer."), start)
    data = {"answers": answers}
    if other_feedback:
        data["feedback_other"] = other_feedback
    return data


def _parse_short(block, text, start, fmt):
    if text[start:].strip():
        raise block.error(_("an essay question has an empty answer block {}."), start)
    return {"guide": block.guide} if block.guide else {}


_PARSERS = {
    "single": _parse_choice,
    "multiple": _parse_choice,
    "matching": _parse_matching,
    "truefalse": _parse_truefalse,
    "fill": _parse_fill,
    "numerical": _parse_numerical,
    "short": _parse_short,
}


def _category(block):
    path = _unescape(block.text.strip()[len("$CATEGORY:") :]).strip()
    path = _CONTEXT_RE.sub("", path)
    parts = [part.strip() for part in path.split("/")]
    if parts and parts[0] == "top":
        parts = parts[1:]
    return "/".join(part for part in parts if part)


def parse(text):
    """Read a GIFT text; returns a ParseResult, raises FormatError."""
    result = ParseResult()
    category = ""
    for block in _blocks(text):
        if not block.text.strip():
            continue  # only comments
        if block.text.lstrip().startswith("$CATEGORY:"):
            category = _category(block)
            continue
        question = _parse_question(block, category)
        if question is None:
            result.warnings.append(
                FormatWarning(
                    _("a description without an answer block is not a question; skipped."),
                    line=block.first_line,
                )
            )
            continue
        result.questions.append(question)
        result.positions.append(block.line(len(block.text) - len(block.text.lstrip())))
    return result


# --- writing -------------------------------------------------------------


def _esc(text):
    text = str(text).replace("\r", "")
    out = text.replace("\\", "\\\\")
    for char in "~=#{}:":
        out = out.replace(char, "\\" + char)
    out = out.replace("\n", "\\n")
    if _FORMAT_RE.match(text.lstrip()):
        out = "[moodle]" + out  # a literal [html] at the start stays text
    return out


def _weight_text(fraction):
    return "%" + percent(fraction) + "%"


def _starts_with_weight(text):
    return bool(_WEIGHT_RE.match(text.lstrip()))


def _feedback_text(feedback):
    return "#" + _esc(feedback) if feedback else ""


def _block_choice(question):
    kind = question["kind"]
    lines = []
    for option in question["data"]["options"]:
        fraction = float(option["fraction"])
        if kind == "single" and fraction == 1:
            marker = "=%100%" if _starts_with_weight(option["text"]) else "="
        elif fraction == 0 and not _starts_with_weight(option["text"]):
            marker = "~"
        else:
            marker = "~" + _weight_text(fraction)
        lines.append("\t" + marker + _esc(option["text"]) + _feedback_text(option["feedback"]))
    return lines


def _block_matching(question):
    lines = []
    for pair in question["data"]["pairs"]:
        if "->" in pair["left"]:
            raise ValueError("a matching left side containing -> cannot be written in GIFT")
        left = _esc(pair["left"])
        lines.append("\t=" + (left + " " if left else "") + "-> " + _esc(pair["right"]))
    return lines


def _block_fill(question):
    lines = []
    for answer in question["data"]["answers"]:
        fraction = float(answer["fraction"])
        marker = "="
        if fraction != 1 or _starts_with_weight(answer["text"]):
            marker += _weight_text(fraction)
        lines.append("\t" + marker + _esc(answer["text"]) + _feedback_text(answer["feedback"]))
    return lines


def _block_numerical(question):
    lines = []
    for answer in question["data"]["answers"]:
        fraction = float(answer["fraction"])
        marker = "=" if fraction == 1 else "=" + _weight_text(fraction)
        value = number(answer["value"])
        if float(answer["tolerance"]):
            value += ":" + number(answer["tolerance"])
        lines.append("\t" + marker + value + _feedback_text(answer["feedback"]))
    if question["data"].get("feedback_other"):
        lines.append("\t~#" + _esc(question["data"]["feedback_other"]))
    return lines


def _answer_block(question):
    kind = question["kind"]
    general = "####" + _esc(question["explanation"]) if question["explanation"] else ""
    data = question["data"]
    if kind == "short":
        return "{" + general + "}"
    if kind == "truefalse":
        right = data["feedback_true"] if data["answer"] else data["feedback_false"]
        wrong = data["feedback_false"] if data["answer"] else data["feedback_true"]
        inner = "TRUE" if data["answer"] else "FALSE"
        if wrong or right:
            inner += "#" + _esc(wrong)
        if right:
            inner += "#" + _esc(right)
        return "{" + inner + general + "}"
    if kind in ("single", "multiple"):
        lines = _block_choice(question)
    elif kind == "matching":
        lines = _block_matching(question)
    elif kind == "fill":
        lines = _block_fill(question)
    elif kind == "numerical":
        lines = _block_numerical(question)
    else:
        raise ValueError(f"unknown question kind {kind!r}")
    if general:
        lines.append("\t" + general)
    head = "{#" if kind == "numerical" else "{"
    return head + "\n" + "\n".join(lines) + "\n}"


def _directives(question, extra=()):
    items = []
    if Decimal(question["points"]) != 1:
        items.append("points=" + points_text(question["points"]))
    kind, data = question["kind"], question["data"]
    if kind == "multiple" and not data.get("partial", True):
        items.append("partial=false")
    items.extend(extra)
    guide = data.get("guide", "") if kind == "short" else ""
    ids_items = data.get("options") if kind in ("single", "multiple") else data.get("pairs")
    if ids_items:
        default = option_id if kind in ("single", "multiple") else pair_id
        ids = [str(item["id"]) for item in ids_items]
        if ids != [default(i) for i in range(len(ids))]:
            if any("," in i or not i or i != i.strip() or " " in i for i in ids):
                raise ValueError("answer ids with commas or spaces cannot be written in GIFT")
            items.append("ids=" + ",".join(ids))
    out = "// dj-learning " + " ".join(items) + "\n" if items else ""
    if guide:
        out += "// dj-learning-guide: " + _esc(guide) + "\n"
    return out


def _write_question(question, extra=()):
    name = question["name"]
    text = question["text"]
    block = _answer_block(question)
    # The block goes where the blank is, when there is one blank mid-text.
    if text.count(BLANK) == 1 and not text.endswith(BLANK):
        before, after = text.split(BLANK)
        body = _esc(before) + block + _esc(after)
    else:
        body = _esc(text) + block
    head = "::" + _esc(name) + "::" if name else ""
    if not name and (body.startswith("//") or body.startswith("::") or body.startswith("$")):
        head = "::::"
    return _directives(question, extra) + head + body + "\n"


def _same(a, b):
    return a is not None and {**a, "points": Decimal(a["points"])} == {
        **b,
        "points": Decimal(b["points"]),
    }


def dump(questions):
    """Write questions as GIFT text; parse(dump(x)).questions == x.

    Raises ValueError for a question GIFT cannot hold exactly (the error names
    the question); every question is read back once as it is written.
    """
    out = []
    category = ""
    for index, question in enumerate(map(normalise, questions), start=1):
        if question.get("category", "") != category:
            category = question.get("category", "")
            path = "$course$/top" + ("/" + category if category else "")
            out.append("$CATEGORY: " + path + "\n")
        written = _write_question(question)
        back = _read_one(written, category)
        if back is None or back["kind"] != question["kind"]:
            written = _write_question(question, extra=["kind=" + question["kind"]])
            back = _read_one(written, category)
        if not _same(back, question):
            label = question["name"] or question["text"][:30]
            raise ValueError(f"question {index} ({label}) cannot be written in GIFT exactly")
        out.append(written)
    return "\n".join(out)


def _read_one(text, category):
    blocks = list(_blocks(text))
    if len(blocks) != 1:
        return None
    try:
        return _parse_question(blocks[0], category)
    except FormatError:
        return None
