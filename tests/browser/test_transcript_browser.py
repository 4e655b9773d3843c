import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def region1_here(demo_courses, live_server):
    """Serve region 1 (the member's) on the live server's address, so its links stay there."""
    from wagtail.models import Site

    port = int(live_server.url.rsplit(":", 1)[1])
    Site.objects.filter(is_default_site=False).update(hostname="region2.invalid")
    Site.objects.filter(is_default_site=True).update(hostname="localhost", port=port)


def test_member_downloads_the_transcript_from_my_study(region1_here, live_server, page):
    base = live_server.url
    page.goto(f"{base}/learning/login/")
    page.get_by_label("用户名或党员编号").fill("member")
    page.get_by_label("密码").fill("Demo!pass2026")
    page.get_by_role("button", name="登录").click()
    page.get_by_test_id("my-study-link").click()
    page.get_by_test_id("transcript-link").click()
    expect(page.get_by_test_id("transcript-entries")).to_contain_text("中国共产党的创立")
    with page.expect_download() as info:
        page.get_by_test_id("download-transcript").click()
    download = info.value
    assert download.suggested_filename.startswith("transcript-DH0108-")
    pdf = PdfReader(download.path())
    text = pdf.pages[0].extract_text()
    assert "张伟" in text and "中国共产党的创立" in text
