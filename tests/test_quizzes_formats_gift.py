"""Moodle GIFT: every construct of Moodle's GIFT documentation, errors, round trip."""

from decimal import Decimal

import pytest
from django.utils import translation

from dj_learning.quizzes.formats import FormatError, gift


@pytest.fixture(autouse=True)
def english():
    """Messages in English here; the Chinese ones have their own test."""
    with translation.override("en"):
        yield


def one(text):
    result = gift.parse(text)
    assert len(result.questions) == 1, result.questions
    return result.questions[0]


def test_multiple_choice_with_feedback():
    q = one(
        "::Q2:: What's between orange and green in the spectrum?\n"
        "{ =yellow # right; good! ~red # wrong, it's yellow ~blue # wrong, it's yellow }"
    )
    assert q["kind"] == "single"
    assert q["name"] == "Q2"
    assert q["text"] == "What's between orange and green in the spectrum?"
    assert q["data"] == {
        "options": [
            {"id": "a", "text": "yellow", "fraction": 1.0, "feedback": "right; good!"},
            {"id": "b", "text": "red", "fraction": 0.0, "feedback": "wrong, it's yellow"},
            {"id": "c", "text": "blue", "fraction": 0.0, "feedback": "wrong, it's yellow"},
        ],
    }


def test_multiple_choice_on_several_lines():
    q = one("Who's buried in Grant's tomb?{\n  ~Grant\n  ~Jefferson\n  =no one\n}")
    assert [o["text"] for o in q["data"]["options"]] == ["Grant", "Jefferson", "no one"]
    assert [o["fraction"] for o in q["data"]["options"]] == [0, 0, 1]


def test_missing_word_leaves_the_blank():
    q = one("Grant is {~buried =entombed ~living} in Grant's tomb.")
    assert q["kind"] == "single"
    assert q["text"] == "Grant is ____ in Grant's tomb."


def test_multiple_answers_with_weights():
    q = one(
        "What two people are entombed in Grant's tomb? {\n"
        "   ~%-100%No one\n   ~%50%Grant\n   ~%50%Grant's wife\n   ~%-100%Grant's father\n}"
    )
    assert q["kind"] == "multiple"
    assert q["data"]["partial"] is True
    assert [o["fraction"] for o in q["data"]["options"]] == [-1.0, 0.5, 0.5, -1.0]


def test_weights_on_single_choice_and_decimal_weights():
    q = one("Pick {=best ~%33.33333%close ~%-25%bad}")
    assert q["kind"] == "single"
    assert [o["fraction"] for o in q["data"]["options"]] == [1.0, 0.3333333, -0.25]


@pytest.mark.parametrize(
    ("block", "answer"), [("{T}", True), ("{TRUE}", True), ("{F}", False), ("{FALSE}", False)]
)
def test_true_false(block, answer):
    q = one(f"Grant was buried in Grant's tomb.{block}")
    assert q["kind"] == "truefalse"
    assert q["data"] == {"answer": answer, "feedback_true": "", "feedback_false": ""}


def test_true_false_feedback_is_wrong_then_right():
    q = one("The sun rises in the west.{FALSE#No, it rises in the east.#Right.}")
    # The first feedback is for the wrong answer (true), the second for the right one.
    assert q["data"] == {
        "answer": False,
        "feedback_true": "No, it rises in the east.",
        "feedback_false": "Right.",
    }
    q = one("The sun rises in the east.{TRUE#Wrong!#Yes.}")
    assert q["data"] == {"answer": True, "feedback_true": "Yes.", "feedback_false": "Wrong!"}


def test_short_answer_several_answers_and_weights():
    q = one("Who's buried in Grant's tomb?{=Grant =%50%Ulysses#Half right =no one}")
    assert q["kind"] == "fill"
    assert q["text"] == "Who's buried in Grant's tomb?"
    assert q["data"]["answers"] == [
        {"text": "Grant", "fraction": 1.0, "feedback": ""},
        {"text": "Ulysses", "fraction": 0.5, "feedback": "Half right"},
        {"text": "no one", "fraction": 1.0, "feedback": ""},
    ]


def test_short_answer_in_the_middle_and_without_equals():
    q = one("Two plus {=two =2} equals four.")
    assert q["text"] == "Two plus ____ equals four."
    assert [a["text"] for a in q["data"]["answers"]] == ["two", "2"]
    q = one("1 + 2 \\= {3}")
    assert q["kind"] == "fill"
    assert q["text"] == "1 + 2 ="
    assert q["data"]["answers"] == [{"text": "3", "fraction": 1.0, "feedback": ""}]


def test_matching_with_a_distractor():
    q = one(
        "Match the following countries with their corresponding capitals. {\n"
        "   =Canada -> Ottawa\n   =Italy  -> Rome\n   =Japan  -> Tokyo\n   =India  -> New Delhi\n"
        "   = -> Canberra\n}"
    )
    assert q["kind"] == "matching"
    assert q["data"]["pairs"][0] == {"id": "1", "left": "Canada", "right": "Ottawa"}
    assert q["data"]["pairs"][4] == {"id": "5", "left": "", "right": "Canberra"}


def test_numerical_tolerance_range_and_several_answers():
    assert one("When was Ulysses S. Grant born?{#1822:5}")["data"]["answers"] == [
        {"value": 1822.0, "tolerance": 5.0, "fraction": 1.0, "feedback": ""}
    ]
    assert (
        one("What is the value of pi (to 3 decimal places)? {#3.14159:0.0005}")["data"]["answers"][
            0
        ]["tolerance"]
        == 0.0005
    )
    q = one("What is a number from 1 to 5? {#1..5}")
    assert q["kind"] == "numerical"
    assert q["data"]["answers"] == [
        {"value": 3.0, "tolerance": 2.0, "fraction": 1.0, "feedback": ""}
    ]
    q = one(
        "When was Ulysses S. Grant born? {#\n"
        "    =1822:0      #Correct! Full credit.\n"
        "    =%50%1822:2  #He was born in 1822. Half credit for being close.\n"
        "    ~#Not even close.\n}"
    )
    assert q["data"]["answers"] == [
        {"value": 1822.0, "tolerance": 0.0, "fraction": 1.0, "feedback": "Correct! Full credit."},
        {
            "value": 1822.0,
            "tolerance": 2.0,
            "fraction": 0.5,
            "feedback": "He was born in 1822. Half credit for being close.",
        },
    ]
    assert q["data"]["feedback_other"] == "Not even close."


def test_essay_and_general_feedback():
    q = one("Write a short biography of Dag Hammarskjöld. {}")
    assert q["kind"] == "short"
    assert q["data"] == {}
    q = one("How are you? {####We hope you're feeling well.}")
    assert q["kind"] == "short"
    assert q["explanation"] == "We hope you're feeling well."
    q = one("Capital of France? {=Paris #Yes ~London ####Paris is the capital.}")
    assert q["explanation"] == "Paris is the capital."
    assert q["data"]["options"][0]["feedback"] == "Yes"


def test_comments_names_categories_and_blank_lines():
    result = gift.parse(
        "// questions about the party\n"
        "$CATEGORY: $course$/top/党史/基础\n"
        "\n"
        "// first question\n"
        "::一大::中共一大召开于哪一年？{#1921}\n"
        "\n\n"
        "::Two lines::This question\n"
        "goes on a second line.{T}\n"
        "\n"
        "$CATEGORY: 安全生产\n"
        "\n"
        "安全帽必须系紧下颏带。{T}\n"
    )
    assert [(q["category"], q["name"]) for q in result.questions] == [
        ("党史/基础", "一大"),
        ("党史/基础", "Two lines"),
        ("安全生产", ""),
    ]
    assert result.questions[1]["text"] == "This question\ngoes on a second line."
    assert result.positions == [5, 8, 13]


def test_text_formats_are_read_and_dropped():
    q = one(
        "[markdown]The *American holiday of Thanksgiving* is on the {~second =fourth} Thursday."
    )
    assert q["text"] == "The *American holiday of Thanksgiving* is on the ____ Thursday."
    q = one("::Q:: [html]<p>Is <b>this</b> bold?</p>{TRUE}")
    assert q["text"] == "<p>Is <b>this</b> bold?</p>"
    q = one("[plain]Plain {=[moodle]yes ~no}")
    assert q["data"]["options"][0]["text"] == "yes"


def test_escapes():
    q = one(
        "::Colon\\: name:: Which is right\\: a\\~b, a\\=b, \\#1, \\{x\\} or C:\\\\dir?\\nSecond line {\n"
        "=a\\=b #it is \\#1\n~a\\~b\n}"
    )
    assert q["name"] == "Colon: name"
    assert q["text"] == "Which is right: a~b, a=b, #1, {x} or C:\\dir?\nSecond line"
    assert q["data"]["options"][0] == {
        "id": "a",
        "text": "a=b",
        "fraction": 1.0,
        "feedback": "it is #1",
    }
    assert q["data"]["options"][1]["text"] == "a~b"


def test_a_description_is_skipped_with_a_warning():
    result = gift.parse(
        "You can use your pencil and paper for these next math questions.\n\n1+1=2{T}"
    )
    assert len(result.questions) == 1
    assert [str(w) for w in result.warnings] == [
        "Line 1: a description without an answer block is not a question; skipped."
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Q1 {T}\n\nQ2 {=a ~b\n~c", "Line 3: the answer block opened here is not closed with “}”."),
        ("ok {T}\n\n::name without end {T}", "Line 3: the question name is not closed with ::."),
        ("A } B {T", "Line 1: “}” before the answer block’s “{”."),
        ("Q {T} and {F}", "Line 1: a second answer block"),
        ("Q {\n=a\n~%150%b\n}", "Line 3: the weight 150% is outside -100% to 100%."),
        ("Q {\n=a\n~%abc%b\n}", "Line 3: the weight “%abc%b” is not a percentage"),
        ("Q {\n=a -> 1\n=b\n}", "Line 3: “b” is not a pair written as =left -> right."),
        ("Q {#\n=1822:x\n}", "Line 2: “x” is not a number."),
        ("Q {#5..1}", "Line 1: the range 5..1 ends below its start."),
        ("Q {=only ~}", "Line 1: an empty answer."),
        ("Q {~one}", "Line 1: a multiple choice question needs at least two answers."),
        ("Q {stray ~a =b}", "Line 1: “stray” comes before the first answer"),
        ("// dj-learning colour=red\nQ {T}", "Line 1: unknown dj-learning option “colour=red”."),
    ],
)
def test_errors_name_the_line_and_the_problem(text, message):
    with pytest.raises(FormatError) as error:
        gift.parse(text)
    assert str(error.value).startswith(message)


def question(kind, data, **extra):
    return {
        "category": extra.pop("category", ""),
        "kind": kind,
        "name": extra.pop("name", ""),
        "text": extra.pop("text", "题干"),
        "points": extra.pop("points", Decimal("1")),
        "explanation": extra.pop("explanation", ""),
        "data": data,
    }


ROUND_TRIP = [
    question(
        "single",
        {
            "options": [
                {"id": "a", "text": "a=b {x} ~y #z :w \\v", "fraction": 1.0, "feedback": "好#1"},
                {"id": "b", "text": "%50%看起来像权重", "fraction": 0.0, "feedback": ""},
                {"id": "c", "text": "[html]不是格式", "fraction": -0.25, "feedback": ""},
            ],
        },
        name="名称: 带冒号",
        text="第一行\n第二行：//不是注释",
        explanation="解析\n两行",
        category="党史/基础",
        points=Decimal("2.5"),
    ),
    question(
        "multiple",
        {
            "options": [
                {"id": "x1", "text": "甲", "fraction": 1.0, "feedback": ""},
                {"id": "x2", "text": "乙", "fraction": 1.0, "feedback": ""},
                {"id": "x3", "text": "丙", "fraction": 0.0, "feedback": "错"},
            ],
            "partial": False,
        },
        category="党史/基础",
    ),
    question(
        "multiple",
        {
            "options": [
                {"id": "a", "text": "甲", "fraction": 0.3333333333333333, "feedback": ""},
                {"id": "b", "text": "乙", "fraction": 0.6666666666666666, "feedback": ""},
                {"id": "c", "text": "丙", "fraction": -1.0, "feedback": ""},
            ],
            "partial": True,
        },
        category="党章",
    ),
    question(
        "single",
        {
            "options": [
                {"id": "a", "text": "对", "fraction": 1.0, "feedback": ""},
                {"id": "b", "text": "也对", "fraction": 1.0, "feedback": ""},
            ],
        },
    ),
    question("truefalse", {"answer": True, "feedback_true": "", "feedback_false": "不对"}),
    question("truefalse", {"answer": False, "feedback_true": "", "feedback_false": "对"}),
    question(
        "truefalse",
        {"answer": False, "feedback_true": "", "feedback_false": ""},
        explanation="说明",
    ),
    question(
        "fill",
        {
            "answers": [
                {"text": "1921", "fraction": 1.0, "feedback": ""},
                {"text": "一九二一", "fraction": 0.5, "feedback": "写数字"},
            ]
        },
        text="中共一大于____年召开，地点在上海。",
    ),
    question(
        "fill",
        {"answers": [{"text": "a->b", "fraction": 1.0, "feedback": ""}]},
        text="末尾是空____",
    ),
    question(
        "matching",
        {
            "pairs": [
                {"id": "1", "left": "甲", "right": "A -> B"},
                {"id": "2", "left": "乙", "right": "B"},
                {"id": "9", "left": "", "right": "干扰"},
            ]
        },
    ),
    question(
        "numerical",
        {
            "answers": [
                {"value": 3.14159, "tolerance": 0.0005, "fraction": 1.0, "feedback": "好"},
                {"value": -3.0, "tolerance": 0.0, "fraction": 0.07, "feedback": ""},
            ],
            "feedback_other": "差得远",
        },
    ),
    question("short", {}, text="//以斜线开头的题干"),
    question("short", {"guide": "要点一\n要点二"}, points=Decimal("10")),
]


def test_round_trip_every_kind():
    text = gift.dump(ROUND_TRIP)
    assert gift.parse(text).questions == ROUND_TRIP


def test_dump_is_gift_moodle_reads():
    text = gift.dump(ROUND_TRIP[4:6])
    assert text == ("题干{TRUE#不对}\n\n题干{FALSE##对}\n")


def test_dump_refuses_what_gift_cannot_hold():
    bad = question(
        "matching",
        {
            "pairs": [
                {"id": "1", "left": "a -> b", "right": "c"},
                {"id": "2", "left": "d", "right": "e"},
            ]
        },
    )
    with pytest.raises(ValueError, match="cannot be written in GIFT"):
        gift.dump([bad])


def test_errors_speak_the_users_language():
    with translation.override("zh-hans"), pytest.raises(FormatError) as error:
        gift.parse("题目 {=甲 ~乙")
    assert str(error.value) == "第 1 行：此处开始的答案块没有以“}”结束。"
