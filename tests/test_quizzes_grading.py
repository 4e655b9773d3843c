"""Grading of each question type, from a snapshot and a response (no database)."""

from decimal import Decimal

import pytest

from dj_learning.quizzes import grading


def q(kind, data, points="2"):
    return {"position": 1, "id": 1, "kind": kind, "text": "?", "points": points, "data": data}


SINGLE = {
    "options": [
        {"id": "a", "text": "对", "fraction": 1.0, "feedback": "很好"},
        {"id": "b", "text": "一半", "fraction": 0.5, "feedback": ""},
        {"id": "c", "text": "错", "fraction": 0.0, "feedback": "再想想"},
        {"id": "d", "text": "大错", "fraction": -0.5, "feedback": ""},
    ]
}


@pytest.mark.parametrize(
    ("response", "score", "state"),
    [
        ("a", "2.00", "right"),
        ("b", "1.00", "partial"),
        ("c", "0.00", "wrong"),
        ("d", "0.00", "wrong"),  # a negative weight is floored at 0 for the question
        ("zz", "0.00", "wrong"),
        (None, "0.00", "unanswered"),
        ("", "0.00", "unanswered"),
    ],
)
def test_single_choice(response, score, state):
    result = grading.grade(q("single", SINGLE), response)
    assert (result.score, result.state) == (Decimal(score), state)


def test_single_choice_feedback_is_the_chosen_options():
    assert grading.grade(q("single", SINGLE), "c").feedback == "再想想"


MULTI = {
    "options": [
        {"id": "a", "text": "甲", "fraction": 0.5},
        {"id": "b", "text": "乙", "fraction": 0.5},
        {"id": "c", "text": "丙", "fraction": 0},
        {"id": "d", "text": "丁", "fraction": 0},
    ],
    "partial": False,
}


@pytest.mark.parametrize(
    ("response", "score"),
    [(["a", "b"], "2.00"), (["b", "a"], "2.00"), (["a"], "0.00"), (["a", "b", "c"], "0.00")],
)
def test_multiple_all_or_nothing(response, score):
    assert grading.grade(q("multiple", MULTI), response).score == Decimal(score)


@pytest.mark.parametrize(
    ("response", "score", "state"),
    [
        (["a", "b"], "2.00", "right"),
        (["a"], "1.00", "partial"),
        (["a", "c"], "0.00", "wrong"),  # a wrong tick takes away what a right one gives
        (["a", "b", "c", "d"], "0.00", "wrong"),  # ticking everything never earns marks
        (["a", "b", "c"], "1.00", "partial"),
    ],
)
def test_multiple_partial_credit_without_negative_weights(response, score, state):
    result = grading.grade(q("multiple", {**MULTI, "partial": True}), response)
    assert (result.score, result.state) == (Decimal(score), state)


def test_multiple_partial_credit_with_negative_weights_floored_at_zero():
    data = {
        "options": [
            {"id": "a", "text": "甲", "fraction": 1 / 3},
            {"id": "b", "text": "乙", "fraction": 1 / 3},
            {"id": "c", "text": "丙", "fraction": 1 / 3},
            {"id": "d", "text": "丁", "fraction": -1.0},
        ],
        "partial": True,
    }
    question = q("multiple", data, points="3")
    assert grading.grade(question, ["a", "b"]).score == Decimal("2.00")
    assert grading.grade(question, ["a", "b", "c"]).score == Decimal("3.00")
    assert grading.grade(question, ["a", "d"]).score == Decimal("0.00")


def test_multiple_right_options_with_full_weight_each_are_scaled():
    # An Excel import marks each right option 100%: partial credit shares the points.
    data = {
        "options": [
            {"id": "a", "text": "甲", "fraction": 1.0},
            {"id": "b", "text": "乙", "fraction": 1.0},
            {"id": "c", "text": "丙", "fraction": 0},
        ],
        "partial": True,
    }
    assert grading.grade(q("multiple", data), ["a"]).score == Decimal("1.00")
    assert grading.grade(q("multiple", data), ["a", "b"]).score == Decimal("2.00")


def test_true_false():
    data = {"answer": False, "feedback_true": "不对", "feedback_false": "对了"}
    right = grading.grade(q("truefalse", data), False)
    wrong = grading.grade(q("truefalse", data), True)
    assert (right.score, right.feedback) == (Decimal("2.00"), "对了")
    assert (wrong.score, wrong.feedback) == (Decimal("0.00"), "不对")
    assert grading.grade(q("truefalse", data), None).state == "unanswered"


FILL = {
    "answers": [
        {"text": "中国共产党", "fraction": 1.0, "feedback": ""},
        {"text": "CPC", "fraction": 1.0, "feedback": ""},
        {"text": "共产党", "fraction": 0.5, "feedback": "不完整"},
    ]
}


@pytest.mark.parametrize(
    ("response", "score"),
    [
        ("中国共产党", "2.00"),
        (" 中国 共产党 ", "2.00"),  # spaces between Chinese characters do not count
        ("cpc", "2.00"),
        ("ＣＰＣ", "2.00"),  # full-width letters
        ("ｃｐｃ　", "2.00"),  # full-width, lower case, ideographic space
        ("共产党", "1.00"),
        ("国民党", "0.00"),
    ],
)
def test_fill_in_the_blank_normalises_chinese_text(response, score):
    assert grading.grade(q("fill", FILL), response).score == Decimal(score)


def test_fill_full_width_digits_and_punctuation():
    data = {"answers": [{"text": "1921年7月1日,上海", "fraction": 1.0}]}
    assert grading.grade(q("fill", data), "１９２１年７月１日，上海").state == "right"


NUMERICAL = {
    "answers": [
        {"value": 3.14, "tolerance": 0.01, "fraction": 1.0, "feedback": ""},
        {"value": 3.0, "tolerance": 0.0, "fraction": 0.5, "feedback": "近似"},
    ]
}


@pytest.mark.parametrize(
    ("response", "score"),
    [
        ("3.14", "2.00"),
        ("3.15", "2.00"),  # inside the tolerance, at its edge
        ("3.13", "2.00"),
        ("3.16", "0.00"),
        ("３．１４", "2.00"),  # full-width digits
        ("3,14", "2.00"),  # a decimal comma
        (3.141, "2.00"),
        ("3", "1.00"),
        ("三", "0.00"),
        ("nan", "0.00"),
    ],
)
def test_numerical_with_tolerance(response, score):
    assert grading.grade(q("numerical", NUMERICAL), response).score == Decimal(score)


MATCHING = {
    "pairs": [
        {"id": "p1", "left": "遵义会议", "right": "1935"},
        {"id": "p2", "left": "古田会议", "right": "1929"},
        {"id": "p3", "left": "洛川会议", "right": "1937"},
        {"id": "p4", "left": "", "right": "1949"},
    ]
}


def test_matching_gives_credit_per_pair():
    question = q("matching", MATCHING, points="3")
    all_right = {"p1": "1935", "p2": "1929", "p3": "1937"}
    assert grading.grade(question, all_right).score == Decimal("3.00")
    one_wrong = {**all_right, "p3": "1949"}
    assert grading.grade(question, one_wrong).score == Decimal("2.00")
    assert grading.grade(question, one_wrong).state == "partial"
    assert grading.grade(question, {}).state == "unanswered"
    assert grading.grade(question, "1935").score == Decimal("0.00")  # malformed: no error


def test_short_answer_waits_for_a_marker():
    result = grading.grade(q("short", {}), "我的体会是……")
    assert result.score is None and result.state == "pending"
    assert grading.grade(q("short", {}), "  ").state == "unanswered"


def test_rounding_to_cents():
    question = q("multiple", {**MULTI, "partial": True}, points="1")
    assert grading.grade(question, ["a"]).score == Decimal("0.50")
    third = q("fill", {"answers": [{"text": "x", "fraction": 1 / 3}]}, points="1")
    assert grading.grade(third, "x").score == Decimal("0.33")


def test_shuffle_is_reproducible_from_the_seed():
    questions = [
        {"id": i, "kind": "single", "text": str(i), "points": "1", "data": SINGLE}
        for i in range(10)
    ]
    first = grading.shuffled(questions, 1234)
    again = grading.shuffled(questions, 1234)
    other = grading.shuffled(questions, 99)
    assert [x["id"] for x in first] == [x["id"] for x in again]
    assert [o["id"] for o in first[0]["data"]["options"]] == [
        o["id"] for o in again[0]["data"]["options"]
    ]
    assert [x["id"] for x in first] != [x["id"] for x in other]
    assert [x["position"] for x in first] == list(range(1, 11))
    assert questions[0]["data"]["options"][0]["id"] == "a"  # the input is left as it was


def test_what_a_member_sees_has_no_answers():
    matching = grading.shuffled(
        [{"id": 1, "kind": "matching", "text": "?", "points": "1", "data": MATCHING}], 5
    )[0]
    shown = grading.for_member(matching)
    assert {i["text"] for i in shown["items"]} == {"遵义会议", "古田会议", "洛川会议"}
    assert sorted(shown["choices"]) == ["1929", "1935", "1937", "1949"]
    assert "right" not in str(shown["items"]) and "pairs" not in shown
    single = grading.for_member({**q("single", SINGLE), "position": 1})
    assert single["options"][0] == {"id": "a", "text": "对"}
    assert "fraction" not in str(single) and "feedback" not in str(single)
