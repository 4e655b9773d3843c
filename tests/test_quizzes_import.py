"""Importing question files into banks and exporting banks: all or nothing, round trip."""

import io
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from dj_learning.quizzes import importing
from dj_learning.quizzes.formats import FormatError, table
from dj_learning.quizzes.models import Question, QuestionBank, QuestionCategory
from tests.test_quizzes_formats_gift import ROUND_TRIP

GIFT = """// 党史题库
$CATEGORY: $course$/top/党史/基础

::一大::中国共产党第一次全国代表大会于1921年召开。{T}

::会议::遵义会议于{=1935}年1月召开。

$CATEGORY: 安全生产

安全帽的作用是{~装饰 =保护头部 ~保暖}。

一段说明，没有答案。
"""


@pytest.fixture(autouse=True)
def english():
    """Messages in English here; the Chinese ones have their own test."""
    with translation.override("en"):
        yield


def fields(bank):
    return [
        (
            q.category.path if q.category else "",
            q.kind,
            q.name,
            q.text,
            q.points,
            q.explanation,
            q.data,
        )
        for q in Question.objects.filter(bank=bank).select_related("category").order_by("pk")
    ]


def test_import_gift_creates_bank_categories_and_questions(db):
    report = importing.import_questions("题库.gift", GIFT.encode(), bank_name="党员题库")
    bank = QuestionBank.objects.get(name="党员题库")
    assert report.bank_created is True
    assert report.created == 3
    assert dict(report.kinds) == {"truefalse": 1, "fill": 1, "single": 1}
    assert report.categories_created == ["党史/基础", "安全生产"]
    assert report.warnings == [
        "Line 12: a description without an answer block is not a question; skipped."
    ]
    assert fields(bank)[1] == (
        "党史/基础",
        "fill",
        "会议",
        "遵义会议于____年1月召开。",
        Decimal("1.00"),
        "",
        {"answers": [{"text": "1935", "fraction": 1.0, "feedback": ""}]},
    )
    # Importing again adds to the bank and reuses its categories.
    report = importing.import_questions("题库.gift", GIFT.encode(), bank_name="党员题库")
    assert report.bank_created is False
    assert report.categories_created == []
    assert Question.objects.filter(bank=bank).count() == 6
    assert QuestionCategory.objects.filter(bank=bank).count() == 2


def test_dry_run_reports_and_writes_nothing(db):
    report = importing.import_questions("q.gift", GIFT.encode(), bank_name="新题库", dry_run=True)
    assert (report.created, report.bank_created, report.dry_run) == (3, True, True)
    assert report.categories_created == ["党史/基础", "安全生产"]
    assert not QuestionBank.objects.exists()
    assert not QuestionCategory.objects.exists()
    assert not Question.objects.exists()


def test_a_broken_question_names_its_line_and_nothing_is_written(db):
    broken = GIFT + "\n\n::坏题::少了右括号 {=甲 ~乙\n"
    with pytest.raises(FormatError, match="^Line 15: the answer block opened here is not closed"):
        importing.import_questions("q.gift", broken.encode(), bank_name="党员题库")
    assert not QuestionBank.objects.exists()
    assert not Question.objects.exists()


def test_validation_by_the_model_names_row_and_column(db):
    rows = [
        ["题型", "题干", "选项A", "选项B", "答案", "分值"],
        ["判断题", "好题", "", "", "对", "1"],
        ["单选题", "没有满分选项", "甲", "乙", "A=50%", "1"],
    ]
    csv_text = "\n".join(",".join(r) for r in rows)
    with pytest.raises(FormatError) as error:
        importing.import_questions("q.csv", csv_text.encode(), bank_name="题库")
    assert str(error.value) == (
        "Row 3, column 答案: A single choice question needs an option worth 100%."
    )
    rows[2] = ["单选题", "分值太细", "甲", "乙", "A", "1.555"]
    csv_text = "\n".join(",".join(r) for r in rows)
    with pytest.raises(FormatError, match="^Row 3, column 分值: "):
        importing.import_questions("q.csv", csv_text.encode(), bank_name="题库")
    assert not Question.objects.exists()


def test_unknown_old_and_oversized_files_are_refused(db, learning_settings):
    with pytest.raises(FormatError, match="not in a known format"):
        importing.import_questions("notes.bin", "随便写点".encode(), bank_name="题库")
    with pytest.raises(FormatError, match=r"Old Excel files \(.xls\) cannot be read"):
        importing.import_questions(
            "old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest", bank_name="x"
        )
    with pytest.raises(FormatError, match="named .xlsx but is not an Excel workbook"):
        importing.import_questions("q.xlsx", b"hello", bank_name="题库")
    with pytest.raises(FormatError, match="The file holds no questions."):
        importing.import_questions("q.gift", b"// only a comment\n", bank_name="x")
    learning_settings(QUIZ_IMPORT_MAX_BYTES=1024)
    with pytest.raises(FormatError, match="The file is 3 KB; the largest file accepted is 1 KB."):
        importing.import_questions("q.gift", b"x" * 3000, bank_name="题库")
    assert not QuestionBank.objects.exists()


def test_format_sniffed_without_extension_and_gb18030_text(db):
    report = importing.import_questions("upload", GIFT.encode(), bank_name="甲")
    assert report.format == "gift"
    csv_text = "题型,题干,答案\n判断题,国产文件用GB18030编码,正确\n"
    report = importing.import_questions("upload", csv_text.encode("gb18030"), bank_name="乙")
    assert report.format == "csv"
    assert Question.objects.get(bank__name="乙").text == "国产文件用GB18030编码"


@pytest.mark.parametrize("fmt", ["gift", "xlsx", "csv"])
def test_export_then_import_gives_the_same_bank(db, fmt):
    questions = [q for q in ROUND_TRIP if fmt == "gift" or _fits_table(q)]
    source = QuestionBank.objects.create(name="源")
    for q in questions:
        category = None
        if q["category"]:
            category, _ = QuestionCategory.objects.get_or_create(bank=source, path=q["category"])
        Question.objects.create(
            bank=source,
            category=category,
            **{k: v for k, v in q.items() if k != "category"},
        )
    filename, content, content_type = importing.export_bank(source, fmt)
    assert filename == f"源.{fmt}"
    report = importing.import_questions(filename, content, bank_name="副本")
    assert report.created == len(questions)
    copy = QuestionBank.objects.get(name="副本")
    assert fields(copy) == fields(source)
    assert len(fields(copy)) == len(questions)


def _fits_table(q):
    try:
        table.dump_rows([q])
    except ValueError:
        return False
    return True


def test_commands_import_and_export(db, tmp_path):
    path = tmp_path / "q.gift"
    path.write_text(GIFT, encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "learning_import_questions",
        str(path),
        "--bank",
        "命令题库",
        "--dry-run",
        stdout=out,
        stderr=err,
    )
    assert (
        "Would import 3 questions (fill 1, single 1, truefalse 1) into “命令题库” (new bank)."
        in out.getvalue()
    )
    assert "Line 12: a description" in err.getvalue()
    assert not QuestionBank.objects.exists()
    call_command(
        "learning_import_questions", str(path), "--bank", "命令题库", stdout=out, stderr=err
    )
    assert Question.objects.count() == 3
    target = tmp_path / "out.xlsx"
    call_command(
        "learning_export_questions",
        "--bank",
        "命令题库",
        "--format",
        "xlsx",
        "-o",
        str(target),
        stdout=out,
    )
    assert [q["text"] for q in table.parse_xlsx(target.read_bytes()).questions][0].startswith(
        "中国共产党第一次"
    )
    with pytest.raises(CommandError, match="No question bank is named '没有'"):
        call_command("learning_export_questions", "--bank", "没有", stdout=out)
    path.write_text("坏 {=a ~b", encoding="utf-8")
    with pytest.raises(CommandError, match=r"q.gift: Line 1: the answer block opened here"):
        call_command("learning_import_questions", str(path), "--bank", "命令题库", stdout=out)
    assert Question.objects.count() == 3


@pytest.mark.parametrize("fmt", ["gift", "xlsx", "csv"])
def test_export_of_questions_made_in_the_admin_imports_the_same(db, fmt):
    """Questions as the admin saves them may leave out what the contract lets them
    (feedback, a single choice's "partial"); the copy has the same answers."""
    from dj_learning.quizzes.formats import normalise
    from dj_learning.test import factories

    source = factories.question_bank(name="源")
    for kind in ("single", "multiple", "truefalse", "fill", "matching", "numerical", "short"):
        factories.question(kind, bank=source, points="2")
    filename, content, _type = importing.export_bank(source, fmt)
    importing.import_questions(filename, content, bank_name="副本")
    copy = QuestionBank.objects.get(name="副本")
    expected = [normalise(q) for q in importing.bank_questions(source)]
    assert importing.bank_questions(copy) == expected
    assert [q["data"] for q in expected][0]["options"][0] == {
        "id": "a",
        "text": "正确选项",
        "fraction": 1.0,
        "feedback": "对",
    }


def test_import_queries_do_not_grow_with_the_questions(db):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries(count, bank):
        text = "$CATEGORY: 党史\n\n" + "\n\n".join(f"第{n}题{{T}}" for n in range(count))
        with CaptureQueriesContext(connection) as captured:
            importing.import_questions("q.gift", text.encode(), bank_name=bank)
        sql = [q["sql"] for q in captured.captured_queries]
        inserts = [q for q in sql if q.startswith('INSERT INTO "learning_quizzes_question" ')]
        return len(sql) - len(inserts), len(inserts)

    # The bank, its categories, a new category and savepoints: the same for 10 or
    # 200 questions; the questions go in one insert (in batches of 999 parameters
    # on SQLite, about 80 questions each).
    few, few_inserts = queries(10, "甲")
    many, many_inserts = queries(200, "乙")
    assert few == many <= 17
    assert few_inserts == 1
    assert many_inserts <= 3
    assert Question.objects.filter(bank__name="乙").count() == 200
