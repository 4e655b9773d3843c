"""The demo's certificates: a template per region, the rules, and the certificates that
``member`` and ``member2`` hold, rendered and stored."""

import subprocess

import pytest

from dj_learning.certificates.models import Certificate, CertificateTemplate, IssuingRule

pytestmark = pytest.mark.django_db


def test_each_region_has_its_own_template_and_rules(demo_courses):
    templates = {t.unit.code: t for t in CertificateTemplate.objects.select_related("unit")}
    assert set(templates) == {"region-1", "region-2"}
    assert templates["region-1"].seal and templates["region-1"].background
    assert templates["region-1"].orientation != templates["region-2"].orientation
    rules = set(IssuingRule.objects.values_list("unit__code", "trigger"))
    assert {("region-1", "course"), ("region-1", "plan"), ("region-2", "plan")} <= rules


def test_the_demo_members_hold_a_rendered_certificate_of_their_region(
    demo_courses, client, tmp_path
):
    held = {c.member.user.username: c for c in Certificate.objects.select_related("member__user")}
    assert held["member"].number.startswith("DH-")
    assert held["member2"].number.startswith("XS-")
    client.login(username="member", password="Demo!pass2026")
    page = client.get("/learning/certificates/").content.decode()
    assert held["member"].number in page and held["member2"].number not in page
    response = client.get(f"/learning/certificates/{held['member'].pk}/pdf/")
    path = tmp_path / "c.pdf"
    path.write_bytes(b"".join(response.streaming_content))
    text = subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "张伟" in text and "中共东湖区委组织部" in text and held["member"].number in text
    assert client.get(f"/learning/certificates/{held['member2'].pk}/pdf/").status_code == 404
