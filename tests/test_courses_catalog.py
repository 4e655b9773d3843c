"""The catalog: Chinese search inside titles and text, filters, and the API's catalog."""

import pytest

from dj_learning.test import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalog(tree):
    catalog = factories.catalog()
    history = factories.course(catalog=catalog, title="学习党史知识", unit=tree["r1"], year=2026)
    history.topics.add("党史")
    history.save()
    factories.module(course=history, title="中国共产党的创立", kind="required")
    rules = factories.course(catalog=catalog, title="党章与党规", summary="逐章学习党章")
    factories.module(
        course=rules,
        title="廉洁自律准则",
        kind="elective",
        text="坚持公私分明，先公后私，克己奉公。",
    )
    service = factories.course(catalog=catalog, title="为民服务", year=2025)
    factories.module(course=service, title="志愿服务实务", kind="elective")
    return {"page": catalog, "history": history, "rules": rules, "service": service}


def titles(client, catalog, **params):
    response = client.get(catalog.url, params)
    assert response.status_code == 200
    return [course.title for course in response.context["courses"]]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("党史", ["学习党史知识"]),  # a word inside a title
        ("党章", ["党章与党规"]),  # in the title and the summary
        ("公私分明", ["党章与党规"]),  # in a module's lesson text
        ("志愿", ["为民服务"]),  # in a module's title
        ("不存在的词", []),
    ],
)
def test_search_finds_chinese_words_inside_titles_and_text(client, catalog, query, expected):
    assert titles(client, catalog["page"], q=query) == expected


def test_filters(client, catalog):
    page = catalog["page"]
    assert titles(client, page, kind="required") == ["学习党史知识"]
    assert titles(client, page, kind="elective") == ["党章与党规", "为民服务"]
    topic = catalog["history"].topics.get()
    assert titles(client, page, topic=topic.slug) == ["学习党史知识"]
    assert titles(client, page, unit=catalog["history"].unit_id) == ["学习党史知识"]
    # A course without a year is for every year.
    assert titles(client, page, year=2025) == ["党章与党规", "为民服务"]


def test_bad_filter_values_are_ignored_not_errors(client, catalog):
    assert len(titles(client, catalog["page"], year="abc", unit="x", kind="nope")) == 3


def test_catalog_api_searches_the_same_way(client, catalog):
    response = client.get("/api/v1/courses", {"q": "党史", "catalog": catalog["page"].pk})
    assert response.status_code == 200
    body = response.json()
    assert [c["title"] for c in body["items"]] == ["学习党史知识"]
    assert body["items"][0]["topics"] == ["党史"]
