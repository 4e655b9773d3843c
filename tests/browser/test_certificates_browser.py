"""The demo member completes the demo course in Chromium; the course rule issues a
certificate, which the member finds on My certificates and downloads."""

import subprocess

import pytest
from playwright.sync_api import expect

from dj_learning.certificates.models import Certificate

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def sign_in(page, base, username="member"):
    page.goto(f"{base}/learning/login/")
    page.get_by_label("用户名或党员编号").fill(username)
    page.get_by_label("密码").fill("Demo!pass2026")
    page.get_by_role("button", name="登录").click()


def study_lesson(page):
    expect(page.get_by_test_id("lesson-status")).to_have_attribute(
        "data-studied", "", timeout=15_000
    )


def test_member_completes_the_demo_course_and_downloads_the_new_certificate(
    demo_courses, live_server, page, learning_settings, tmp_path
):
    learning_settings(LESSON_MIN_SECONDS=2, HEARTBEAT_INTERVAL=1)
    from wagtail.models import Site

    Site.objects.filter(is_default_site=True).update(
        hostname="localhost", port=int(live_server.url.rsplit(":", 1)[1])
    )
    Site.objects.filter(is_default_site=False).update(hostname="region2.invalid")
    held = set(
        Certificate.objects.filter(member__user__username="member").values_list("pk", flat=True)
    )
    base = live_server.url
    sign_in(page, base)

    # 学习党史知识: two of its three modules are done in the demo; the elective one is left.
    page.get_by_role("link", name="课程").first.click()
    page.get_by_role("link", name="学习党史知识").first.click()
    page.get_by_role("button", name="报名本课程").click()
    page.get_by_role("link", name="改革开放的伟大历程").first.click()
    study_lesson(page)
    page.get_by_role("link", name="历史经验").click()
    study_lesson(page)
    expect(page.get_by_test_id("module-complete")).to_be_visible()

    page.get_by_test_id("my-certificates-link").click()
    (new,) = Certificate.objects.filter(member__user__username="member").exclude(pk__in=held)
    row = page.get_by_test_id("certificate-row").filter(has_text=new.number)
    expect(row).to_contain_text("荣誉证书")
    expect(row.get_by_test_id("certificate-status")).to_have_text("有效")
    with page.expect_download() as info:
        row.get_by_test_id("certificate-download").click()
    path = tmp_path / "certificate.pdf"
    info.value.save_as(path)
    text = subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "张伟" in text and "学习党史知识" in text and new.number in text
