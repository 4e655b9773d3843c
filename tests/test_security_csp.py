"""A Content-Security-Policy on every page type: strict (scripts and styles only from the
site or with the request's nonce) everywhere but Wagtail's own admin."""

import re

import pytest

pytestmark = pytest.mark.django_db

STRICT_PAGES = [
    "/",  # a Wagtail page (the home page)
    "/learning/login/",
    "/learning/me/",
    "/learning/my/",
    "/learning/transcript/",
    "/learning/quizzes/",
    "/learning/points/",
    "/learning/rewards/",
    "/learning/two-factor/setup/",
    "/embed/notices/",
    "/embed/my-study/",
    "/api/v1/docs",
    "/api/v1/me",
    "/django-admin/",
]


def policy(response):
    header = response["Content-Security-Policy"]
    return dict(
        (part.strip().split(" ", 1) + [""])[:2] for part in header.split(";") if part.strip()
    )


@pytest.mark.parametrize("url", STRICT_PAGES)
def test_every_page_type_has_the_strict_policy(demo, client, url):
    client.login(username="member", password="Demo!pass2026")
    response = client.get(url, HTTP_HOST="127.0.0.1")
    assert response.status_code in (200, 302), response.status_code
    directives = policy(response)
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert directives["default-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert directives["script-src"].startswith("'self'")
    assert "frame-ancestors" in directives


def test_the_theme_style_carries_the_nonce_of_the_header(demo, client):
    response = client.get("/learning/login/", HTTP_HOST="127.0.0.1")
    nonce = re.search(r"'nonce-([^']+)'", policy(response)["style-src"]).group(1)
    assert f'<style data-djl-theme nonce="{nonce}">' in response.content.decode()
    # A new nonce on every response.
    again = client.get("/learning/login/", HTTP_HOST="127.0.0.1")
    assert f"'nonce-{nonce}'" not in again["Content-Security-Policy"]


def test_the_wagtail_admin_allows_its_inline_scripts_and_nothing_else(demo, client):
    client.login(username="admin", password="Demo!pass2026")
    response = client.get("/admin/learning/records/")
    directives = policy(response)
    assert directives["script-src"] == "'self' 'unsafe-inline'"
    assert directives["default-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'self'"


def test_embeds_keep_their_regions_frame_ancestors(demo, client):
    directives = policy(client.get("/embed/notices/", HTTP_HOST="127.0.0.1"))
    assert directives["frame-ancestors"] == "'self' http://127.0.0.1:8001 http://localhost:8001"
    assert directives["script-src"].startswith("'self' 'nonce-")


def test_reports_go_to_the_configured_uri(demo, client, settings):
    settings.CONTENT_SECURITY_POLICY = {
        "DIRECTIVES": {
            **settings.CONTENT_SECURITY_POLICY["DIRECTIVES"],
            "report-uri": ["/csp-reports/"],
        }
    }
    assert policy(client.get("/learning/login/"))["report-uri"] == "/csp-reports/"


def test_a_private_file_is_served_sandboxed(demo, client):
    from django.core.files.base import ContentFile

    from dj_learning.credits import services
    from dj_learning.members.models import Member

    member = Member.objects.get(member_number="DH0108")
    from django.contrib.auth import get_user_model

    clerk = get_user_model().objects.get(username="clerk")
    training = services.propose_training(
        clerk,
        member,
        title="党课",
        date="2026-07-01",
        hours=1,
        kind="elective",
        attachment=ContentFile(b"%PDF-1.4\n%%EOF\n", name="p.pdf"),
    )
    client.login(username="clerk", password="Demo!pass2026")
    response = client.get(f"/admin/learning/training/{training.pk}/proof/")
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
