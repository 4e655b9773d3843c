"""The Excel / CSV template: conventions, errors naming row and column, round trip."""

import io
from decimal import Decimal

import pytest
from django.utils import translation
from openpyxl import Workbook, load_workbook

from dj_learning.quizzes.formats import FormatError, option_id, table

HEADER = ["题型", "题干", "选项A", "选项B", "选项C", "选项D", "答案", "解析", "分值", "分类"]


@pytest.fixture(autouse=True)
def english():
    """Messages in English here; the Chinese ones have their own test."""
    with translation.override("en"):
        yield


def rows(*lines, header=HEADER):
    return [(1, header), *[(n, list(line)) for n, line in enumerate(lines, start=2)]]


def parse(*lines, header=HEADER):
    return table.parse_rows(rows(*lines, header=header)).questions


def test_single_multiple_and_weights():
    single, multiple, partial, weighted = parse(
        ["单选题", "党的最高领导机关是", "党代会", "政治局", "", "", "a", "解析", "2", "党章/总纲"],
        ["多选题", "党员的权利", "甲", "乙", "丙", "丁", "A、C", "", "", ""],
        ["多选题（部分得分）", "选出正确的", "甲", "乙", "丙", "", "AB", "", "", ""],
        ["单选题", "权重", "甲", "乙", "丙", "", "A=100%, B=50%, C=-25%", "", "", ""],
    )
    assert single["kind"] == "single"
    assert single["points"] == Decimal("2")
    assert single["category"] == "党章/总纲"
    assert single["explanation"] == "解析"
    assert single["data"] == {
        "options": [
            {"id": "a", "text": "党代会", "fraction": 1.0, "feedback": ""},
            {"id": "b", "text": "政治局", "fraction": 0.0, "feedback": ""},
        ],
    }
    assert [o["fraction"] for o in multiple["data"]["options"]] == [1.0, 0.0, 1.0, 0.0]
    assert multiple["data"]["partial"] is False
    assert multiple["points"] == Decimal("1")
    assert partial["data"]["partial"] is True
    assert [o["fraction"] for o in weighted["data"]["options"]] == [1.0, 0.5, -0.25]


@pytest.mark.parametrize(
    ("answer", "value"),
    [
        ("正确", True),
        ("对", True),
        ("√", True),
        ("T", True),
        ("错误", False),
        ("×", False),
        ("f", False),
    ],
)
def test_true_false_words(answer, value):
    (q,) = parse(["判断题", "题干", "", "", "", "", answer, "", "", ""])
    assert q["data"]["answer"] is value


def test_fill_matching_numerical_short():
    fill, matching, numerical, short = parse(
        ["填空题", "首都是____。", "", "", "", "", "北京｜北平=50%", "", "", ""],
        ["匹配题", "对应", "", "", "", "", "一大 -> 1921\n遵义会议 → 1935\n-> 1949", "", "", ""],
        ["数值题", "圆周率", "", "", "", "", "3.14±0.01|3=50%|1..5=10%", "", "", ""],
        ["简答题", "简述", "", "", "", "", "要点", "", "5", ""],
    )
    assert fill["data"]["answers"] == [
        {"text": "北京", "fraction": 1.0, "feedback": ""},
        {"text": "北平", "fraction": 0.5, "feedback": ""},
    ]
    assert matching["data"]["pairs"] == [
        {"id": "1", "left": "一大", "right": "1921"},
        {"id": "2", "left": "遵义会议", "right": "1935"},
        {"id": "3", "left": "", "right": "1949"},
    ]
    assert numerical["data"]["answers"] == [
        {"value": 3.14, "tolerance": 0.01, "fraction": 1.0, "feedback": ""},
        {"value": 3.0, "tolerance": 0.0, "fraction": 0.5, "feedback": ""},
        {"value": 3.0, "tolerance": 2.0, "fraction": 0.1, "feedback": ""},
    ]
    assert short["data"] == {"guide": "要点"}
    assert short["points"] == Decimal("5")


def test_english_headers_and_feedback_column():
    header = ["Type", "Question", "Option A", "Option B", "Answer", "Feedback", "Score", "Notes"]
    result = table.parse_rows(
        [(1, header), (2, ["single", "Q", "x", "y", "B", "A: 不对\nＢ：对", "1", "ignored"])]
    )
    (q,) = result.questions
    assert [o["feedback"] for o in q["data"]["options"]] == ["不对", "对"]
    assert [str(w) for w in result.warnings] == [
        "Row 1: column “Notes” is not a template column; ignored."
    ]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (
            ["选择题", "Q", "a", "b", "", "", "A", "", "", ""],
            "Row 2, column A (题型): “选择题” is not a question type",
        ),
        (
            ["单选题", "", "a", "b", "", "", "A", "", "", ""],
            "Row 2, column B (题干): the question has no text.",
        ),
        (
            ["单选题", "Q", "a", "b", "", "", "E", "", "", ""],
            "Row 2, column G (答案): “E” is not one of the options AB.",
        ),
        (
            ["单选题", "Q", "a", "", "c", "", "A", "", "", ""],
            "Row 2, column E (选项C): option B is empty but option C is not",
        ),
        (
            ["判断题", "Q", "", "", "", "", "大概", "", "", ""],
            "Row 2, column G (答案): “大概” is not 正确 or 错误",
        ),
        (
            ["判断题", "Q", "x", "", "", "", "对", "", "", ""],
            "Row 2, column C (选项A): a 判断题 has no options",
        ),
        (
            ["填空题", "Q", "", "", "", "", "a||b", "", "", ""],
            "Row 2, column G (答案): an empty answer",
        ),
        (
            ["数值题", "Q", "", "", "", "", "三", "", "", ""],
            "Row 2, column G (答案): “三” is not a number.",
        ),
        (
            ["匹配题", "Q", "", "", "", "", "a -> b\nc", "", "", ""],
            "Row 2, column G (答案): “c” is not a pair",
        ),
        (
            ["单选题", "Q", "a", "b", "", "", "A", "", "两分", ""],
            "Row 2, column I (分值): “两分” is not a number.",
        ),
    ],
)
def test_errors_name_row_and_column(line, message):
    with pytest.raises(FormatError) as error:
        table.parse_rows(rows(["判断题", "好", "", "", "", "", "对", "", "", ""], line))
    assert str(error.value).startswith(message.replace("Row 2", "Row 3"))


def test_missing_column():
    with pytest.raises(FormatError, match="Row 1: the header row has no “答案” column."):
        table.parse_rows([(1, ["题型", "题干"])])


def test_xlsx_reads_numbers_and_booleans_typed_into_cells():
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["题型", "题干", "答案", "分值"])
    sheet.append(["填空题", "一大召开于____年", 1921, 2])
    sheet.append(["判断题", "对吗", True, 1.5])
    sheet.append([])
    sheet.append(["数值题", "圆周率", 3.14, None])
    out = io.BytesIO()
    workbook.save(out)
    result = table.parse_xlsx(out.getvalue())
    fill, tf, num = result.questions
    assert fill["data"]["answers"][0]["text"] == "1921"
    assert fill["points"] == Decimal("2")
    assert tf["data"]["answer"] is True
    assert tf["points"] == Decimal("1.5")
    assert num["data"]["answers"][0]["value"] == 3.14
    assert result.positions == [2, 3, 5]


def test_broken_xlsx_is_refused():
    with pytest.raises(FormatError, match="not a readable Excel workbook"):
        table.parse_xlsx(b"PK\x03\x04 not really")


def test_template_has_an_example_per_type_and_reads_back():
    content = table.template_xlsx()
    workbook = load_workbook(io.BytesIO(content))
    assert workbook.sheetnames == ["题目", "填写说明"]
    kinds = [row[0] for row in workbook["题目"].iter_rows(min_row=2, values_only=True)]
    assert kinds == ["单选题", "多选题", "判断题", "填空题", "匹配题", "数值题", "简答题"]
    assert table.parse_xlsx(content).questions == table.example_questions()


def test_round_trip_xlsx_and_csv():
    from tests.test_quizzes_formats_gift import ROUND_TRIP

    questions = [
        q
        for q in ROUND_TRIP
        # The table keeps option ids a, b, c… and one-line feedback.
        if q["data"].get("options", [{}])[0].get("id", "a") == "a"
        and "\n" not in q["data"].get("guide", "")
        and all(p["id"] == str(i) for i, p in enumerate(q["data"].get("pairs", []), start=1))
    ]
    assert table.parse_xlsx(table.dump_xlsx(questions)).questions == questions
    csv_text = table.dump_csv(questions)
    assert csv_text.startswith("\ufeff题型,题干")
    assert table.parse_csv(csv_text).questions == questions


def test_dump_refuses_what_the_table_cannot_hold():
    seven = {
        "category": "",
        "kind": "single",
        "name": "",
        "text": "Q",
        "points": Decimal("1"),
        "explanation": "",
        "data": {
            "options": [
                {"id": option_id(i), "text": str(i), "fraction": float(i == 0), "feedback": ""}
                for i in range(7)
            ],
            "partial": False,
        },
    }
    with pytest.raises(ValueError, match="question 1 .* cannot be written in the table"):
        table.dump_rows([seven])


def test_errors_speak_the_users_language():
    with translation.override("zh-hans"), pytest.raises(FormatError) as error:
        table.parse_rows(rows(["单选题", "Q", "a", "b", "", "", "E", "", "", ""]))
    assert str(error.value) == "第 2 行，G (答案) 列：“E”不在选项 AB 之中。"
