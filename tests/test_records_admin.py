"""Staff screens, import, export and API for member records: scope on every route."""

import csv
import io

import pytest
from django.utils import translation
from openpyxl import Workbook, load_workbook

from dj_learning.members.imports import import_records, read_rows
from dj_learning.members.models import Member, RecordChange

pytestmark = pytest.mark.django_db
PASSWORD = "Demo!pass2026"


def login(client, username):
    assert client.login(username=username, password=PASSWORD)
    return client


@pytest.fixture
def far(demo):
    """A member of region 2, outside branch 1's clerk's subtree."""
    return Member.objects.get(member_number="XS0205")


@pytest.fixture
def near(demo):
    return Member.objects.get(member_number="DH0108")


def test_the_record_list_shows_only_the_clerks_subtree_and_searches_chinese_names(demo, client):
    login(client, "clerk")
    html = client.get("/admin/learning/records/").content.decode()
    assert "张伟" in html and "李娜" not in html
    assert "陈静" not in html  # a member of the region office, above the branch
    found = client.get("/admin/learning/records/", {"q": "张"}).content.decode()
    assert "张伟" in found and "王秀英" not in found


@pytest.mark.parametrize(
    "url",
    [
        "/admin/learning/records/{pk}/",
        "/admin/learning/records/{pk}/change/",
    ],
)
def test_a_clerk_cannot_open_a_record_outside_the_subtree(client, far, near, url):
    login(client, "clerk")
    assert client.get(url.format(pk=near.pk)).status_code == 200
    assert client.get(url.format(pk=far.pk)).status_code == 404
    assert client.post(url.format(pk=far.pk), {"phone": "1"}).status_code == 404


def test_members_without_a_staff_role_are_refused(client, demo):
    login(client, "member")
    assert client.get("/admin/learning/records/").status_code in (302, 403)


def test_a_rejected_form_keeps_what_was_typed(client, near):
    login(client, "clerk")
    data = {
        "name": "张伟",
        "unit": near.unit_id,
        "status": "active",
        "phone": "13999999999",
        "birth_date": "not a date",
        "reason": "更新",
    }
    html = client.post(f"/admin/learning/records/{near.pk}/change/", data).content.decode()
    assert 'value="13999999999"' in html and "更新" in html
    assert RecordChange.objects.count() == 0


def test_the_review_queue_and_decisions_through_the_screens(client, near, django_user_model):
    login(client, "clerk")
    form = {
        "name": near.name,
        "unit": near.unit_id,
        "status": "active",
        "phone": "13911112222",
        "gender": near.gender,
        "birth_date": near.birth_date,
        "id_number": near.id_number,
        "join_date": near.join_date,
        "full_member_date": near.full_member_date,
        "position": near.position,
        "education": near.education,
        "reason": "换号",
    }
    response = client.post(f"/admin/learning/records/{near.pk}/change/", form)
    change = RecordChange.objects.get()
    assert response.status_code == 302
    assert change.changes == {"phone": ["13800000108", "13911112222"]}

    # The clerk cannot decide their own request.
    client.post(f"/admin/learning/records/changes/{change.pk}/decide/", {"decision": "approve"})
    change.refresh_from_db()
    assert change.level == 1

    login(client, "reviewer")
    assert "13911112222" in client.get("/admin/learning/records/review/").content.decode()
    client.post(f"/admin/learning/records/changes/{change.pk}/decide/", {"decision": "approve"})
    login(client, "regionreviewer")
    client.post(f"/admin/learning/records/changes/{change.pk}/decide/", {"decision": "approve"})
    near.refresh_from_db()
    assert near.phone == "13911112222"
    assert "13911112222" in client.get(f"/admin/learning/records/{near.pk}/").content.decode()


def test_decisions_are_posts(client, near):
    login(client, "reviewer")
    assert client.get("/admin/learning/records/changes/1/decide/").status_code == 405


def test_the_dashboard_shows_pending_reviews(client, near):
    from dj_learning.members import records

    clerk = near.unit.staff_roles.get(role="clerk").user
    records.propose_change(clerk, near, {"phone": "1"}, "")
    login(client, "reviewer")
    html = client.get("/admin/").content.decode()
    assert 'data-testid="pending-panel"' in html


# -- Export --------------------------------------------------------------------------


def test_export_reads_back_with_ids_masked_unless_allowed(client, demo):
    login(client, "clerk")
    response = client.get("/admin/learning/records/export/")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    header, body = rows[0], rows[1:]
    numbers = {row[0] for row in body}
    assert numbers == {"DH0103", "DH0101", "DH0108"}  # branch 1 only
    zhang = next(row for row in body if row[0] == "DH0108")
    assert "110101199011020037" in zhang
    assert header[0] == "党员编号"


def test_export_masks_ids_for_staff_without_the_right(client, demo, learning_settings):
    learning_settings(ID_NUMBER_ROLES=("admin",))
    login(client, "clerk")
    sheet = load_workbook(io.BytesIO(client.get("/admin/learning/records/export/").content)).active
    zhang = next(row for row in sheet.iter_rows(values_only=True) if row[0] == "DH0108")
    assert "110*************37" in zhang and "110101199011020037" not in zhang


# -- Import --------------------------------------------------------------------------


def xlsx(rows):
    book = Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def csv_bytes(rows):
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode("utf-8-sig")


HEADER = ["党员编号", "姓名", "手机号码", "所在组织代码", "入党日期"]


def test_import_dry_run_reports_per_row_and_writes_nothing(demo, django_user_model):
    clerk = django_user_model.objects.get(username="clerk")
    rows = read_rows(
        "m.xlsx",
        xlsx(
            [
                HEADER,
                ["DH0108", "张伟", "13900000000", "r1-branch-1", "2015-07-01"],
                ["DH0200", "周新", "13700000000", "r1-branch-1-a", "2026-07-01"],
                ["DH0101", "刘强", "13800000101", "r1-branch-1", "2001-06-18"],
            ]
        ),
    )
    with translation.override("en"):
        report = import_records(clerk, rows, dry_run=True)
    assert report.ok
    assert [(r.line, r.action) for r in report.rows] == [
        (2, "update"),
        (3, "create"),
        (4, "unchanged"),
    ]
    assert report.rows[0].changes == [("phone", "13800000108", "13900000000")]
    assert RecordChange.objects.count() == 0


def test_import_submits_one_request_per_changed_row(demo, django_user_model):
    clerk = django_user_model.objects.get(username="clerk")
    rows = read_rows(
        "m.csv",
        csv_bytes(
            [
                HEADER,
                ["DH0108", "张伟", "13900000000", "r1-branch-1", "2015-07-01"],
                ["DH0200", "周新", "13700000000", "r1-branch-1-a", "2026-07-01"],
            ]
        ),
    )
    report = import_records(clerk, rows, dry_run=False)
    assert report.submitted == 2
    assert sorted(RecordChange.objects.values_list("kind", flat=True)) == ["create", "update"]
    assert not Member.objects.filter(member_number="DH0200").exists()  # not before review


def test_a_bad_row_names_row_and_column_and_imports_nothing(demo, django_user_model):
    clerk = django_user_model.objects.get(username="clerk")
    rows = read_rows(
        "m.xlsx",
        xlsx(
            [
                HEADER,
                ["DH0108", "张伟", "13900000000", "r1-branch-1", "2015-07-01"],
                ["DH0201", "孙一", "13700000000", "r1-branch-1", "2026-13-45"],
                ["DH0202", "孙二", "13700000001", "r2-branch-1", "2026-01-01"],
            ]
        ),
    )
    with translation.override("en"):
        report = import_records(clerk, rows, dry_run=False)
    messages = [m for _line, m in report.errors]
    assert any(m.startswith("Line 3, column “join date”") for m in messages), messages
    assert any(m.startswith("Line 4") and "your own units" in m for m in messages), messages
    assert report.submitted == 0
    assert RecordChange.objects.count() == 0


def test_a_duplicate_id_in_an_import_names_the_record(demo, django_user_model):
    clerk = django_user_model.objects.get(username="clerk")
    rows = read_rows(
        "m.xlsx",
        xlsx(
            [
                ["党员编号", "姓名", "身份证号", "所在组织代码"],
                [
                    "DH0300",
                    "钱三",
                    "110101198503120026",
                    "r1-branch-1",
                ],  # the clerk's own ID number
                ["DH0301", "钱四", "110101199901010000", "r1-branch-1"],
                ["DH0302", "钱五", "110101199901010000", "r1-branch-1"],
            ]
        ),
    )
    report = import_records(clerk, rows, dry_run=True)
    messages = " ".join(m for _line, m in report.errors)
    assert "王秀英" in messages and "DH0103" in messages
    assert "第 2 行" in messages or "Line 2" in messages
    assert "3" in messages  # the second DH0301/DH0302 duplicate points at line 3


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("m.pdf", b"%PDF", "Excel"),
        ("m.xlsx", b"not a zip", "Excel"),
        ("m.csv", b"\xff\xfe\x00garbage", "neither UTF-8 nor GB18030"),
        ("m.csv", "姓名,电话\n张伟,1\n".encode(), "Column 2, “电话”, is not a field"),
        ("m.csv", "姓名\n张伟\n".encode(), "no member number column"),
        ("m.csv", b"x" * (5 * 1024 * 1024 + 1), "5 MB"),
    ],
)
def test_unreadable_files_are_refused_with_a_clear_message(name, content, message):
    from dj_learning.members.imports import ImportFileError

    with translation.override("en"), pytest.raises(ImportFileError, match=message):
        read_rows(name, content)


def test_the_import_screen_round_trips_the_export(client, demo):
    login(client, "clerk")
    exported = client.get("/admin/learning/records/export/").content
    upload = io.BytesIO(exported)
    upload.name = "records.xlsx"
    html = client.post(
        "/admin/learning/records/import/", {"file": upload, "dry_run": "1"}
    ).content.decode()
    assert 'data-testid="import-report"' in html
    assert "import-errors" not in html
    assert html.count("没有变化") == 3 or html.count("no change") == 3


# -- API -----------------------------------------------------------------------------


def bearer(client, username):
    response = client.post(
        "/api/v1/auth/token",
        {"username": username, "password": PASSWORD},
        content_type="application/json",
    )
    return {"HTTP_AUTHORIZATION": f"Bearer {response.json()['token']}"}


def test_api_my_record_is_masked(client, demo):
    body = client.get("/api/v1/me/record", **bearer(client, "member")).json()
    assert body["name"] == "张伟" and body["id_number"] == "110*************37"


def test_api_records_in_scope_only(client, far, near):
    auth = bearer(client, "clerk")
    listed = client.get("/api/v1/records", **auth).json()
    assert {r["member_number"] for r in listed["items"]} == {"DH0103", "DH0101", "DH0108"}
    assert client.get(f"/api/v1/records/{near.pk}", **auth).json()["id_number"] == near.id_number
    assert client.get(f"/api/v1/records/{far.pk}", **auth).status_code == 404
    assert client.get(f"/api/v1/records/{near.pk}", **bearer(client, "member")).status_code == 404


def test_api_propose_approve_and_reject(client, near, far):
    clerk = bearer(client, "clerk")
    refused = client.post(
        "/api/v1/record-changes",
        {"member_id": far.pk, "values": {"phone": "1"}},
        content_type="application/json",
        **clerk,
    )
    assert refused.status_code == 404
    created = client.post(
        "/api/v1/record-changes",
        {"member_id": near.pk, "values": {"phone": "13911112222"}, "reason": "换号"},
        content_type="application/json",
        **clerk,
    )
    assert created.status_code == 201
    change_id = created.json()["id"]
    assert created.json()["changes"] == {"phone": ["13800000108", "13911112222"]}

    too_early = client.post(
        f"/api/v1/record-changes/{change_id}/approve",
        {},
        content_type="application/json",
        **bearer(client, "regionreviewer"),
    )
    assert too_early.status_code == 409
    waiting = client.get("/api/v1/record-changes?waiting_for_me=true", **bearer(client, "reviewer"))
    assert [c["id"] for c in waiting.json()["items"]] == [change_id]
    client.post(
        f"/api/v1/record-changes/{change_id}/approve",
        {},
        content_type="application/json",
        **bearer(client, "reviewer"),
    )
    done = client.post(
        f"/api/v1/record-changes/{change_id}/approve",
        {},
        content_type="application/json",
        **bearer(client, "regionreviewer"),
    )
    assert done.json()["status"] == "applied"
    near.refresh_from_db()
    assert near.phone == "13911112222"

    second = client.post(
        "/api/v1/record-changes",
        {"member_id": near.pk, "values": {"phone": "1"}},
        content_type="application/json",
        **clerk,
    ).json()["id"]
    rejected = client.post(
        f"/api/v1/record-changes/{second}/reject",
        {"comment": "不对"},
        content_type="application/json",
        **bearer(client, "reviewer"),
    )
    assert rejected.json()["status"] == "rejected"


def test_a_member_requests_a_correction_from_the_profile(client, near):
    login(client, "member")
    page = client.get("/learning/me/correction/").content.decode()
    assert "110*************37" in page and "110101199011020037" not in page
    data = {
        "name": "张伟",
        "gender": "male",
        "birth_date": "1990-11-03",
        "id_number": "110*************37",
        "phone": near.phone,
        "education": "bachelor",
    }
    refused = client.post("/learning/me/correction/", {**data, "reason": ""})
    html = refused.content.decode()
    assert refused.status_code == 200 and 'value="1990-11-03"' in html
    assert "请说明哪里有误以及原因" in html
    response = client.post("/learning/me/correction/", {**data, "reason": "生日登记错了一天"})
    assert response.status_code == 302
    change = RecordChange.objects.get()
    assert (change.kind, change.requested_by.username) == ("correction", "member")
    assert change.changes == {"birth_date": ["1990-11-02", "1990-11-03"]}  # the ID stays as it was
    profile = client.get("/learning/me/").content.decode()
    assert "党员申请更正" in profile and "待审核" in profile


def test_the_queue_counts_pending_requests_per_level(client, near):
    from dj_learning.members import records
    from dj_learning.review import services as review

    clerk = near.unit.staff_roles.get(role="clerk").user
    reviewer = near.unit.staff_roles.get(role="reviewer").user
    first = records.propose_change(clerk, near, {"phone": "1"}, "")
    records.propose_change(clerk, near, {"phone": "2"}, "")
    review.approve(first, reviewer)
    login(client, "regionreviewer")
    html = client.get("/admin/learning/records/review/").content.decode()
    assert "第 1 级：1 条" in html and "第 2 级：1 条" in html


def test_an_import_cannot_reach_members_of_other_units(demo, django_user_model):
    clerk = django_user_model.objects.get(username="clerk")
    rows = read_rows(
        "m.xlsx",
        xlsx(
            [
                ["党员编号", "姓名", "所在组织代码"],
                [
                    "XS0205",
                    "李娜",
                    "r1-branch-1",
                ],  # a member of region 2, "moved" into the clerk's branch
            ]
        ),
    )
    with translation.override("en"):
        report = import_records(clerk, rows, dry_run=False)
    assert [m for _line, m in report.errors] == [
        "Line 2, column “member number”: this member is not in your units"
    ]
    assert report.rows[0].changes == []  # nothing about that member is shown
    assert RecordChange.objects.count() == 0
