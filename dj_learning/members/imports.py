"""Bulk import of member records from Excel or CSV, and export to Excel.

Every imported row becomes a change request, so review still applies. A file
with any bad row imports nothing, and the report names the row and column.
"""

import csv
import io
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from dj_learning.orgs import scope
from dj_learning.orgs.exports import safe_cell
from dj_learning.orgs.models import Unit

from . import records
from .models import Member, mask

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000
COLUMNS = ["member_number", *Member.record_fields]
UNIT_NAME = "unit_name"  # written by the export for people; the import ignores it


class ImportFileError(Exception):
    """The file cannot be read at all (format, size, headers)."""


@dataclass
class RowResult:
    line: int
    member_number: str
    action: str = ""  # "create", "update", "unchanged"
    changes: list = field(default_factory=list)
    errors: list = field(default_factory=list)


@dataclass
class ImportReport:
    rows: list
    dry_run: bool
    submitted: int = 0

    @property
    def errors(self):
        return [(row.line, message) for row in self.rows for message in row.errors]

    @property
    def ok(self):
        return not self.errors


def _header_names():
    """Every accepted spelling of each column: field name, Chinese and English labels."""
    names = {}
    for column in [*COLUMNS, UNIT_NAME]:
        labels = {column}
        for language in ("zh-hans", "en"):
            with translation.override(language):
                labels.add(str(column_label(column)))
        for label in labels:
            names[label.strip().lower()] = column
    return names


def column_label(column):
    if column == UNIT_NAME:
        return _("unit name")
    if column == "unit":
        return _("unit code")
    return Member._meta.get_field(column).verbose_name


def read_rows(filename, content):
    """``[(line, {column: text})]`` from an .xlsx or .csv file's bytes."""
    if len(content) > MAX_BYTES:
        raise ImportFileError(_("The file is larger than 5 MB."))
    lower = filename.lower()
    if lower.endswith(".xlsx"):
        table = _xlsx(content)
    elif lower.endswith(".csv"):
        table = _csv(content)
    else:
        raise ImportFileError(_("Upload an Excel (.xlsx) or CSV (.csv) file."))
    if not table:
        raise ImportFileError(_("The file is empty."))
    header, *body = table
    if len(body) > MAX_ROWS:
        raise ImportFileError(_("The file has more than %(max)d rows.") % {"max": MAX_ROWS})
    known = _header_names()
    columns = []
    for index, title in enumerate(header, start=1):
        key = known.get(str(title or "").strip().lower())
        if key is None and str(title or "").strip():
            raise ImportFileError(
                _("Column %(col)d, “%(title)s”, is not a field of a member record.")
                % {"col": index, "title": title}
            )
        columns.append(key)
    if "member_number" not in columns:
        raise ImportFileError(_("The file has no member number column."))
    rows = []
    for line, cells in enumerate(body, start=2):
        values = {
            column: ("" if cell is None else str(cell).strip())
            for column, cell in zip(columns, cells, strict=False)
            if column and column != UNIT_NAME
        }
        if any(values.values()):
            rows.append((line, values))
    return rows


def _xlsx(content):
    from openpyxl import load_workbook

    try:
        sheet = load_workbook(io.BytesIO(content), read_only=True, data_only=True).worksheets[0]
    except Exception as error:  # openpyxl raises many kinds for a broken file
        raise ImportFileError(_("The file is not a readable Excel workbook.")) from error
    table = []
    for row in sheet.iter_rows(values_only=True):
        table.append(
            [cell.isoformat()[:10] if hasattr(cell, "isoformat") else cell for cell in row]
        )
    return table


def _csv(content):
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ImportFileError(_("The CSV file is neither UTF-8 nor GB18030 text."))
    return list(csv.reader(io.StringIO(text)))


def _choice(column, text):
    """Accept a choice by its value or its label in either language."""
    field_ = Member._meta.get_field(column)
    if not field_.choices or not text:
        return text
    for value, label in field_.flatchoices:
        for language in ("zh-hans", "en"):
            with translation.override(language):
                if text in (value, str(label)):
                    return value
    return text


def import_records(user, rows, *, dry_run=True, reason=""):
    """Check every row; unless ``dry_run``, submit one change request per changed row.

    All or nothing: if any row has an error, nothing is submitted.
    """
    numbers = [values.get("member_number", "") for _line, values in rows]
    existing = {
        m.member_number: m
        for m in scope.filter_members(
            user, Member.objects.filter(member_number__in=numbers), roles=records.CLERK_ROLES
        ).select_related("unit")
    }
    elsewhere = set(
        Member.objects.filter(member_number__in=numbers)
        .exclude(pk__in=[m.pk for m in existing.values()])
        .values_list("member_number", flat=True)
    )
    units = {u.code: u for u in Unit.objects.filter(code__in={v.get("unit") for _l, v in rows})}
    seen = {}
    results, planned = [], []
    for line, values in rows:
        number = values.get("member_number", "")
        result = RowResult(line=line, member_number=number)
        results.append(result)
        for column in ("member_number", "id_number"):
            value = values.get(column)
            if value and (column, value) in seen:
                result.errors.append(
                    _cell(
                        line,
                        column,
                        _("the same value is on line %(line)d") % {"line": seen[(column, value)]},
                    )
                )
            elif value:
                seen[(column, value)] = line
        member = existing.get(number)
        if number in elsewhere:
            result.errors.append(
                _cell(line, "member_number", _("this member is not in your units"))
            )
            continue
        data = {c: _choice(c, values[c]) for c in COLUMNS if c in values and c != "unit"}
        data["member_number"] = number
        if "unit" in values:
            unit = units.get(values["unit"])
            if unit is None:
                result.errors.append(
                    _cell(
                        line,
                        "unit",
                        _("no unit has the code “%(code)s”") % {"code": values["unit"]},
                    )
                )
                continue
            data["unit"] = unit.pk
        if member is None:  # a new record: columns left out take the field's default
            for column in COLUMNS:
                default = Member._meta.get_field(column).get_default()
                if column not in data and default not in (None, ""):
                    data[column] = default
        else:
            for column in COLUMNS:  # columns left out of the file keep their values
                if column not in data and column != "member_number":
                    current = getattr(member, column)
                    data[column] = current.pk if column == "unit" else current
        form = records.RecordForm(data, instance=member or Member())
        if not form.is_valid():
            for column, messages in form.errors.items():
                for message in messages:
                    result.errors.append(_cell(line, column, message))
            continue
        try:
            records.check_proposal(user, member, form.cleaned_data)
        except ValidationError as error:
            for column, messages in _messages(error):
                for message in messages:
                    result.errors.append(_cell(line, column, message))
            continue
        changes = records.diff(member, form.cleaned_data)
        result.action = "create" if member is None else ("update" if changes else "unchanged")
        full_ids = member is None or records.can_see_identity(user, member)
        result.changes = [
            (
                str(Member._meta.get_field(name).verbose_name),
                old if full_ids or name != "id_number" else mask(old),
                new if full_ids or name != "id_number" else mask(new),
            )
            for name, (old, new) in changes.items()
            if name != "member_number"
        ]
        if changes:
            planned.append((member, form.cleaned_data))
    report = ImportReport(rows=results, dry_run=dry_run)
    if report.ok and not dry_run:
        with transaction.atomic():
            for member, values in planned:
                records.propose_change(user, member, values, reason or _("Imported from a file"))
        report.submitted = len(planned)
    return report


def _messages(error):
    if hasattr(error, "error_dict"):
        return [(c, [m for e in errs for m in e.messages]) for c, errs in error.error_dict.items()]
    return [(None, error.messages)]


def _cell(line, column, message):
    if column in (None, "__all__"):
        return _("Line %(line)d: %(message)s") % {"line": line, "message": message}
    return _("Line %(line)d, column “%(column)s”: %(message)s") % {
        "line": line,
        "column": column_label(column),
        "message": message,
    }


def export_records(user, members):
    """An .xlsx of ``members``; ID numbers masked unless ``user`` may see them in full."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = str(_("Member records"))
    columns = [
        *COLUMNS[: COLUMNS.index("unit") + 1],
        UNIT_NAME,
        *COLUMNS[COLUMNS.index("unit") + 1 :],
    ]
    sheet.append([str(column_label(c)) for c in columns])
    for member in members:
        row = []
        for column in columns:
            if column == UNIT_NAME:
                row.append(member.unit.name)
            elif column == "id_number":
                row.append(records.id_number_for(user, member))
            else:
                row.append(records.display_cell(column, getattr(member, column)))
        sheet.append([safe_cell(cell) for cell in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
