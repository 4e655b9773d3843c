"""The Excel / CSV question template Chinese organisations use.

One question a row, under a header row naming the columns (any order; the
English names in ``ALIASES`` are accepted too):

====== =====================================================================
题型    单选题, 多选题, 多选题（部分得分）, 判断题, 填空题, 匹配题, 数值题, 简答题
题干    the stem; a fill-in blank is written ``____``
选项A–F the options of a choice question, from A without gaps
答案    单选 ``A``; 多选 ``ACD`` (or ``A,C,D``); weights ``A=50%,B=50%,C=-100%``;
        判断 ``正确``/``错误`` (also 对, 错, √, ×, T, F, TRUE, FALSE, 是, 否);
        填空 accepted answers separated by ``|`` (``北京|北平``), a weight
        after ``=`` (``北平=50%``); 匹配 one pair a line, ``左 -> 右`` (``→``
        too; ``-> 右`` alone is a distractor); 数值 ``3.14``, ``3.14±0.01``,
        ``3.14:0.01`` or a range ``1..5``, several separated by ``|``, weights
        as for 填空; 简答 a marking guide (may be empty)
解析    the explanation shown after grading
分值    points, 1 when empty
分类    category path, e.g. ``党史/基础``
名称    question name (optional)
反馈    per-answer feedback, one ``key: text`` a line: the option letter
        (``A: ……``), ``对``/``错`` for true/false, the answer's number for
        填空 and 数值 (``1: ……``), ``其他`` for any other numerical answer
====== =====================================================================

Rows are numbered as the spreadsheet shows them (the header is row 1); an
error names the row and the column.
"""

import csv
import io
import re
import unicodedata
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from . import (
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

LETTERS = "ABCDEF"

# Column keys and their canonical (Chinese) headers, in template order.
COLUMNS = [
    ("kind", "题型"),
    ("text", "题干"),
    *[(letter, "选项" + letter) for letter in LETTERS],
    ("answer", "答案"),
    ("explanation", "解析"),
    ("points", "分值"),
    ("category", "分类"),
    ("name", "名称"),
    ("feedback", "反馈"),
]
HEADERS = dict(COLUMNS)

ALIASES = {
    "kind": ["题型", "类型", "试题类型", "题目类型", "type", "kind", "questiontype"],
    "text": ["题干", "题目", "试题", "试题内容", "题目内容", "question", "text", "stem"],
    "answer": ["答案", "正确答案", "标准答案", "参考答案", "answer", "correctanswer", "key"],
    "explanation": ["解析", "答案解析", "试题解析", "explanation", "analysis"],
    "points": ["分值", "分数", "得分", "points", "score", "mark", "marks"],
    "category": ["分类", "类别", "章节", "category"],
    "name": ["名称", "题目名称", "标题", "name", "title"],
    "feedback": ["反馈", "feedback"],
}
for _letter in LETTERS:
    ALIASES[_letter] = [
        "选项" + _letter,
        _letter,
        "option" + _letter.lower(),
        "choice" + _letter.lower(),
    ]

KIND_NAMES = {
    "single": "单选题",
    "multiple": "多选题",
    "multiple_partial": "多选题（部分得分）",
    "truefalse": "判断题",
    "fill": "填空题",
    "matching": "匹配题",
    "numerical": "数值题",
    "short": "简答题",
}
KIND_ALIASES = {
    "single": ["单选题", "单选", "单项选择题", "单项选择", "single", "singlechoice"],
    "multiple": ["多选题", "多选", "多项选择题", "多项选择", "不定项选择题", "multiple"],
    "multiple_partial": [
        "多选题(部分得分)",
        "多选(部分得分)",
        "多选题(按比例得分)",
        "multiple(partial)",
        "multiplepartial",
    ],
    "truefalse": ["判断题", "判断", "是非题", "truefalse", "true/false", "tf"],
    "fill": ["填空题", "填空", "fill", "fillintheblank", "shortanswer"],
    "matching": ["匹配题", "连线题", "匹配", "matching", "match"],
    "numerical": ["数值题", "数值", "numerical", "numeric", "number"],
    "short": ["简答题", "问答题", "论述题", "简答", "short", "essay"],
}
TRUE_WORDS = {"正确", "对", "√", "✓", "✔", "T", "TRUE", "是", "Y", "YES", "1"}
FALSE_WORDS = {"错误", "错", "×", "✗", "✘", "X", "F", "FALSE", "否", "N", "NO", "0"}

_WEIGHT_SUFFIX = re.compile(r"^(.*?)\s*=\s*(-?\d+(?:\.\d+)?)%$", re.S)
_FEEDBACK_LINE = re.compile(r"\s*([^:：]+?)\s*[:：](.*)$")
_ARROW = re.compile(r"\s*(?:->|→|－>|—>)\s*")


def _key(text):
    """Header / kind text compared loosely: NFKC, no spaces, lower case."""
    text = unicodedata.normalize("NFKC", str(text or ""))
    return re.sub(r"[\s_\-]", "", text).lower()


_HEADER_LOOKUP = {_key(alias): key for key, aliases in ALIASES.items() for alias in aliases}
_KIND_LOOKUP = {_key(alias): key for key, aliases in KIND_ALIASES.items() for alias in aliases}


def _column_letter(index):
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _cell_text(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return number(value)
    return str(value).replace("\r\n", "\n").replace("\r", "\n").strip()


class _Row:
    def __init__(self, number_, cells, columns):
        self.number = number_
        self.cells = cells
        self.columns = columns  # key -> (index, header)

    def get(self, key):
        if key not in self.columns:
            return ""
        index = self.columns[key][0]
        return self.cells[index] if index < len(self.cells) else ""

    def error(self, key, message):
        index, header = self.columns.get(key, (None, HEADERS.get(key, key)))
        column = header if index is None else f"{_column_letter(index)} ({header})"
        return FormatError(message, row=self.number, column=column)


def _read_header(cells, number_):
    columns = {}
    warnings = []
    for index, header in enumerate(cells):
        if not header:
            continue
        key = _HEADER_LOOKUP.get(_key(header))
        if key is None:
            warnings.append(
                FormatWarning(
                    _("column “%(header)s” is not a template column; ignored.")
                    % {"header": header},
                    row=number_,
                )
            )
            continue
        if key in columns:
            raise FormatError(
                _("two columns are “%(header)s”.") % {"header": HEADERS[key]},
                row=number_,
                column=_column_letter(index),
            )
        columns[key] = (index, header)
    for key in ("kind", "text", "answer"):
        if key not in columns:
            raise FormatError(
                _("the header row has no “%(header)s” column.") % {"header": HEADERS[key]},
                row=number_,
            )
    return columns, warnings


def parse_rows(rows):
    """Read (row number, [cell text]) pairs, the header first."""
    result = ParseResult()
    rows = iter(rows)
    for number_, cells in rows:
        if any(cells):
            columns, warnings = _read_header(cells, number_)
            result.warnings.extend(warnings)
            break
    else:
        raise FormatError(_("the file has no header row."), row=1)
    for number_, cells in rows:
        if not any(cells):
            continue
        row = _Row(number_, cells, columns)
        result.questions.append(_parse_row(row))
        result.positions.append(number_)
    return result


def _parse_row(row):
    kind_key = _KIND_LOOKUP.get(_key(row.get("kind")))
    if kind_key is None:
        raise row.error(
            "kind",
            _("“%(value)s” is not a question type; use one of %(types)s.")
            % {"value": row.get("kind"), "types": "、".join(dict.fromkeys(KIND_NAMES.values()))},
        )
    kind = "multiple" if kind_key == "multiple_partial" else kind_key
    text = row.get("text")
    if not text:
        raise row.error("text", _("the question has no text."))
    points = row.get("points") or "1"
    try:
        points = Decimal(unicodedata.normalize("NFKC", points))
    except InvalidOperation:
        raise row.error("points", _("“%(value)s” is not a number.") % {"value": points}) from None
    if points < 0 or not points.is_finite():
        raise row.error("points", _("points cannot be negative."))
    feedback = _feedback_lines(row)
    data = _DATA[kind](row, feedback)
    if kind == "multiple":
        data["partial"] = kind_key == "multiple_partial"
    if kind not in ("single", "multiple"):
        for letter in LETTERS:
            if row.get(letter):
                raise row.error(
                    letter,
                    _("a %(type)s has no options; leave the option columns empty.")
                    % {"type": KIND_NAMES[kind_key]},
                )
    return {
        "category": "/".join(p.strip() for p in row.get("category").split("/") if p.strip()),
        "kind": kind,
        "name": row.get("name"),
        "text": text,
        "points": points,
        "explanation": row.get("explanation"),
        "data": data,
    }


def _feedback_lines(row):
    lines = {}
    for line in row.get("feedback").split("\n"):
        if not line.strip():
            continue
        match = _FEEDBACK_LINE.match(line)
        if not match:
            raise row.error(
                "feedback",
                _("“%(line)s” is not written as key: feedback (A: …, 对: …, 1: …).")
                % {"line": line},
            )
        # The key compares loosely (full-width Ａ is A); the feedback stays as written.
        lines[unicodedata.normalize("NFKC", match.group(1)).strip().upper()] = match.group(
            2
        ).strip()
    return lines


def _take(row, feedback, key):
    return feedback.pop(key, "")


def _leftover(row, feedback):
    if feedback:
        raise row.error(
            "feedback",
            _("feedback for “%(key)s”, which the question does not have.")
            % {"key": next(iter(feedback))},
        )


def _weight(row, text):
    match = _WEIGHT_SUFFIX.match(text)
    if not match:
        return text.strip(), 1.0
    value = Decimal(match.group(2))
    if not -100 <= value <= 100:
        raise row.error(
            "answer", _("the weight %(weight)s%% is outside -100%% to 100%%.") % {"weight": value}
        )
    return match.group(1).strip(), from_percent(match.group(2))


def _choice(row, feedback):
    options = []
    seen_gap = None
    for letter in LETTERS:
        text = row.get(letter)
        if not text:
            seen_gap = seen_gap or letter
            continue
        if seen_gap:
            raise row.error(
                letter,
                _("option %(gap)s is empty but option %(letter)s is not; fill the options from A.")
                % {"gap": seen_gap, "letter": letter},
            )
        options.append(
            {
                "id": option_id(len(options)),
                "text": text,
                "fraction": 0.0,
                "feedback": _take(row, feedback, letter),
            }
        )
    if len(options) < 2:
        raise row.error("A", _("a choice question needs at least options A and B."))
    answer = unicodedata.normalize("NFKC", row.get("answer")).upper()
    if not answer:
        raise row.error("answer", _("the answer is empty; write the right option letters."))
    if "%" in answer:
        for item in re.split(r"[,;，；、\s]+", answer):
            if not item:
                continue
            letter, sep, weight = item.partition("=")
            letter = letter.strip()
            match = re.fullmatch(r"(-?\d+(?:\.\d+)?)%", weight.strip())
            if not sep or not match or len(letter) != 1:
                raise row.error(
                    "answer",
                    _("“%(item)s” is not written as letter=weight%%, e.g. A=50%%.")
                    % {"item": item},
                )
            _index(row, letter, options)["fraction"] = from_percent(match.group(1))
    else:
        letters = re.sub(r"[,;，；、\s]+", "", answer)
        if len(set(letters)) != len(letters):
            raise row.error("answer", _("an option letter appears twice in the answer."))
        for letter in letters:
            _index(row, letter, options)["fraction"] = 1.0
    _leftover(row, feedback)
    return {"options": options}


def _index(row, letter, options):
    position = LETTERS.find(letter)
    if position < 0 or position >= len(options):
        raise row.error(
            "answer",
            _("“%(letter)s” is not one of the options %(options)s.")
            % {"letter": letter, "options": LETTERS[: len(options)]},
        )
    return options[position]


def _truefalse(row, feedback):
    answer = unicodedata.normalize("NFKC", row.get("answer")).strip().upper()
    if answer in TRUE_WORDS:
        value = True
    elif answer in FALSE_WORDS:
        value = False
    else:
        raise row.error(
            "answer",
            _("“%(value)s” is not 正确 or 错误 (对/错, √/×, T/F).") % {"value": row.get("answer")},
        )
    data = {
        "answer": value,
        "feedback_true": _take(row, feedback, "对"),
        "feedback_false": _take(row, feedback, "错"),
    }
    _leftover(row, feedback)
    return data


def _alternatives(row):
    answer = row.get("answer").replace("｜", "|")
    items = answer.split("|")
    if not answer.strip() or any(not item.strip() for item in items):
        raise row.error("answer", _("an empty answer; separate accepted answers with |."))
    return items


def _fill(row, feedback):
    answers = []
    for index, item in enumerate(_alternatives(row), start=1):
        text, fraction = _weight(row, item)
        answers.append(
            {"text": text, "fraction": fraction, "feedback": _take(row, feedback, str(index))}
        )
    _leftover(row, feedback)
    return {"answers": answers}


def _to_float(row, text):
    try:
        return float(Decimal(unicodedata.normalize("NFKC", text).strip()))
    except InvalidOperation:
        raise row.error("answer", _("“%(value)s” is not a number.") % {"value": text}) from None


def _numerical(row, feedback):
    answers = []
    for index, item in enumerate(_alternatives(row), start=1):
        text, fraction = _weight(row, item)
        text = unicodedata.normalize("NFKC", text).replace("～", "~")
        if ".." in text[1:]:
            low, _sep, high = text.partition("..")
            low, high = _to_float(row, low), _to_float(row, high)
            if high < low:
                raise row.error(
                    "answer", _("the range %(text)s ends below its start.") % {"text": text}
                )
            value, tolerance = (low + high) / 2, (high - low) / 2
        elif "±" in text or ":" in text:
            value, _sep, tolerance = text.replace("±", ":").partition(":")
            value, tolerance = _to_float(row, value), _to_float(row, tolerance)
            if tolerance < 0:
                raise row.error("answer", _("a tolerance cannot be negative."))
        else:
            value, tolerance = _to_float(row, text), 0.0
        answers.append(
            {
                "value": value,
                "tolerance": tolerance,
                "fraction": fraction,
                "feedback": _take(row, feedback, str(index)),
            }
        )
    data = {"answers": answers}
    other = _take(row, feedback, "其他")
    if other:
        data["feedback_other"] = other
    _leftover(row, feedback)
    return data


def _matching(row, feedback):
    pairs = []
    for line in row.get("answer").split("\n"):
        if not line.strip():
            continue
        parts = _ARROW.split(line.strip(), maxsplit=1)
        if len(parts) != 2 or not parts[1].strip():
            raise row.error(
                "answer",
                _("“%(line)s” is not a pair written as 左 -> 右 (one pair a line).")
                % {"line": line.strip()},
            )
        pairs.append(
            {"id": pair_id(len(pairs)), "left": parts[0].strip(), "right": parts[1].strip()}
        )
    if sum(1 for pair in pairs if pair["left"]) < 2:
        raise row.error("answer", _("a matching question needs at least two pairs, one a line."))
    _leftover(row, feedback)
    return {"pairs": pairs}


def _short(row, feedback):
    _leftover(row, feedback)
    guide = row.get("answer")
    return {"guide": guide} if guide else {}


_DATA = {
    "single": _choice,
    "multiple": _choice,
    "truefalse": _truefalse,
    "fill": _fill,
    "numerical": _numerical,
    "matching": _matching,
    "short": _short,
}


# --- reading files ---------------------------------------------------------


def parse_xlsx(content):
    """Read the first sheet of an .xlsx file (bytes)."""
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a broken file
        raise FormatError(
            _("the file is not a readable Excel workbook (%(error)s).") % {"error": error}
        ) from None
    sheet = workbook.worksheets[0]
    rows = (
        (number_, [_cell_text(value) for value in values])
        for number_, values in enumerate(sheet.iter_rows(values_only=True), start=1)
    )
    try:
        return parse_rows(rows)
    finally:
        workbook.close()


def parse_csv(text):
    """Read CSV text (comma, semicolon or tab separated)."""
    text = text.lstrip("\ufeff")
    try:
        dialect = csv.Sniffer().sniff(text.split("\n", 1)[0], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    # A record is a spreadsheet row even when a quoted cell spans several lines.
    return parse_rows(
        (number_, [_cell_text(cell) for cell in cells])
        for number_, cells in enumerate(reader, start=1)
    )


# --- writing ---------------------------------------------------------------


def _answer_cell(question):
    kind, data = question["kind"], question["data"]
    if kind in ("single", "multiple"):
        options = data["options"]
        fractions = [float(o["fraction"]) for o in options]
        if all(f in (0, 1) for f in fractions) and (kind == "multiple" or fractions.count(1) == 1):
            return "".join(LETTERS[i] for i, f in enumerate(fractions) if f == 1)
        return ",".join(f"{LETTERS[i]}={percent(f)}%" for i, f in enumerate(fractions) if f != 0)
    if kind == "truefalse":
        return "正确" if data["answer"] else "错误"
    if kind == "fill":
        return "|".join(
            a["text"] + ("" if float(a["fraction"]) == 1 else f"={percent(a['fraction'])}%")
            for a in data["answers"]
        )
    if kind == "numerical":
        items = []
        for a in data["answers"]:
            text = number(a["value"])
            if float(a["tolerance"]):
                text += "±" + number(a["tolerance"])
            if float(a["fraction"]) != 1:
                text += f"={percent(a['fraction'])}%"
            items.append(text)
        return "|".join(items)
    if kind == "matching":
        return "\n".join(
            (p["left"] + " -> " if p["left"] else "-> ") + p["right"] for p in data["pairs"]
        )
    return data.get("guide", "")


def _feedback_cell(question):
    kind, data = question["kind"], question["data"]
    lines = []
    if kind in ("single", "multiple"):
        lines = [(LETTERS[i], o["feedback"]) for i, o in enumerate(data["options"])]
    elif kind == "truefalse":
        lines = [("对", data["feedback_true"]), ("错", data["feedback_false"])]
    elif kind in ("fill", "numerical"):
        lines = [(str(i), a["feedback"]) for i, a in enumerate(data["answers"], start=1)]
        if kind == "numerical":
            lines.append(("其他", data.get("feedback_other", "")))
    return "\n".join(f"{key}: {text}" for key, text in lines if text)


def _kind_cell(question):
    if question["kind"] == "multiple" and question["data"].get("partial"):
        return KIND_NAMES["multiple_partial"]
    return KIND_NAMES[question["kind"]]


def _row(question):
    if len(question["data"].get("options", ())) > len(LETTERS):
        raise ValueError("more than six options")
    cells = {
        "kind": _kind_cell(question),
        "text": question["text"],
        "answer": _answer_cell(question),
        "explanation": question["explanation"],
        "points": points_text(question["points"]),
        "category": question.get("category", ""),
        "name": question["name"],
        "feedback": _feedback_cell(question),
    }
    if question["kind"] in ("single", "multiple"):
        for letter, option in zip(LETTERS, question["data"]["options"], strict=False):
            cells[letter] = option["text"]
    return [cells.get(key, "") for key, _header in COLUMNS]


def _same(a, b):
    return {**a, "points": Decimal(a["points"])} == {**b, "points": Decimal(b["points"])}


def dump_rows(questions):
    """The header and one row per question; each row is read back as it is
    written, and a question the template cannot hold exactly raises ValueError
    naming it (more than six options, feedback over several lines, ids other
    than a, b, c… or 1, 2, 3…)."""
    rows = [[header for _key, header in COLUMNS]]
    columns = {key: (index, header) for index, (key, header) in enumerate(COLUMNS)}
    for index, question in enumerate(map(normalise, questions), start=1):
        label = question["name"] or question["text"][:30]
        try:
            cells = _row(question)
            back = _parse_row(_Row(index + 1, cells, columns))
        except (ValueError, KeyError) as error:
            raise ValueError(
                f"question {index} ({label}) cannot be written in the table: {error}"
            ) from None
        if not _same(back, question):
            raise ValueError(f"question {index} ({label}) cannot be written in the table exactly")
        rows.append(cells)
    return rows


def _workbook(rows, notes=None):
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, NamedStyle

    workbook = Workbook()
    # One named style for every answer cell: wrapped text, and the text number
    # format so that 1/2 and 3.10 stay as written. Named, because styling each
    # cell with its own objects costs seconds for a thousand questions.
    text = NamedStyle(
        name="question",
        alignment=Alignment(wrap_text=True, vertical="top"),
        number_format="@",
    )
    workbook.add_named_style(text)
    sheet = workbook.active
    sheet.title = "题目"
    for row in rows:
        sheet.append(row)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    widths = {"题型": 16, "题干": 48, "答案": 24, "解析": 36, "反馈": 24}
    for index, header in enumerate(rows[0]):
        sheet.column_dimensions[_column_letter(index)].width = widths.get(header, 14)
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            cell.style = "question"
    sheet.freeze_panes = "A2"
    if notes:
        help_sheet = workbook.create_sheet("填写说明")
        for line in notes:
            help_sheet.append([line])
        help_sheet.column_dimensions["A"].width = 100
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def dump_xlsx(questions):
    return _workbook(dump_rows(questions))


def dump_csv(questions):
    """CSV text with a BOM, so Excel opens the Chinese right."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerows(dump_rows(questions))
    return "\ufeff" + out.getvalue()


def example_questions():
    """One example question per type: the rows of the blank template."""
    return [
        {
            "category": "党章",
            "kind": "single",
            "name": "",
            "text": "党的最高领导机关是（ ）。",
            "points": Decimal("1"),
            "explanation": "党的最高领导机关，是党的全国代表大会和它所产生的中央委员会。",
            "data": {
                "options": [
                    {
                        "id": "a",
                        "text": "党的全国代表大会和它所产生的中央委员会",
                        "fraction": 1.0,
                        "feedback": "",
                    },
                    {"id": "b", "text": "中央政治局", "fraction": 0.0, "feedback": ""},
                    {"id": "c", "text": "中央书记处", "fraction": 0.0, "feedback": ""},
                    {"id": "d", "text": "中央纪律检查委员会", "fraction": 0.0, "feedback": ""},
                ],
            },
        },
        {
            "category": "党章",
            "kind": "multiple",
            "name": "",
            "text": "党员的权利包括（ ）。",
            "points": Decimal("2"),
            "explanation": "见党章第四条。",
            "data": {
                "options": [
                    {"id": "a", "text": "参加党的有关会议", "fraction": 1.0, "feedback": ""},
                    {"id": "b", "text": "在党的会议上参加讨论", "fraction": 1.0, "feedback": ""},
                    {"id": "c", "text": "行使表决权、选举权", "fraction": 1.0, "feedback": ""},
                    {
                        "id": "d",
                        "text": "不经批准发表与党的决定相反的意见",
                        "fraction": 0.0,
                        "feedback": "",
                    },
                ],
                "partial": False,
            },
        },
        {
            "category": "党史",
            "kind": "truefalse",
            "name": "",
            "text": "中国共产党第一次全国代表大会于1921年召开。",
            "points": Decimal("1"),
            "explanation": "",
            "data": {
                "answer": True,
                "feedback_true": "",
                "feedback_false": "一大于1921年7月召开。",
            },
        },
        {
            "category": "党史",
            "kind": "fill",
            "name": "",
            "text": "遵义会议于____年1月召开。",
            "points": Decimal("1"),
            "explanation": "",
            "data": {"answers": [{"text": "1935", "fraction": 1.0, "feedback": ""}]},
        },
        {
            "category": "党史",
            "kind": "matching",
            "name": "",
            "text": "将会议与召开的年份对应起来。",
            "points": Decimal("2"),
            "explanation": "",
            "data": {
                "pairs": [
                    {"id": "1", "left": "中共一大", "right": "1921年"},
                    {"id": "2", "left": "遵义会议", "right": "1935年"},
                    {"id": "3", "left": "", "right": "1949年"},
                ]
            },
        },
        {
            "category": "安全生产",
            "kind": "numerical",
            "name": "",
            "text": "安全生产月通常在每年的第几个月？",
            "points": Decimal("1"),
            "explanation": "",
            "data": {
                "answers": [{"value": 6.0, "tolerance": 0.0, "fraction": 1.0, "feedback": ""}]
            },
        },
        {
            "category": "安全生产",
            "kind": "short",
            "name": "",
            "text": "简述发现火情时应当怎么做。",
            "points": Decimal("5"),
            "explanation": "",
            "data": {"guide": "报警、疏散、初期扑救三点各得分。"},
        },
    ]


def template_notes():
    return [
        "一行一题，第一行为表头。列：题型、题干、选项A–F、答案、解析、分值、分类、名称、反馈。",
        "题型：单选题、多选题（全对才得分）、多选题（部分得分）、判断题、填空题、匹配题、数值题、简答题。",
        "单选题答案写选项字母，如 A；多选题写 ACD；按权重给分写 A=50%,B=50%,C=-100%。",
        "判断题答案写 正确 或 错误（也可写 对/错、√/×、T/F）。",
        "填空题题干用 ____（四个下划线）标出空位；多个可接受答案用 | 分隔，如 北京|北平；部分得分写 北平=50%。",
        "匹配题答案每行一对，写作 左 -> 右；只写 -> 右 表示干扰项。",
        "数值题答案写 3.14、3.14±0.01 或范围 1..5；多个答案用 | 分隔。",
        "简答题由人工评分，答案列可写评分要点。",
        "分值为空时按 1 分；分类用 / 分级，如 党史/基础。",
        "反馈（可选）每行一条：选项字母、对/错或答案序号，冒号后写反馈，如 A: 回答正确。",
    ]


def template_xlsx():
    """The blank template: the header, one example row per type, the rules."""
    return _workbook(dump_rows(example_questions()), notes=template_notes())


def template_csv():
    return dump_csv(example_questions())
