"""The rewards catalog says why an item cannot be redeemed, and redeeming has a
confirmation step (the cost and the balance after) that needs no JavaScript."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from dj_learning.rewards import services
from dj_learning.rewards.models import Redemption
from dj_learning.test import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def member(tree):
    return factories.member(unit=tree["b1"], name="王芳")


@pytest.fixture
def signed_in(client, member):
    client.force_login(member.user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def _card(html, item):
    match = re.search(rf'data-item="{item.pk}">(.*?)</article>', html, re.S)
    assert match, item.title
    return match.group(1)


def test_each_unavailable_item_says_why_and_has_no_active_button(tree, member, signed_in):
    factories.points(member, 40)
    ok = factories.catalog_item(unit=tree["r1"], title="书签", cost=10)
    costly = factories.catalog_item(unit=tree["r1"], title="茶杯", cost=100)
    empty = factories.catalog_item(unit=tree["r1"], title="帆布袋", cost=5, stock=0)
    later = factories.catalog_item(
        unit=tree["r1"], title="台历", cost=5, starts_at=timezone.now() + timedelta(days=3)
    )
    limited = factories.catalog_item(unit=tree["r1"], title="徽章", cost=5, per_member_limit=1)
    services.redeem(member, limited.pk)

    html = signed_in.get("/learning/rewards/").content.decode()
    assert 'data-testid="why-not"' not in _card(html, ok)
    assert f'href="/learning/rewards/{ok.pk}/"' in _card(html, ok)
    for item, reason in [
        (costly, "You need 100 points; you have 35."),
        (empty, "out of stock"),
        (later, "Available from"),
        (limited, "Limit reached"),
    ]:
        card = _card(html, item)
        assert reason in card, item.title
        assert re.search(r'data-testid="redeem" disabled', card), item.title


def test_the_catalog_costs_the_same_with_more_items(
    tree, member, signed_in, django_assert_max_num_queries
):
    factories.catalog_item(unit=tree["r1"], per_member_limit=2)
    with django_assert_max_num_queries(20) as few:
        signed_in.get("/learning/rewards/")
    for _ in range(10):
        factories.catalog_item(unit=tree["r1"], per_member_limit=2)
    with django_assert_max_num_queries(len(few.captured_queries)):
        signed_in.get("/learning/rewards/")


def test_confirmation_shows_cost_and_balance_after_and_changes_nothing(tree, member, signed_in):
    factories.points(member, 40)
    item = factories.catalog_item(unit=tree["r1"], title="党徽", cost=30)
    page = signed_in.get(f"/learning/rewards/{item.pk}/")
    html = page.content.decode()
    assert page.status_code == 200
    assert re.search(r'data-testid="confirm-cost">30<', html)
    assert re.search(r'data-testid="confirm-balance">40<', html)
    assert re.search(r'data-testid="confirm-after">10<', html)
    assert f'action="/learning/rewards/{item.pk}/redeem/"' in html
    assert Redemption.objects.count() == 0  # looking is free
    signed_in.post(f"/learning/rewards/{item.pk}/redeem/")
    assert Redemption.objects.count() == 1


def test_confirmation_refuses_with_the_reason_and_hides_other_regions_items(
    tree, member, signed_in
):
    item = factories.catalog_item(unit=tree["r1"], title="党徽", cost=30)
    html = signed_in.get(f"/learning/rewards/{item.pk}/").content.decode()
    assert "You need 30 points; you have 0." in html
    assert "confirm-redeem-button" not in html
    elsewhere = factories.catalog_item(unit=tree["r2"], title="别区奖品")
    assert signed_in.get(f"/learning/rewards/{elsewhere.pk}/").status_code == 404


def test_the_api_says_why_an_item_cannot_be_redeemed(tree, member, client, get_token):
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.get(pk=member.user_id)
    user.set_password("Pass!word2026")
    user.save()
    item = factories.catalog_item(unit=tree["r1"], title="党徽", cost=30)
    token = get_token(user.username, "Pass!word2026")
    rows = client.get(
        "/api/v1/me/rewards", HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_ACCEPT_LANGUAGE="en"
    ).json()
    row = next(r for r in rows if r["id"] == item.pk)
    assert row["can_redeem"] is False
    assert row["refusal"] == "You need 30 points; you have 0."
