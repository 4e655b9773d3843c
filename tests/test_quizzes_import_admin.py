"""The admin import (check, then confirm) and export screens: permissions and scope."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from dj_learning.orgs.models import StaffRole
from dj_learning.quizzes import importing
from dj_learning.quizzes.formats import gift, table
from dj_learning.quizzes.models import PendingImport, Question, QuestionBank
from dj_learning.test import factories

URL = "/admin/learning/questions/import/"
GIFT = "::一::党的最高领导机关是{=党的全国代表大会和它所产生的中央委员会 ~中央政治局}\n\n二加二等于{#4}\n"


def editor(*perms, unit=None):
    user = factories.staff(role=StaffRole.Role.ADMIN, unit=unit) if unit else factories.user()
    codenames = ["access_admin", *perms]
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    return user


@pytest.fixture
def importer(db, client):
    user = editor("add_question", "add_questionbank", "change_question")
    client.force_login(user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return user


def upload(content, name="q.gift"):
    return SimpleUploadedFile(name, content.encode() if isinstance(content, str) else content)


def test_check_shows_what_would_be_imported_then_confirm_imports(client, importer):
    response = client.post(URL, {"bank": "新题库", "file": upload(GIFT)})
    assert response.status_code == 200
    html = response.content.decode()
    assert "q.gift: 2 questions will be imported into “新题库”." in html
    assert "The bank is new and will be created." in html
    assert "党的最高领导机关是" in html
    assert not QuestionBank.objects.exists()  # the check writes nothing
    token = response.context["token"]

    response = client.post(URL, {"token": token}, follow=True)
    assert "Imported 2 questions into “新题库”." in response.content.decode()
    assert Question.objects.filter(bank__name="新题库").count() == 2
    # The token is spent: confirming twice imports nothing more.
    response = client.post(URL, {"token": token}, follow=True)
    assert "The upload has expired; choose the file again." in response.content.decode()
    assert Question.objects.count() == 2


def test_a_broken_file_names_the_line_keeps_the_bank_name_and_writes_nothing(client, importer):
    response = client.post(URL, {"bank": "新题库", "file": upload(GIFT + "\n\n坏题 {=a ~b\n")})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Line 6: the answer block opened here is not closed with “}”." in html
    assert 'value="新题库"' in html
    assert not QuestionBank.objects.exists()


def test_the_screen_speaks_chinese_by_default(client, importer):
    response = client.post(
        URL,
        {"bank": "新题库", "file": upload("坏题 {=a ~b\n")},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    html = response.content.decode()
    assert "第 1 行：此处开始的答案块没有以“}”结束。" in html
    assert "导入题目" in html


def test_unknown_format_and_too_large_files_are_refused(client, importer, learning_settings):
    response = client.post(URL, {"bank": "x", "file": upload(b"\x00\x01binary", "a.bin")})
    assert "its content does not match" in response.content.decode()
    learning_settings(QUIZ_IMPORT_MAX_BYTES=1024)
    response = client.post(URL, {"bank": "x", "file": upload("x" * 5000)})
    assert "The file is 5 KB; the largest file accepted is 1 KB." in response.content.decode()
    assert not QuestionBank.objects.exists()


def test_another_user_cannot_confirm_an_upload(client, importer):
    response = client.post(URL, {"bank": "新题库", "file": upload(GIFT)})
    token = response.context["token"]
    client.force_login(editor("add_question", "add_questionbank"))
    response = client.post(URL, {"token": token}, follow=True)
    assert "The upload has expired" in response.content.decode()
    assert not QuestionBank.objects.exists()


def test_the_confirm_may_reach_another_process_with_nothing_in_its_cache(client, importer):
    """Check in one web process, confirm in another: the file waits in the database,
    so nothing depends on the cache (cleared here) or on the editor's session."""
    token = client.post(URL, {"bank": "新题库", "file": upload(GIFT)}).context["token"]
    cache.clear()
    elsewhere = Client(HTTP_ACCEPT_LANGUAGE="en")
    elsewhere.force_login(importer)  # another session of the same editor
    response = elsewhere.post(URL, {"token": token}, follow=True)
    assert "Imported 2 questions into “新题库”." in response.content.decode()
    assert Question.objects.filter(bank__name="新题库").count() == 2
    assert not PendingImport.objects.exists()  # spent


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_an_expired_upload_is_refused_and_removed(client, importer, language):
    token = client.post(URL, {"bank": "新题库", "file": upload(GIFT)}).context["token"]
    PendingImport.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    response = client.post(URL, {"token": token}, follow=True, HTTP_ACCEPT_LANGUAGE=language)
    expected = {
        "en": "The upload has expired; choose the file again.",
        "zh-hans": "上传的文件已失效，请重新选择文件。",
    }[language]
    assert expected in response.content.decode()
    assert not QuestionBank.objects.exists()
    assert not PendingImport.objects.exists()  # cleaned on the way


def test_another_users_token_is_refused_and_stays_for_its_owner(client, importer):
    token = client.post(URL, {"bank": "新题库", "file": upload(GIFT)}).context["token"]
    other = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    other.force_login(editor("add_question", "add_questionbank"))
    response = other.post(URL, {"token": token}, follow=True)
    assert "上传的文件已失效，请重新选择文件。" in response.content.decode()
    assert not QuestionBank.objects.exists()
    response = client.post(URL, {"token": token}, follow=True)
    assert "Imported 2 questions into “新题库”." in response.content.decode()


def refused(response):
    # Wagtail's admin answers PermissionDenied with a redirect to the dashboard.
    return response.status_code == 302 and response.url == "/admin/"


def test_without_permission_the_screens_are_refused(client, db):
    client.force_login(editor())
    assert refused(client.get(URL))
    assert refused(client.post(URL, {"bank": "x", "file": upload(GIFT)}))
    assert refused(client.get("/admin/learning/questions/template.xlsx"))
    bank = QuestionBank.objects.create(name="甲")
    assert refused(client.get(f"/admin/learning/questions/banks/{bank.pk}/export.gift"))
    assert not QuestionBank.objects.exclude(pk=bank.pk).exists()


def test_no_new_bank_without_the_bank_permission(client, db):
    client.force_login(editor("add_question"))
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    response = client.post(URL, {"bank": "新题库", "file": upload(GIFT)})
    assert "There is no bank of that name." in response.content.decode()


def test_export_and_template_downloads(client, importer):
    importing.import_questions("q.gift", GIFT.encode(), bank_name="甲库")
    bank = QuestionBank.objects.get(name="甲库")
    response = client.get(URL)
    assert "甲库" in response.content.decode()
    response = client.get(f"/admin/learning/questions/banks/{bank.pk}/export.gift")
    assert response.status_code == 200
    assert response["Content-Disposition"] == "attachment; filename*=UTF-8''%E7%94%B2%E5%BA%93.gift"
    assert len(gift.parse(response.content.decode()).questions) == 2
    response = client.get(f"/admin/learning/questions/banks/{bank.pk}/export.xlsx")
    assert [q["kind"] for q in table.parse_xlsx(response.content).questions] == [
        "single",
        "numerical",
    ]
    response = client.get("/admin/learning/questions/template.xlsx")
    assert table.parse_xlsx(response.content).questions == table.example_questions()
    assert client.get(f"/admin/learning/questions/banks/{bank.pk}/export.pdf").status_code == 404


def test_banks_of_other_units_are_out_of_scope(client, tree):
    user = editor("add_question", "change_question", unit=tree["r1"])
    client.force_login(user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    own = QuestionBank.objects.create(name="一区题库", unit=tree["b1"])
    other = QuestionBank.objects.create(name="二区题库", unit=tree["r2"])
    shared = QuestionBank.objects.create(name="公共题库")
    assert client.get(f"/admin/learning/questions/banks/{own.pk}/export.csv").status_code == 200
    assert client.get(f"/admin/learning/questions/banks/{shared.pk}/export.csv").status_code == 200
    assert client.get(f"/admin/learning/questions/banks/{other.pk}/export.csv").status_code == 404
    html = client.get(URL).content.decode()
    assert "一区题库" in html and "公共题库" in html and "二区题库" not in html
    response = client.post(URL, {"bank": "二区题库", "file": upload(GIFT)})
    assert "That bank belongs to a unit outside your scope." in response.content.decode()
    assert not Question.objects.exists()


def test_bank_listing_has_export_buttons(client, importer, django_assert_max_num_queries):
    for n in range(5):
        QuestionBank.objects.create(name=f"题库{n}")
    response = client.get("/admin/snippets/learning_quizzes/questionbank/")
    assert response.status_code == 200
    assert response.content.decode().count("/export.gift") == 5
    with django_assert_max_num_queries(30) as few:
        client.get("/admin/snippets/learning_quizzes/questionbank/")
    for n in range(5, 25):
        QuestionBank.objects.create(name=f"题库{n}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get("/admin/snippets/learning_quizzes/questionbank/")
