"""The points API: the caller's own points and redemptions; fulfil and cancel for staff."""

import pytest

from dj_learning.rewards import services
from dj_learning.rewards.models import Action, Redemption
from dj_learning.test import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(tree):
    member = factories.member(unit=tree["b1"], name="王芳", user=factories.user(username="wang"))
    other = factories.member(unit=tree["b1"], name="李强", user=factories.user(username="li"))
    factories.point_rule(unit=tree["r1"], action=Action.CHECK_IN, points=25)
    services.award(member, Action.CHECK_IN, title="主题党日")
    services.award(other, Action.CHECK_IN, title="主题党日")
    item = factories.catalog_item(unit=tree["r1"], title="党徽", cost=20, stock=1)
    return tree, member, other, item


def api(client, token, method, url, **kwargs):
    return getattr(client, method)(
        f"/api/v1{url}",
        HTTP_AUTHORIZATION=f"Bearer {token}",
        HTTP_ACCEPT_LANGUAGE="en",
        content_type="application/json",
        **kwargs,
    )


def test_balance_history_leaderboard_catalog(client, setup, get_token):
    tree, member, other, item = setup
    token = get_token("wang", factories.PASSWORD)
    assert api(client, token, "get", "/me/points").json() == {
        "balance": 25,
        "lifetime": 25,
        "hidden": False,
    }
    history = api(client, token, "get", "/me/points/history").json()
    assert history["count"] == 1 and history["entries"][0]["source"] == "Checked in at 主题党日"
    board = api(client, token, "get", "/me/points/leaderboard?scope=region&period=week").json()
    assert {r["name"] for r in board["rows"]} == {"王芳", "李强"} and board["my_points"] == 25
    catalog = api(client, token, "get", "/me/rewards").json()
    assert [(i["title"], i["cost"], i["stock"]) for i in catalog] == [("党徽", 20, 1)]


def test_redeem_then_sold_out(client, setup, get_token):
    tree, member, other, item = setup
    response = api(
        client, get_token("wang", factories.PASSWORD), "post", f"/me/rewards/{item.pk}/redeem"
    )
    assert response.status_code == 201 and len(response.json()["code"]) == 8
    response = api(
        client, get_token("li", factories.PASSWORD), "post", f"/me/rewards/{item.pk}/redeem"
    )
    assert response.status_code == 409
    assert response.json() == {"detail": "Sorry, “党徽” is out of stock."}
    mine = api(client, get_token("wang", factories.PASSWORD), "get", "/me/redemptions").json()
    assert [r["title"] for r in mine] == ["党徽"]
    theirs = api(client, get_token("li", factories.PASSWORD), "get", "/me/redemptions").json()
    assert theirs == []


def test_redeeming_with_a_session_needs_csrf(setup):
    from django.test import Client

    tree, member, other, item = setup
    client = Client(enforce_csrf_checks=True)
    client.force_login(member.user)
    response = client.post(f"/api/v1/me/rewards/{item.pk}/redeem")
    assert response.status_code == 403 and not Redemption.objects.exists()


def test_staff_fulfil_and_cancel_in_their_subtree_only(client, setup, get_token):
    tree, member, other, item = setup
    item.stock = 5
    item.save()
    factories.points(member, 20)
    a = services.redeem(member, item.pk)
    b = services.redeem(member, item.pk)
    factories.staff(role="clerk", unit=tree["b1"], username="clerk1")
    factories.staff(role="clerk", unit=tree["b2"], username="clerk2")
    # A member may not fulfil, not even their own.
    wang = get_token("wang", factories.PASSWORD)
    assert api(client, wang, "post", f"/redemptions/{a.pk}/fulfil").status_code == 403
    far = get_token("clerk2", factories.PASSWORD)
    assert api(client, far, "post", f"/redemptions/{a.pk}/fulfil").status_code == 404
    assert api(client, far, "get", "/redemptions").json() == []
    near = get_token("clerk1", factories.PASSWORD)
    listed = api(client, near, "get", f"/redemptions?code={a.code}").json()
    assert [r["id"] for r in listed] == [a.pk] and listed[0]["member"] == "王芳"
    response = api(client, near, "post", f"/redemptions/{a.pk}/fulfil")
    assert response.status_code == 200 and response.json()["status"] == "fulfilled"
    response = api(client, near, "post", f"/redemptions/{b.pk}/cancel", data={"reason": "缺货"})
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    assert api(client, near, "post", f"/redemptions/{b.pk}/cancel").status_code == 409
    assert services.balance_of(member)[:2] == (25, 45)
    item.refresh_from_db()
    assert item.stock == 4
