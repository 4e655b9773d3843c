import pytest

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_member_signs_in_on_the_login_page_and_sees_their_name(demo, live_server, page):
    page.goto(f"{live_server.url}/")
    page.get_by_role("link", name="登录").first.click()
    page.get_by_label("用户名或党员编号").fill("member")
    page.get_by_label("密码").fill("Demo!pass2026")
    page.get_by_role("button", name="登录").click()
    assert page.get_by_test_id("user-name").inner_text() == "张伟"
    assert "欢迎，张伟" in page.get_by_test_id("welcome").inner_text()
    page.get_by_test_id("user-name").click()
    assert page.get_by_test_id("member-name").inner_text() == "张伟"


def test_a_wrong_password_is_explained_in_chinese(demo, live_server, page):
    page.goto(f"{live_server.url}/learning/login/")
    page.get_by_label("用户名或党员编号").fill("DH0108")
    page.get_by_label("密码").fill("not-the-password")
    page.get_by_role("button", name="登录").click()
    assert "不正确" in page.get_by_role("alert").inner_text()
    assert page.get_by_label("用户名或党员编号").input_value() == "DH0108"
