"""Signing in on the site's login page, by username or member number."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("login", ["member", "DH0108", " DH0108 "])
def test_sign_in_with_username_or_member_number(demo, client, login):
    response = client.post(
        "/learning/login/", {"username": login, "password": "Demo!pass2026"}, follow=True
    )
    assert response.status_code == 200
    assert 'data-testid="user-name">张伟<' in response.content.decode()


def test_wrong_password_keeps_what_was_typed_and_says_why(demo, client):
    response = client.post(
        "/learning/login/",
        {"username": "DH0108", "password": "wrong"},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert 'value="DH0108"' in html
    assert "用户名、党员编号或密码不正确" in html
    assert "_auth_user_id" not in client.session


def test_login_page_in_english(client, db):
    response = client.get("/learning/login/", HTTP_ACCEPT_LANGUAGE="en")
    assert "Username or member number" in response.content.decode()


def test_login_page_in_chinese_by_default(client, db):
    response = client.get("/learning/login/")
    assert "用户名或党员编号" in response.content.decode()


def test_member_number_login_can_be_turned_off(demo, client, learning_settings):
    learning_settings(MEMBER_NUMBER_LOGIN=False)
    assert not client.login(username="DH0108", password="Demo!pass2026")
    assert client.login(username="member", password="Demo!pass2026")


def test_profile_needs_sign_in_and_shows_own_record(demo, client):
    response = client.get("/learning/me/")
    assert response.status_code == 302
    assert response["Location"].startswith("/learning/login/")
    client.login(username="member2", password="Demo!pass2026")
    html = client.get("/learning/me/").content.decode()
    assert "李娜" in html and "XS0205" in html and "西山区第一支部" in html


def test_sign_out_is_a_post(demo, client):
    client.login(username="member", password="Demo!pass2026")
    assert client.get("/learning/logout/").status_code == 405
    client.post("/learning/logout/")
    assert "_auth_user_id" not in client.session


def test_staff_screens_name_a_person_by_member_name_then_full_name_then_username(db):
    from dj_learning.members.services import person_name
    from dj_learning.test import factories

    plain = factories.user(username="clerk9")
    assert person_name(plain) == "clerk9"
    named = factories.user(username="wang", first_name="芳", last_name="王")
    assert person_name(named) == f"{named.get_full_name()} (wang)"
    member = factories.member(name="张伟")
    assert person_name(member.user) == f"张伟 ({member.user.username})"
    assert person_name(None) == ""
