"""Certificates: issuing rules, numbering, the PDF stored at issue and read back,
reissue, revocation, expiry, verification, downloads and their scope."""

import base64
import io
import subprocess
from datetime import timedelta
from decimal import Decimal

import pytest
import zxingcpp
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation
from PIL import Image
from pypdf import PdfReader

from dj_learning.certificates import drawing, services
from dj_learning.certificates.models import Certificate, CertificateTemplate, IssuingRule
from dj_learning.courses import services as courses
from dj_learning.pdf.services import PdfError
from dj_learning.test import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _private(settings, tmp_path):
    settings.DJ_LEARNING = {**settings.DJ_LEARNING, "PRIVATE_MEDIA_ROOT": str(tmp_path / "p")}
    services._image_cache.clear()
    drawing._prepared_images.clear()


def png(colour=(200, 16, 46), size=(120, 120)):
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "PNG")
    return out.getvalue()


def make_template(unit, **fields):
    from dj_learning.uploads import private

    defaults = {
        "name": "荣誉证书",
        "title": "荣誉证书",
        "body": "{name}同志（{member_number}）在{plan_year}年度学习中成绩优秀，特发此证。{course}",
        "issuer": "中共一区委员会组织部",
        "number_prefix": "YQ",
    }
    template = CertificateTemplate.objects.create(unit=unit, **{**defaults, **fields})
    template.seal.name = private.save("certificates/templates/seal.png", io.BytesIO(png()))
    template.save()
    return template


def qr_codes(pdf_bytes, tmp_path):
    """What a QR reader finds on the PDF's first page, printed at 150 dpi."""
    path = tmp_path / "qr.pdf"
    path.write_bytes(pdf_bytes)
    subprocess.run(
        ["pdftoppm", "-r", "150", "-png", "-singlefile", str(path), str(tmp_path / "qr")],
        check=True,
    )
    return [code.text for code in zxingcpp.read_barcodes(Image.open(tmp_path / "qr.png"))]


def text_of(pdf_bytes, tmp_path):
    path = tmp_path / "c.pdf"
    path.write_bytes(pdf_bytes)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def stored(certificate):
    certificate.refresh_from_db()
    with certificate.pdf.open("rb") as handle:
        return handle.read()


@pytest.fixture
def template(tree):
    return make_template(tree["r1"])


@pytest.fixture
def someone(tree):
    return factories.member(unit=tree["b1"], name="李明华")


def test_a_hand_issued_certificate_is_numbered_rendered_and_reads_back(
    template, someone, tree, tmp_path, django_capture_on_commit_callbacks
):
    admin = factories.staff(role="admin", unit=tree["r1"])
    with django_capture_on_commit_callbacks(execute=True):
        certificate = services.issue_by_hand(admin, someone, template, course="党章学习")
    year = timezone.localdate().year
    assert certificate.number == f"YQ-{year}-000001"
    assert len(base64.urlsafe_b64decode(certificate.code + "==")) * 8 >= 128
    content = stored(certificate)  # rendered by the job (run at once in tests)
    text = text_of(content, tmp_path)
    assert "李明华" in text and "荣誉证书" in text and "党章学习" in text
    assert certificate.number in text
    reader = PdfReader(io.BytesIO(content))
    fonts = reader.pages[0]["/Resources"]["/Font"].values()
    embedded = []
    for ref in fonts:
        font = ref.get_object()
        target = font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
        descriptor = target.get("/FontDescriptor")
        embedded.append(bool(descriptor) and "/FontFile2" in descriptor.get_object())
    assert any(embedded)  # the CJK font travels with the PDF
    url = f"http://testserver/verify/{certificate.code}/"
    assert url in reader.pages[0].extract_text().replace("\n", "")
    assert qr_codes(content, tmp_path) == [url]  # a phone scanning the page lands on it


def test_a_site_may_lay_certificates_out_in_its_html_template_instead(
    template, someone, tmp_path, learning_settings
):
    learning_settings(CERTIFICATE_RENDERER="dj_learning.certificates.services.render_html")
    template.body = "{name}同志：在{plan_year}年度学习中成绩优秀。"
    pdf = services.render(template, {"name": "李明华", "plan_year": "2026"}, code="c0de")
    text = text_of(pdf, tmp_path)
    assert "李明华同志" in text and "荣誉证书" in text
    assert qr_codes(pdf, tmp_path) == ["http://testserver/verify/c0de/"]


def test_a_character_the_fonts_cannot_draw_is_refused_by_name_rather_than_left_out(template):
    with pytest.raises(PdfError, match="🎓"):
        services.render(template, {"name": "李明华🎓"}, code="c0de")


def test_images_with_the_same_transparency_and_deep_names_all_print(template, tmp_path):
    """Two opaque PNGs of one size share their transparency mask; names hold slashes."""
    from dj_learning.uploads import private

    def rgba(colour):
        out = io.BytesIO()
        Image.new("RGBA", (120, 120), colour).save(out, "PNG")
        return io.BytesIO(out.getvalue())

    template.seal.name = private.save("certificates/templates/a/b/c/seal.png", rgba("red"))
    template.signer_1_name, template.signer_1_title = "王建国", "书记"
    template.signer_1_image.name = private.save("certificates/x/y/sign.png", rgba("blue"))
    template.save()
    pdf = services.render(template, {"name": "李明华"}, code="c0de")
    images = PdfReader(io.BytesIO(pdf)).pages[0].images
    colours = sorted(Image.open(io.BytesIO(i.data)).convert("RGB").getpixel((5, 5)) for i in images)
    assert colours == [(0, 0, 255), (255, 0, 0)]
    assert "王建国" in text_of(pdf, tmp_path)


def test_latin_letters_digits_and_quotes_print_beside_chinese(template, tmp_path):
    template.body = "{name}同志完成“{course}”，成绩 {score} 分。"
    values = {"name": "Anna Müller", "course": "Party Charter", "score": "95"}
    pdf = services.render(template, values, code="c0de")
    assert "Anna Müller同志完成“Party Charter”，成绩 95 分。" in text_of(pdf, tmp_path)


# -- Issuing rules -----------------------------------------------------------------------------


def complete(member, module, capture):
    factories.studied(member, module)
    with capture(execute=True):
        return courses.try_complete(member, module)


def test_completing_every_module_of_a_course_issues_its_certificate(
    template, someone, tree, django_capture_on_commit_callbacks, tmp_path
):
    course = factories.course(title="党章专题课程")
    first = factories.module(course=course, lesson_count=1, credits="2")
    second = factories.module(course=course, lesson_count=1, credits="1.5")
    IssuingRule.objects.create(
        unit=tree["r1"], name="结业", template=template, trigger="course", course=course
    )
    courses.enrol(someone, course)
    complete(someone, first, django_capture_on_commit_callbacks)
    assert not Certificate.objects.exists()  # half the course is not the course
    complete(someone, second, django_capture_on_commit_callbacks)
    (certificate,) = Certificate.objects.filter(member=someone)
    assert certificate.values["course"] == "党章专题课程"
    assert certificate.values["credits"] == "3.5"
    assert "党章专题课程" in text_of(stored(certificate), tmp_path)


def test_a_course_rule_of_another_region_does_not_apply(
    someone, tree, django_capture_on_commit_callbacks
):
    other = make_template(tree["r2"], number_prefix="EQ")
    course = factories.course()
    module = factories.module(course=course, lesson_count=1)
    IssuingRule.objects.create(
        unit=tree["r2"], name="二区结业", template=other, trigger="course", course=course
    )
    courses.enrol(someone, course)
    complete(someone, module, django_capture_on_commit_callbacks)
    assert not Certificate.objects.exists()


def test_meeting_the_plan_issues_one_certificate_per_year(
    template, someone, tree, django_capture_on_commit_callbacks
):
    from dj_learning.certificates import tasks

    first = factories.module(lesson_count=1, credits="1")
    second = factories.module(lesson_count=1, credits="1")
    factories.plan(unit=tree["r1"], modules=[first, second], required_credits="2")
    IssuingRule.objects.create(unit=tree["r1"], name="达标", template=template, trigger="plan")
    complete(someone, first, django_capture_on_commit_callbacks)
    assert not Certificate.objects.exists()  # 1 of 2 required credits
    completion = complete(someone, second, django_capture_on_commit_callbacks)
    (certificate,) = Certificate.objects.all()
    year = courses.study_year()
    assert certificate.key.endswith(f":{year}") and certificate.values["plan_year"] == str(year)
    # A retried job issues nothing twice.
    assert tasks.issue_on_completion(completion.pk) == []
    assert Certificate.objects.count() == 1


def test_approved_offline_training_that_meets_the_plan_issues_its_certificate(
    template, someone, tree, django_capture_on_commit_callbacks, tmp_path
):
    """The plan is met by the training's approval, not by a later completion: the
    certificate is issued then, with the year's credits, and only once."""
    from dj_learning.certificates import tasks
    from dj_learning.credits import services as credits
    from dj_learning.review import services as review

    module = factories.module(lesson_count=1, credits="1")
    factories.plan(unit=tree["r1"], modules=[module], required_credits="3")
    IssuingRule.objects.create(unit=tree["r1"], name="达标", template=template, trigger="plan")
    complete(someone, module, django_capture_on_commit_callbacks)
    assert not Certificate.objects.exists()  # 1 of 3 credits
    clerk = factories.staff(role="clerk", unit=tree["b1"])
    reviewer = factories.staff(role="reviewer", unit=tree["b1"])
    training = credits.propose_training(
        clerk,
        someone,
        title="党课：学习二十大精神",
        date=timezone.localdate(),
        hours=Decimal("2"),
        kind="required",
        reason="支部党课",
    )
    with django_capture_on_commit_callbacks(execute=True):
        review.approve(training, reviewer)
    (certificate,) = Certificate.objects.filter(member=someone)
    year = courses.study_year()
    assert certificate.key.endswith(f":{year}") and certificate.values["credits"] == "3"
    assert "李明华" in text_of(stored(certificate), tmp_path)
    # A redelivered job issues nothing twice.
    assert tasks.issue_on_plan(someone.pk, year) == []
    assert Certificate.objects.count() == 1


def test_approved_offline_training_short_of_the_plan_issues_nothing(
    template, someone, tree, django_capture_on_commit_callbacks
):
    from dj_learning.credits import services as credits
    from dj_learning.review import services as review

    factories.plan(unit=tree["r1"], required_credits="5")
    IssuingRule.objects.create(unit=tree["r1"], name="达标", template=template, trigger="plan")
    training = credits.propose_training(
        factories.staff(role="clerk", unit=tree["b1"]),
        someone,
        title="党课",
        date=timezone.localdate(),
        hours=Decimal("2"),
        kind="required",
    )
    with django_capture_on_commit_callbacks(execute=True):
        review.approve(training, factories.staff(role="reviewer", unit=tree["b1"]))
    assert not Certificate.objects.exists()


def passed_attempt(member, quiz, score, max_score=100):
    from dj_learning.quizzes.models import Attempt
    from dj_learning.quizzes.services import after_pass

    attempt = Attempt.objects.create(
        quiz=quiz,
        member=member,
        number=Attempt.objects.filter(member=member, quiz=quiz).count() + 1,
        seed=1,
        state="graded",
        started_at=timezone.now(),
        graded_at=timezone.now(),
        year=courses.study_year(),
        score=Decimal(score),
        max_score=Decimal(max_score),
        pass_percent=Decimal(60),
        passed=True,
        quiz_title=quiz.title,
    )
    after_pass(attempt.pk)
    return attempt


def test_an_exam_passed_with_the_minimum_score_issues_the_certificate(
    template, someone, tree, django_capture_on_commit_callbacks
):
    quiz = factories.quiz(title="党纪知识竞赛")
    IssuingRule.objects.create(
        unit=tree["r1"], name="优秀", template=template, trigger="exam", quiz=quiz, min_score=90
    )
    with django_capture_on_commit_callbacks(execute=True):
        passed_attempt(someone, quiz, 85)
    assert not Certificate.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        passed_attempt(someone, quiz, 95)
        passed_attempt(someone, quiz, 100)  # a second good attempt: still one certificate
    (certificate,) = Certificate.objects.all()
    assert certificate.values["score"] == "95" and certificate.values["course"] == "党纪知识竞赛"


def test_one_key_is_one_certificate_in_the_database(template, someone):
    from django.db import IntegrityError, transaction

    certificate, created = services.issue(someone, template, key="rule:1:1")
    again, created_again = services.issue(someone, template, key="rule:1:1")
    assert created and not created_again and again.pk == certificate.pk
    with pytest.raises(IntegrityError), transaction.atomic():
        Certificate.objects.create(
            member=someone,
            template=template,
            key="rule:1:1",
            number="X-1",
            title="t",
            issuer="i",
            issued_on=timezone.localdate(),
        )


def test_numbers_follow_the_region_sequence_per_year(template, tree):
    other_region = make_template(tree["r2"], number_prefix="EQ")
    members = [factories.member(unit=tree["b1"]) for _ in range(3)]
    year = timezone.localdate().year
    numbers = [services.issue(m, template, key=f"k{m.pk}")[0].number for m in members]
    assert numbers == [f"YQ-{year}-00000{i}" for i in (1, 2, 3)]
    first_of_two = services.issue(members[0], other_region, key="r2")[0]
    assert first_of_two.number == f"EQ-{year}-000001"
    next_year = services.issue(
        members[0], template, key="ny", today=timezone.localdate().replace(year=year + 1)
    )[0]
    assert next_year.number == f"YQ-{year + 1}-000001"


# -- The stored PDF ----------------------------------------------------------------------------


def test_the_stored_pdf_stays_byte_identical_after_a_template_edit_until_rerendered(
    template, someone, tree, tmp_path, django_capture_on_commit_callbacks
):
    admin = factories.staff(role="admin", unit=tree["r1"])
    with django_capture_on_commit_callbacks(execute=True):
        certificate = services.issue_by_hand(admin, someone, template)
    before = stored(certificate)
    template.title = "学习标兵"
    template.save()
    services.render_stored(certificate.pk)  # a retried job: nothing rendered again
    assert stored(certificate) == before
    number, code = certificate.number, certificate.code
    with django_capture_on_commit_callbacks(execute=True):
        services.rerender(admin, certificate)
    after = stored(certificate)
    assert after != before
    assert "学习标兵" in text_of(after, tmp_path)
    assert (certificate.number, certificate.code) == (number, code)
    assert certificate.title == "学习标兵"


# -- Verification ------------------------------------------------------------------------------


@pytest.fixture
def issued(template, someone):
    return services.issue(someone, template, key="v")[0]


def test_verify_says_genuine_with_the_facts_and_nothing_else(client, issued, someone):
    someone.id_number = "110101199001011234"
    response = client.get(f"/verify/{issued.code}/", HTTP_ACCEPT_LANGUAGE="en")
    body = response.content.decode()
    assert response.status_code == 200
    assert "Genuine: this certificate was issued and is valid." in body
    assert "李明华" in body and issued.number in body and "中共一区委员会组织部" in body
    assert someone.member_number not in body


def test_verify_says_revoked_with_the_date(client, issued, tree):
    admin = factories.staff(role="admin", unit=tree["r1"])
    services.revoke(admin, issued, "信息有误")
    body = client.get(f"/verify/{issued.code}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    day = timezone.localdate().isoformat()
    assert f"Revoked on {day}: this certificate is no longer valid." in body


def test_verify_says_expired(client, template, someone):
    template.valid_days = 30
    template.save()
    long_ago = timezone.localdate() - timedelta(days=40)
    certificate = services.issue(someone, template, key="e", today=long_ago)[0]
    assert certificate.expires_on == long_ago + timedelta(days=30)
    body = client.get(f"/verify/{certificate.code}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f"Genuine, but expired on {certificate.expires_on.isoformat()}." in body


def test_an_unknown_code_is_still_a_404_for_transcripts_and_certificates(client, issued):
    response = client.get("/verify/not-a-code/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 404
    assert "No transcript has this code" in response.content.decode()


def test_revoking_needs_a_reason_and_the_admin_role_in_scope(issued, tree):
    other_admin = factories.staff(role="admin", unit=tree["r2"])
    clerk = factories.staff(role="clerk", unit=tree["r1"])
    admin = factories.staff(role="admin", unit=tree["r1"])
    for user in (other_admin, clerk):
        with pytest.raises(services.CertificateError):
            services.revoke(user, issued, "理由")
    with (
        translation.override("en"),
        pytest.raises(services.CertificateError, match="Give a reason"),
    ):
        services.revoke(admin, issued, "  ")
    services.revoke(admin, issued, "理由")
    issued.refresh_from_db()
    assert issued.current_status() == "revoked" and issued.revoked_by == admin


# -- Downloads and scope -----------------------------------------------------------------------


@pytest.fixture
def rendered(template, someone, django_capture_on_commit_callbacks):
    certificate = services.issue(someone, template, key="d")[0]
    services.render_stored(certificate.pk)
    certificate.refresh_from_db()
    return certificate


def login(client, user):
    client.force_login(user)
    return client


def test_the_member_downloads_their_own_certificate(client, rendered, someone):
    response = login(client, someone.user).get(f"/learning/certificates/{rendered.pk}/pdf/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
    assert f"certificate-{rendered.number}.pdf" in response["Content-Disposition"]


def test_another_members_certificate_is_a_404_everywhere(client, rendered, tree):
    stranger = factories.member(unit=tree["b1"])
    login(client, stranger.user)
    assert client.get(f"/learning/certificates/{rendered.pk}/pdf/").status_code == 404
    assert client.get(f"/api/v1/me/certificates/{rendered.pk}/pdf").status_code == 404
    assert client.get("/api/v1/me/certificates").json() == []
    assert rendered.number not in client.get("/learning/certificates/").content.decode()


def test_staff_download_in_their_subtree_only(client, rendered, tree):
    clerk = factories.staff(role="clerk", unit=tree["b1"])
    outsider = factories.staff(role="admin", unit=tree["r2"])
    assert login(client, clerk).get(f"/learning/certificates/{rendered.pk}/pdf/").status_code == 200
    assert (
        login(client, outsider).get(f"/learning/certificates/{rendered.pk}/pdf/").status_code == 404
    )


def test_a_revoked_certificate_is_no_longer_downloadable_by_the_member(
    client, rendered, someone, tree
):
    services.revoke(factories.staff(role="admin", unit=tree["r1"]), rendered, "撤销")
    login(client, someone.user)
    assert client.get(f"/learning/certificates/{rendered.pk}/pdf/").status_code == 404
    assert client.get(f"/api/v1/me/certificates/{rendered.pk}/pdf").status_code == 404
    (row,) = client.get("/api/v1/me/certificates").json()
    assert row["status"] == "revoked" and row["download_url"] is None


def test_my_certificates_page_costs_the_same_for_many(
    client, template, someone, django_assert_max_num_queries
):
    login(client, someone.user)
    for i in range(3):
        services.issue(someone, template, key=f"few{i}")
    with django_assert_max_num_queries(12) as few:
        assert client.get("/learning/certificates/", HTTP_ACCEPT_LANGUAGE="en").status_code == 200
    for i in range(40):
        services.issue(someone, template, key=f"many{i}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get("/learning/certificates/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.content.decode().count('data-testid="certificate-row"') == 43


# -- API ---------------------------------------------------------------------------------------


def test_the_api_lists_the_members_certificates_with_a_download_url(client, rendered, someone):
    login(client, someone.user)
    (row,) = client.get("/api/v1/me/certificates").json()
    assert row["number"] == rendered.number and row["status"] == "valid"
    response = client.get(row["download_url"])
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF-")


def test_the_staff_api_lists_and_revokes_in_scope(client, rendered, tree):
    outsider = factories.staff(role="admin", unit=tree["r2"])
    login(client, outsider)
    assert client.get("/api/v1/certificates").json() == []
    response = client.post(
        f"/api/v1/certificates/{rendered.pk}/revoke",
        {"reason": "错发"},
        content_type="application/json",
    )
    assert response.status_code == 404
    admin = factories.staff(role="admin", unit=tree["r1"])
    login(client, admin)
    assert [r["number"] for r in client.get("/api/v1/certificates").json()] == [rendered.number]
    response = client.post(
        f"/api/v1/certificates/{rendered.pk}/revoke",
        {"reason": "错发"},
        content_type="application/json",
    )
    assert response.status_code == 200 and response.json()["status"] == "revoked"
    assert [r["number"] for r in client.get("/api/v1/certificates?status=revoked").json()] == [
        rendered.number
    ]


@pytest.mark.parametrize(
    "roles", [["clerk"], ["clerk", "admin@r2"]], ids=["clerk", "admin-elsewhere"]
)
def test_revoking_outside_ones_admin_units_is_refused_with_403_and_changes_nothing(
    client, rendered, tree, roles
):
    """Staff who see the certificate (a clerk of its region) but hold no admin role over
    its member are refused: a 403 saying why, not a conflict, and nothing is written."""
    from wagtail.models import ModelLogEntry

    from dj_learning.orgs.services import grant_role

    user = factories.staff(role="clerk", unit=tree["r1"])
    if "admin@r2" in roles:
        grant_role(user, tree["r2"], "admin")
    login(client, user)
    url = f"/api/v1/certificates/{rendered.pk}/revoke"
    response = client.post(
        url, {"reason": "错发"}, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 403
    assert "This certificate is outside your units." in response.content.decode()
    rendered.refresh_from_db()
    assert rendered.status == "valid" and rendered.revoked_reason == ""
    assert not ModelLogEntry.objects.filter(action="learning_certificates.revoke").exists()

    admin = factories.staff(role="admin", unit=tree["r1"])
    login(client, admin)
    response = client.post(url, {"reason": "错发"}, content_type="application/json")
    assert response.status_code == 200 and response.json()["status"] == "revoked"
    (entry,) = ModelLogEntry.objects.filter(action="learning_certificates.revoke")
    assert entry.user == admin and entry.data["reason"] == "错发"
    # Revoking again is a conflict with the certificate's state, said as such.
    response = client.post(url, {"reason": "错发"}, content_type="application/json")
    assert response.status_code == 409


# -- Expiry reminders --------------------------------------------------------------------------


def test_an_expiry_reminder_goes_once_per_interval(template, someone, learning_settings):
    learning_settings(CERTIFICATE_REMINDER_DAYS=(30, 7))
    someone.user.email = "li@example.com"
    someone.user.save()
    template.valid_days = 365
    template.save()
    today = timezone.localdate()
    certificate = services.issue(someone, template, key="x", today=today - timedelta(days=340))[0]
    assert services.remind_expiring(today) == 1  # 25 days left: the 30-day notice
    assert services.remind_expiring(today) == 0
    assert services.remind_expiring(today + timedelta(days=19)) == 1  # 6 days left
    assert services.remind_expiring(today + timedelta(days=20)) == 0
    assert len(mail.outbox) == 2
    assert certificate.number in mail.outbox[0].subject


# -- The award from transcripts ----------------------------------------------------------------


def test_a_certificate_is_a_third_kind_of_award_from_transcripts(
    template, tree, django_capture_on_commit_callbacks
):
    from dj_learning.rewards import awards
    from dj_learning.rewards.models import TranscriptAward

    admin = factories.staff(role="admin", unit=tree["r1"])
    winners = [factories.member_with_completions(1, tree[unit]) for unit in ("b1", "b1a")]
    with django_capture_on_commit_callbacks(execute=True):
        award = awards.request_award(
            admin,
            tree["r1"],
            courses.study_year(),
            criterion=TranscriptAward.Criterion.MET,
            reason="年度学习标兵",
            kind="certificate",
            target=template.pk,
        )
    award.refresh_from_db()
    assert award.status == "done" and award.awarded == 2
    assert "荣誉证书" in str(award.what)
    assert sorted(c.member_id for c in award.certificates.all()) == sorted(w.pk for w in winners)
    assert all(c.pdf for c in award.certificates.all())
    awards.run(award.pk)  # a rerun awards nobody twice
    assert award.certificates.count() == 2


def test_an_award_of_a_template_outside_ones_units_is_refused(template, tree):
    from dj_learning.rewards import awards
    from dj_learning.rewards.services import PointsError

    outsider = factories.staff(role="admin", unit=tree["r2"])
    with pytest.raises(PointsError):
        awards.request_award(
            outsider,
            tree["r2"],
            courses.study_year(),
            criterion="met",
            reason="r",
            kind="certificate",
            target=template.pk,
        )


# -- The admin ---------------------------------------------------------------------------------


def template_post(unit, **extra):
    return {
        "unit": unit.pk,
        "name": "新模板",
        "orientation": "landscape",
        "title": "荣誉证书",
        "body": "{name}同志：特发此证。",
        "issuer": "组织部",
        "number_prefix": "NEW",
        "valid_days": "",
        "accent_colour": "#c8102e",
        "signer_1_name": "",
        "signer_1_title": "",
        "signer_2_name": "",
        "signer_2_title": "",
        **extra,
    }


@pytest.fixture
def region_admin(client, tree):
    admin = factories.staff(role="admin", unit=tree["r1"])
    admin.is_staff = True
    admin.save()
    from django.contrib.auth.models import Permission

    admin.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(admin)
    return admin


def test_an_unknown_placeholder_is_refused_by_name_and_nothing_saved(client, region_admin, tree):
    response = client.post(
        "/admin/learning/certificates/templates/new/",
        template_post(tree["r1"], body="{name}同志获得{honour}称号"),
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert "Unknown placeholder: {honour}." in response.content.decode()
    assert "{name}同志获得{honour}称号" in response.content.decode()  # what was typed stays
    assert not CertificateTemplate.objects.filter(name="新模板").exists()


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"<svg xmlns='http://www.w3.org/2000/svg'></svg>", "bg.svg", "This file is not an image"),
        (b"not an image at all", "bg.png", "This file is not an image"),
    ],
)
def test_a_bad_background_is_refused_and_nothing_saved(
    client, region_admin, tree, content, name, message
):
    response = client.post(
        "/admin/learning/certificates/templates/new/",
        {
            **template_post(tree["r1"]),
            "background": SimpleUploadedFile(name, content, content_type="image/png"),
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not CertificateTemplate.objects.filter(name="新模板").exists()


def test_a_background_too_large_in_pixels_is_refused(client, region_admin, tree, learning_settings):
    learning_settings(UPLOAD_MAX_PIXELS=10_000)
    response = client.post(
        "/admin/learning/certificates/templates/new/",
        {
            **template_post(tree["r1"]),
            "background": SimpleUploadedFile("bg.png", png(size=(200, 200))),
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert "the most accepted is 10,000 pixels" in response.content.decode()
    assert not CertificateTemplate.objects.filter(name="新模板").exists()


def test_a_good_background_is_saved_re_encoded_in_private_storage(client, region_admin, tree):
    response = client.post(
        "/admin/learning/certificates/templates/new/",
        {
            **template_post(tree["r1"]),
            "background": SimpleUploadedFile("my-bg.png", png(colour=(250, 240, 220))),
        },
    )
    assert response.status_code == 302
    template = CertificateTemplate.objects.get(name="新模板")
    assert template.background.name.startswith("certificates/templates/")
    assert "my-bg" not in template.background.name
    with template.background.open("rb") as handle:
        assert Image.open(handle).size == (120, 120)


def test_a_template_with_its_seal_opens_for_editing_and_names_the_stored_file(
    client, region_admin, template
):
    """The images live in private storage, which has no URL: the form names the file and
    offers to clear it instead of linking to it (the stock widget failed with a 500)."""
    response = client.get(f"/admin/learning/certificates/templates/edit/{template.pk}/")
    assert response.status_code == 200
    body = response.content.decode()
    assert template.seal.name in body and 'name="seal-clear"' in body
    assert "template_preview.js" in body and "<script>" not in body  # no inline script

    # Saving keeps the seal; ticking "clear" takes it off the template.
    url = f"/admin/learning/certificates/templates/edit/{template.pk}/"
    post = template_post(template.unit, name=template.name, number_prefix="YQ")
    assert client.post(url, post).status_code == 302
    template.refresh_from_db()
    assert template.seal.name.startswith("certificates/templates/")
    assert client.post(url, {**post, "seal-clear": "on"}).status_code == 302
    template.refresh_from_db()
    assert not template.seal


def test_the_preview_renders_the_unsaved_form_with_sample_data(
    client, region_admin, tree, tmp_path
):
    response = client.post(
        "/admin/learning/certificates/templates/preview/",
        template_post(tree["r1"], title="学习标兵", body="{name}（{member_number}）{number}"),
    )
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = text_of(response.content, tmp_path)
    assert "学习标兵" in text and "张三" in text and "NEW-" in text
    assert (
        not CertificateTemplate.objects.exists()
        or not CertificateTemplate.objects.filter(name="新模板").exists()
    )
    bad = client.post(
        "/admin/learning/certificates/templates/preview/",
        template_post(tree["r1"], body="{oops}"),
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert bad.status_code == 400 and "{oops}" in bad.content.decode()


def test_the_admin_list_shows_the_subtree_only(client, tree, rendered):
    outsider = factories.staff(role="admin", unit=tree["r2"])
    outsider.is_staff = True
    outsider.save()
    from django.contrib.auth.models import Permission

    outsider.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(outsider)
    assert (
        rendered.number not in client.get("/admin/learning/certificates/issued/").content.decode()
    )
    assert client.get(f"/admin/learning/certificates/issued/{rendered.pk}/").status_code == 404


def test_the_admin_revokes_with_a_reason_by_post(client, region_admin, rendered):
    url = f"/admin/learning/certificates/issued/{rendered.pk}/"
    assert rendered.number in client.get("/admin/learning/certificates/issued/").content.decode()
    response = client.post(url, {"action": "revoke", "reason": "重复发放"})
    assert response.status_code == 302
    rendered.refresh_from_db()
    assert rendered.status == "revoked" and rendered.revoked_reason == "重复发放"
    export = client.get("/admin/learning/certificates/issued/?export=xlsx")
    assert export.status_code == 200


def test_my_study_lists_the_latest_certificates(client, rendered, someone):
    html = login(client, someone.user).get("/learning/my/").content.decode()
    assert rendered.number in html and 'data-testid="certificates-link"' in html


# -- The bulk ZIP ------------------------------------------------------------------------------


def test_a_units_certificates_as_one_zip_built_by_a_job(
    client, region_admin, template, tree, django_capture_on_commit_callbacks
):
    import zipfile

    inside = [factories.member(unit=tree["b1"], name=f"党员{i}") for i in range(3)]
    outside = factories.member(unit=tree["b2"], name="外区党员")
    for member in [*inside, outside]:
        services.issue(member, template, key=f"z{member.pk}")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/admin/learning/certificates/issued/zip/", {"unit": tree["b1"].pk})
    assert response.status_code == 302
    page = client.get("/admin/learning/certificates/issued/zip/").content.decode()
    assert "3 / 3 (100%)" in page
    from dj_learning.certificates.models import CertificateBatch

    batch = CertificateBatch.objects.get()
    response = client.get(f"/admin/learning/certificates/issued/zip/{batch.pk}/")
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    names = sorted(archive.namelist())
    assert len(names) == 3 and all(n.startswith("一区一支部/YQ-") for n in names)
    assert all(archive.read(n).startswith(b"%PDF-") for n in names)
    assert not any("外区党员" in n for n in names)
    # A rerun writes the same ZIP again.
    from dj_learning.certificates import batches

    batches.build(batch.pk)
    batch.refresh_from_db()
    assert batch.status == "done" and batch.total == batch.done == 3


def test_a_zip_of_another_region_is_not_offered(client, tree):
    outsider = factories.staff(role="admin", unit=tree["r2"])
    outsider.is_staff = True
    outsider.save()
    from django.contrib.auth.models import Permission

    outsider.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(outsider)
    response = client.post("/admin/learning/certificates/issued/zip/", {"unit": tree["r1"].pk})
    assert response.status_code == 200  # the form refuses the unit; nothing queued
    from dj_learning.certificates.models import CertificateBatch

    assert not CertificateBatch.objects.exists()


def test_the_member_is_told_once_when_a_certificate_is_issued(
    template, someone, tree, django_capture_on_commit_callbacks
):
    someone.user.email = "li@example.com"
    someone.user.save()
    admin = factories.staff(role="admin", unit=tree["r1"])
    with django_capture_on_commit_callbacks(execute=True):
        certificate = services.issue_by_hand(admin, someone, template)
    with django_capture_on_commit_callbacks(execute=True):
        services.rerender(admin, certificate)
    (notice,) = mail.outbox
    assert certificate.number in notice.subject and notice.to == ["li@example.com"]


def test_an_admin_issues_by_hand_from_the_list(
    client, region_admin, template, someone, tree, django_capture_on_commit_callbacks
):
    page = client.get("/admin/learning/certificates/issued/").content.decode()
    assert "/admin/learning/certificates/issued/issue/" in page
    assert "/admin/learning/certificates/issued/zip/" in page
    outsider = factories.member(unit=tree["b2"])
    refused = client.post(
        "/admin/learning/certificates/issued/issue/",
        {"member_number": outsider.member_number, "template": template.pk},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert "No member with this number in your units." in refused.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/admin/learning/certificates/issued/issue/",
            {"member_number": someone.member_number, "template": template.pk, "course": "学习标兵"},
        )
    certificate = Certificate.objects.get(member=someone)
    assert response.status_code == 302 and certificate.pdf
    assert certificate.issued_by == region_admin and certificate.values["course"] == "学习标兵"
