"""Import questions into a bank from a file, and export a bank to a file.

``import_questions(filename, content, bank_name=...)`` reads GIFT, Excel
(.xlsx) or CSV (the format from the file name, checked against the content),
validates every question with ``Question.full_clean()`` and creates the bank
(when missing), its categories and the questions in one transaction: a
problem anywhere raises :class:`~dj_learning.quizzes.formats.FormatError`
naming the line (GIFT) or the row and column (table) and writes nothing. With
``dry_run=True`` the same work is done and rolled back, and the report says
what would have been created.

``export_bank(bank, format)`` writes a bank so that importing the file into
an empty bank gives the same questions, field by field (images are not part
of either format and stay behind; so do empty categories).

Between the admin's "check" and "confirm" a file waits in the database
(``hold()``, then ``take()``), so the confirm may reach any web process.
"""

import secrets
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dj_learning.conf import settings

from .formats import FormatError, gift, table
from .models import PendingImport, Question, QuestionBank, QuestionCategory

FORMATS = ("gift", "xlsx", "csv")
#: Seconds a checked file waits for its confirmation.
PENDING_SECONDS = 3600
CONTENT_TYPES = {
    "gift": "text/plain; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}
EXTENSIONS = {"gift": "gift", "xlsx": "xlsx", "csv": "csv"}

# Which column of the template holds a question field, to name it in errors.
_FIELD_COLUMNS = {
    "kind": "题型",
    "text": "题干",
    "data": "答案",
    "explanation": "解析",
    "points": "分值",
    "category": "分类",
    "name": "名称",
}


@dataclass
class ImportReport:
    bank: str
    bank_created: bool
    dry_run: bool
    format: str
    created: int = 0
    kinds: Counter = field(default_factory=Counter)
    categories_created: list = field(default_factory=list)
    warnings: list = field(default_factory=list)
    # (line or row, kind, category, text) of every question read, for a preview.
    items: list = field(default_factory=list)


def detect_format(filename, content):
    """``"gift"``, ``"xlsx"`` or ``"csv"``, from the name and the first bytes."""
    name = (filename or "").lower()
    is_zip = content[:4] == b"PK\x03\x04"
    if name.endswith(".xls") or content[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise FormatError(_("Old Excel files (.xls) cannot be read; save the file as .xlsx."))
    if name.endswith(".xlsx") or (is_zip and not name.endswith((".csv", ".gift", ".txt"))):
        if not is_zip:
            raise FormatError(_("The file is named .xlsx but is not an Excel workbook."))
        return "xlsx"
    if is_zip:
        raise FormatError(_("The file is a ZIP archive, not a question file."))
    if name.endswith(".csv"):
        return "csv"
    if name.endswith((".gift", ".txt")):
        return "gift"
    # No telling extension: look at the text.
    text = decode(content)
    head = text.lstrip("\ufeff").split("\n", 1)[0]
    if "{" in text and "}" in text:
        return "gift"
    if "," in head and ("题型" in head or "type" in head.lower()):
        return "csv"
    raise FormatError(
        _("The file is not in a known format; use GIFT (.gift, .txt), Excel (.xlsx) or CSV (.csv).")
    )


def decode(content):
    """Text of an uploaded file: UTF-8 (with or without BOM), else GB18030."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise FormatError(_("The file's text is neither UTF-8 nor GB18030."))


def check_size(size):
    """Refuse a file over ``QUIZ_IMPORT_MAX_BYTES`` before reading it."""
    limit = settings.QUIZ_IMPORT_MAX_BYTES
    if size > limit:
        raise FormatError(
            _("The file is %(size)s KB; the largest file accepted is %(limit)s KB.")
            % {"size": (size + 1023) // 1024, "limit": limit // 1024}
        )


def read(filename, content):
    """Parse a file's bytes; returns ``(format, ParseResult)``."""
    check_size(len(content))
    if not content.strip():
        raise FormatError(_("The file is empty."))
    fmt = detect_format(filename, content)
    if fmt == "xlsx":
        return fmt, table.parse_xlsx(content)
    if fmt == "csv":
        return fmt, table.parse_csv(decode(content))
    return fmt, gift.parse(decode(content))


def _problem(fmt, position, error):
    """A FormatError for a question that fails validation, naming where it is."""
    if isinstance(error, ValidationError) and hasattr(error, "error_dict"):
        field_name, errors = next(iter(error.message_dict.items()))
        message = " ".join(errors)
    else:
        field_name, message = None, " ".join(getattr(error, "messages", [str(error)]))
    if fmt == "gift":
        return FormatError(message, line=position)
    return FormatError(message, row=position, column=_FIELD_COLUMNS.get(field_name))


def import_questions(filename, content, *, bank_name, dry_run=False, unit=None):
    """Import a file into the bank named ``bank_name`` (created, owned by
    ``unit``, when missing). All or nothing; raises FormatError."""
    fmt, result = read(filename, content)
    if not result.questions:
        raise FormatError(_("The file holds no questions."))
    bank_name = bank_name.strip()
    if not bank_name:
        raise FormatError(_("Name the bank to import into."))
    with transaction.atomic():
        bank, bank_created = QuestionBank.objects.get_or_create(
            name=bank_name, defaults={"unit": unit}
        )
        report = ImportReport(
            bank=bank.name,
            bank_created=bank_created,
            dry_run=dry_run,
            format=fmt,
            warnings=[str(w) for w in result.warnings],
        )
        categories = {c.path: c for c in QuestionCategory.objects.filter(bank=bank)}
        questions = []
        for position, item in zip(result.positions, result.questions, strict=True):
            path = item["category"]
            if path and path not in categories:
                category = QuestionCategory(bank=bank, path=path)
                try:
                    category.full_clean(exclude=["bank"])
                except ValidationError as error:
                    raise _problem(fmt, position, error) from None
                category.save()
                categories[path] = category
                report.categories_created.append(path)
            question = Question(
                bank=bank,
                category=categories.get(path),
                kind=item["kind"],
                name=item["name"],
                text=item["text"],
                points=item["points"],
                explanation=item["explanation"],
                data=item["data"],
            )
            try:
                question.full_clean(exclude=["bank", "category", "image"])
            except ValidationError as error:
                raise _problem(fmt, position, error) from None
            questions.append(question)
            report.kinds[item["kind"]] += 1
            report.items.append((position, item["kind"], path, item["text"]))
        Question.objects.bulk_create(questions)
        report.created = len(questions)
        if dry_run:
            transaction.set_rollback(True)
    return report


def bank_questions(bank):
    """A bank's questions as neutral dicts, in the order they were created."""
    rows = (
        Question.objects.filter(bank=bank)
        .order_by("pk")
        .values_list("category__path", "kind", "name", "text", "points", "explanation", "data")
    )
    return [
        {
            "category": path or "",
            "kind": kind,
            "name": name,
            "text": text,
            "points": points,
            "explanation": explanation,
            "data": data,
        }
        for path, kind, name, text, points, explanation, data in rows
    ]


def export_bank(bank, fmt):
    """``(filename, bytes, content type)`` of a bank written as ``fmt``.

    Raises ValueError naming a question the format cannot hold exactly.
    """
    questions = bank_questions(bank)
    if fmt == "gift":
        content = gift.dump(questions).encode("utf-8")
    elif fmt == "xlsx":
        content = table.dump_xlsx(questions)
    elif fmt == "csv":
        content = table.dump_csv(questions).encode("utf-8")
    else:
        raise ValueError(f"unknown format {fmt!r}")
    return f"{bank.name}.{EXTENSIONS[fmt]}", content, CONTENT_TYPES[fmt]


# -- A checked file waiting for its confirmation ------------------------------------------


def hold(user, filename, content, *, bank_name):
    """Keep a checked file for ``user`` to confirm within ``PENDING_SECONDS``; its token.

    The token is random and the file is stored in the database, not on a
    public disk nor in one process's memory. Expired files are removed here.
    """
    discard_expired()
    token = secrets.token_urlsafe(24)
    PendingImport.objects.create(
        token=token,
        user=user,
        filename=filename,
        bank=bank_name,
        content=content,
        expires_at=timezone.now() + timedelta(seconds=PENDING_SECONDS),
    )
    return token


def take(user, token):
    """The file ``user`` held under ``token``, removed so that it is confirmed once.

    ``None`` when there is no such file: expired, taken already, or held by
    someone else (which the caller cannot tell apart, on purpose).
    """
    discard_expired()
    pending = PendingImport.objects.filter(
        token=str(token), user=user, expires_at__gt=timezone.now()
    ).first()
    # Two confirms at once: only the one whose DELETE removed the row goes on.
    if pending is None or not PendingImport.objects.filter(pk=pending.pk).delete()[0]:
        return None
    return pending


def discard_expired():
    """Delete the held files whose time is up."""
    PendingImport.objects.filter(expires_at__lte=timezone.now()).delete()
