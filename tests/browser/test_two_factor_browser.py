"""Two-factor sign-in in the browser: an administrator with an authenticator app types a
wrong code, then the right one, and reaches the Wagtail admin; one who must enrol scans
(here: reads) the key, confirms it and gets backup codes.

The codes are computed as the app would, with django-otp's TOTP from the device's key.
"""

import base64
import time

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from dj_learning.test import factories

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def code_for(key, device):
    """The six digits an authenticator app shows now for ``key`` (bytes)."""
    return f"{totp(key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def wrong_code(right):
    return f"{(int(right) + 1) % 1_000_000:06d}"


def admin_signs_in(page, url, user):
    page.goto(f"{url}/admin/login/")
    page.locator("#id_username").fill(user.username)
    page.locator("#id_password").fill(factories.PASSWORD)
    page.locator("form button[type=submit]").first.click()


def in_the_admin(page):
    """The admin's own pages, not its sign-in form."""
    expect(page.locator("main#main")).to_be_visible()
    expect(page.locator("#id_password")).to_have_count(0)


def test_an_enrolled_admin_confirms_a_code_after_the_password(live_server, page):
    admin = factories.user(username="chief", is_staff=True, is_superuser=True)
    device = TOTPDevice.objects.create(user=admin, name="authenticator", confirmed=True)

    admin_signs_in(page, live_server.url, admin)
    # Asked for the code before anything of the admin shows.
    expect(page.get_by_role("heading", name="双重验证登录")).to_be_visible()
    assert page.url.startswith(f"{live_server.url}/learning/two-factor/verify/")

    code = page.get_by_label("验证码")
    code.fill(wrong_code(code_for(device.bin_key, device)))
    page.get_by_role("button", name="登录", exact=True).click()
    expect(page.get_by_text("验证码不正确或已被使用。请输入下一个验证码。")).to_be_visible()
    # The form stays, still taking the member on to the admin.
    expect(page.get_by_label("验证码")).to_be_editable()
    assert page.locator("#main input[name=next]").input_value() == "/admin/"

    time.sleep(1.1)  # django-otp throttles guessing: after a failure, wait a second
    page.get_by_label("验证码").fill(code_for(device.bin_key, device))
    page.get_by_role("button", name="登录", exact=True).click()
    page.wait_for_url(f"{live_server.url}/admin/")
    in_the_admin(page)
    assert "two-factor" not in page.url


def test_an_admin_who_must_enrol_reads_the_key_confirms_and_gets_backup_codes(
    live_server, page, learning_settings
):
    learning_settings(TWO_FACTOR_ROLES=("reviewer",))  # superusers must enrol too
    admin = factories.user(username="newchief", is_staff=True, is_superuser=True)

    admin_signs_in(page, live_server.url, admin)
    expect(page.get_by_role("heading", name="设置双重验证登录")).to_be_visible()
    expect(page.get_by_test_id("totp-qr")).to_be_visible()
    # What a phone that cannot scan types in: the key shown under the QR code.
    key = base64.b32decode(page.get_by_test_id("totp-secret").inner_text())
    device = TOTPDevice.objects.get(user=admin, confirmed=False)
    assert key == device.bin_key

    page.get_by_label("验证码").fill(wrong_code(code_for(key, device)))
    page.get_by_role("button", name="确认").click()
    expect(page.get_by_text("验证码不正确。请输入应用当前显示的验证码。")).to_be_visible()
    expect(page.get_by_test_id("totp-secret")).to_have_text(base64.b32encode(key).decode())

    time.sleep(1.1)  # django-otp throttles guessing: after a failure, wait a second
    page.get_by_label("验证码").fill(code_for(key, device))
    page.get_by_role("button", name="确认").click()
    expect(page.get_by_role("heading", name="备用码")).to_be_visible()
    expect(page.get_by_test_id("backup-codes").locator("li")).to_have_count(10)
    assert TOTPDevice.objects.get(user=admin).confirmed

    page.get_by_role("link", name="继续").click()
    page.wait_for_url(f"{live_server.url}/admin/")
    in_the_admin(page)
