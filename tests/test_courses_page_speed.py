"""What makes the course page fast must not change what anyone sees on it."""

import re

from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from wagtail.models import Page

from dj_learning.courses import services
from dj_learning.courses.models import LessonProgress
from dj_learning.test import factories


def _listed(module):
    """``module`` as a list of modules loads it: without its lessons."""
    return Page.objects.filter(pk=module.pk).specific().defer_streamfields().get()


def test_a_listed_module_needs_what_its_lessons_say_after_an_editor_changes_them(
    db, learning_settings
):
    learning_settings(LESSON_MIN_SECONDS=None)
    module = factories.module(minutes="4", lesson_count=2)
    assert list(services.lesson_requirements(_listed(module)).values()) == [120, 120]

    module.lessons = [
        *((block.block_type, block.value) for block in module.lessons),
        ("lesson", {"title": "第三课", "min_minutes": "5", "content": []}),
    ]
    module.save_revision().publish()

    listed = _listed(module)
    assert "lessons" in listed.get_deferred_fields()
    requirements = services.lesson_requirements(listed)
    assert list(requirements.values()) == [120, 120, 300]
    assert requirements == services.lesson_requirements(Page.objects.get(pk=module.pk).specific)


def test_the_course_page_shows_a_changed_lesson_time_in_the_members_progress(
    tree, client, learning_settings
):
    learning_settings(LESSON_MIN_SECONDS=None)
    member = factories.member(unit=tree["b1"], user=factories.user(username="learner"))
    course = factories.course()
    module = factories.module(course=course, minutes="1", lesson_count=1)
    services.enrol(member, course)
    lesson = next(iter(services.lesson_requirements(module)))
    LessonProgress.objects.create(member=member, module=module, lesson_id=lesson, seconds=30)
    client.login(username="learner", password=factories.PASSWORD)
    assert 'aria-valuenow="50"' in client.get(course.url).content.decode()

    module.min_study_minutes = 2
    module.save_revision().publish()
    assert 'aria-valuenow="25"' in client.get(course.url).content.decode()


def _get(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return response.content.decode(), len(queries)


def test_the_anonymous_course_page_is_cached_until_something_in_it_is_published(db, client):
    course = factories.course()
    module = factories.module(course=course, title="第一模块")
    first, first_queries = _get(client, course.url)
    again, again_queries = _get(Client(), course.url)
    assert "第一模块" in again
    assert again_queries < first_queries

    module.title = "改过的模块"
    module.save_revision().publish()
    assert "改过的模块" in _get(client, course.url)[0]

    factories.module(course=course, title="新加的模块")
    assert "新加的模块" in _get(client, course.url)[0]

    module.unpublish()
    html = _get(client, course.url)[0]
    assert "改过的模块" not in html
    assert "新加的模块" in html


def test_members_are_never_served_the_cached_page_nor_fill_it(tree, client):
    member = factories.member(unit=tree["b1"], user=factories.user(username="learner"))
    course = factories.course()
    factories.module(course=course)
    services.enrol(member, course)
    anonymous = _get(Client(), course.url)[0]
    assert 'data-testid="course-progress"' not in anonymous

    client.login(username="learner", password=factories.PASSWORD)
    assert 'data-testid="course-progress"' in _get(client, course.url)[0]
    assert 'data-testid="course-progress"' not in _get(Client(), course.url)[0]

    client.logout()
    Client().get(course.url)  # cached now
    client.login(username="learner", password=factories.PASSWORD)
    assert 'data-testid="course-progress"' in _get(client, course.url)[0]


def test_a_cached_page_carries_each_visitors_own_form_token(db):
    course = factories.course()
    factories.module(course=course)
    Client().get(course.url)  # cached now
    visitor = Client(enforce_csrf_checks=True)
    html = visitor.get(course.url).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)[1]
    response = visitor.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 403  # no token: refused, so the check is on
    response = visitor.post(
        "/i18n/setlang/", {"language": "en", "next": "/", "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302


def _row(html, title):
    """The list item of the module titled ``title`` on a course page."""
    rows = re.findall(r'<li class="djl-module-row.*?</li>', html, re.S)
    return next(row for row in rows if title in row)


def _studied(member, module, seconds):
    lesson = next(iter(services.lesson_requirements(module)))
    LessonProgress.objects.create(
        member=member,
        module=module,
        lesson_id=lesson,
        seconds=seconds,
        studied_at=timezone.now() if seconds >= 60 else None,
    )


def test_members_see_their_own_progress_in_rows_rendered_once(tree, learning_settings):
    learning_settings(LESSON_MIN_SECONDS=None)
    course = factories.course()
    done = factories.module(course=course, title="学完的模块", minutes="1", lesson_count=1)
    half = factories.module(course=course, title="学了一半的模块", minutes="1", lesson_count=1)
    ann, bob = factories.member(unit=tree["b1"]), factories.member(unit=tree["b1"])
    clients = {}
    for member in (ann, bob):
        services.enrol(member, course)
        clients[member] = Client()
        clients[member].force_login(member.user)
    _studied(ann, done, 60)
    assert services.try_complete(ann, done)
    _studied(bob, half, 30)

    # The second time round, every row has been rendered before, for someone.
    for _ in range(2):
        ann_html = clients[ann].get(course.url).content.decode()
        bob_html = clients[bob].get(course.url).content.decode()
        assert "is-complete" in _row(ann_html, "学完的模块")
        assert "✓ 已完成" in _row(ann_html, "学完的模块")
        assert 'aria-valuenow="0"' in _row(ann_html, "学了一半的模块")
        assert "is-complete" not in _row(bob_html, "学完的模块")
        assert 'aria-valuenow="0"' in _row(bob_html, "学完的模块")
        assert 'aria-valuenow="50"' in _row(bob_html, "学了一半的模块")
        anonymous = Client().get(course.url).content.decode()
        assert "progressbar" not in _row(anonymous, "学了一半的模块")
        english = clients[bob].get(course.url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert "Required" in _row(english, "学了一半的模块")


def test_a_member_sees_a_module_renamed_and_moved_to_electives(tree, client):
    member = factories.member(unit=tree["b1"], user=factories.user(username="learner"))
    course = factories.course()
    module = factories.module(course=course, title="旧的名字", credits="1")
    services.enrol(member, course)
    client.login(username="learner", password=factories.PASSWORD)
    row = _row(client.get(course.url).content.decode(), "旧的名字")
    assert "必修" in row and "1 学分" in row

    module.title = "新的名字"
    module.kind = "elective"
    module.credits = 2
    module.save_revision().publish()
    html = client.get(course.url).content.decode()
    assert "旧的名字" not in html
    row = _row(html, "新的名字")
    assert "选修" in row and "2 学分" in row


def test_every_module_row_links_to_its_module(tree, client):
    member = factories.member(unit=tree["b1"], user=factories.user(username="learner"))
    course = factories.course()
    modules = [factories.module(course=course) for _ in range(3)]
    services.enrol(member, course)
    client.login(username="learner", password=factories.PASSWORD)
    html = client.get(course.url).content.decode()
    for module in modules:
        link = re.search(r'href="([^"]+)"', _row(html, module.title))[1]
        assert link == module.url
        page = client.get(link)
        assert page.status_code == 200
        assert module.title in page.content.decode()


def test_a_missing_or_unpublished_course_or_module_is_not_found(tree, client):
    course = factories.course()
    module = factories.module(course=course)
    hidden = factories.module(course=course)
    hidden.unpublish()
    member = factories.member(unit=tree["b1"], user=factories.user(username="learner"))
    services.enrol(member, course)
    for visitor in (Client(), client):
        assert visitor.get(module.url).status_code == 200
        assert visitor.get(f"{course.url}no-such-module/").status_code == 404
        assert visitor.get(f"{course.url}{hidden.slug}/").status_code == 404
        assert visitor.get(f"{course.url}{module.slug}/no-such-page/").status_code == 404
        assert hidden.title not in visitor.get(course.url).content.decode()
        client.login(username="learner", password=factories.PASSWORD)
    course.unpublish()
    assert client.get(course.url).status_code == 404


def test_a_row_template_sees_the_row_and_whether_someone_is_signed_in_nothing_else(
    tree, settings, tmp_path
):
    """A host's row template that reaches for the request or the member gets nothing,
    so a row rendered for one member and reused for the next cannot carry the first."""
    override = tmp_path / "dj_learning" / "courses"
    override.mkdir(parents=True)
    (override / "module_row.html").write_text(
        '<li class="djl-module-row">{{ row.module.title }}'
        "|user={{ request.user.username }}|name={{ member.name }}|member={{ member }}</li>"
    )
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}
    ]
    course = factories.course()
    factories.module(course=course, title="共同的模块")
    for username in ("ann", "bob"):
        member = factories.member(unit=tree["b1"], user=factories.user(username=username))
        services.enrol(member, course)
        visitor = Client()
        visitor.force_login(member.user)
        row = _row(visitor.get(course.url).content.decode(), "共同的模块")
        assert row.endswith("共同的模块|user=|name=|member=True</li>")
    assert _row(Client().get(course.url).content.decode(), "共同的模块").endswith(
        "member=None</li>"
    )


def test_rendered_rows_are_kept_in_djangos_cache_and_copied_in_the_process(
    tree, settings, tmp_path
):
    """A row rendered for one member serves the next from Django's cache (which every
    process shares); a process keeps a copy under the same key (the key names what the
    row shows); once both are gone, the row is rendered again."""
    from dj_learning.courses import memo

    override = tmp_path / "dj_learning" / "courses"
    override.mkdir(parents=True)
    (override / "module_row.html").write_text(
        '<li class="djl-module-row">{{ row.module.title }}|{% now "U.u" %}</li>'
    )
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}
    ]
    course = factories.course()
    factories.module(course=course, title="共同的模块")
    visitors = []
    for username in ("ann", "bob"):
        member = factories.member(unit=tree["b1"], user=factories.user(username=username))
        services.enrol(member, course)
        visitors.append(Client())
        visitors[-1].force_login(member.user)

    def row(visitor):
        return _row(visitor.get(course.url).content.decode(), "共同的模块")

    ann, bob = visitors
    first = row(ann)
    assert row(bob) == first  # the same progress: the row rendered for ann, when ann saw it
    cache.clear()
    assert row(bob) == first  # this process's copy of the shared entry
    memo.rows.clear()
    again = row(bob)
    assert again != first  # rendered anew
    assert row(ann) == again


def test_members_see_every_change_to_a_courses_modules_at_once(tree, client, learning_settings):
    """The member's course page reads its module list from the cache: each change renews it."""
    learning_settings(LESSON_MIN_SECONDS=None)
    member = factories.member(unit=tree["b1"], user=factories.user(username="learner"))
    catalog = factories.catalog()
    course, other = factories.course(catalog=catalog), factories.course(catalog=catalog)
    first = factories.module(course=course, title="第一模块", minutes="1", lesson_count=1)
    moving = factories.module(course=course, title="要搬走的模块")
    for each in (course, other):
        services.enrol(member, each)
    _studied(member, first, 30)
    client.login(username="learner", password=factories.PASSWORD)

    def page(of):
        return client.get(of.url).content.decode()

    assert 'aria-valuenow="50"' in _row(page(course), "第一模块")  # cached from here on

    factories.module(course=course, title="新加的模块")
    assert "新加的模块" in page(course)

    moving.move(other, pos="last-child")
    assert "要搬走的模块" not in page(course)
    assert "要搬走的模块" in page(other)

    Page.objects.get(pk=moving.pk).specific.unpublish()
    assert "要搬走的模块" not in page(other)

    Page.objects.get(title="新加的模块").delete()
    assert "新加的模块" not in page(course)

    # The course moves to another catalog: its modules' paths change, the progress stays.
    Page.objects.get(pk=course.pk).move(factories.catalog(), pos="last-child")
    course.refresh_from_db()
    assert 'aria-valuenow="50"' in _row(page(course), "第一模块")


def test_a_module_changed_with_update_shows_after_touch_courses_or_when_the_copy_goes(
    tree, client, learning_settings
):
    """``update()`` skips ``save()``: the cached outline and rows (in Django's cache,
    shared by every process) stay until ``touch_courses`` renews the stamp, or until
    the copies go: the shared ones, and the worker's copy of the rendered row."""
    from dj_learning.courses import memo, outline
    from dj_learning.courses.models import ModulePage

    learning_settings(COURSE_PAGE_CACHE_SECONDS=300)
    member = factories.member(unit=tree["b1"], user=factories.user(username="learner"))
    course = factories.course()
    module = factories.module(course=course, title="原来的名字")
    services.enrol(member, course)
    client.login(username="learner", password=factories.PASSWORD)
    assert "原来的名字" in client.get(course.url).content.decode()

    ModulePage.objects.filter(pk=module.pk).update(title="改过的名字")
    assert "原来的名字" in client.get(course.url).content.decode()
    outline.touch_courses(pk=course.pk)
    assert "改过的名字" in client.get(course.url).content.decode()

    ModulePage.objects.filter(pk=module.pk).update(title="又改的名字")
    assert "改过的名字" in client.get(course.url).content.decode()
    cache.clear()  # the shared copies are gone (expired, or another host cleared them)...
    assert "改过的名字" in client.get(course.url).content.decode()
    memo.rows.clear()  # ...and this worker's copy of the row (expired, or a restart)
    assert "又改的名字" in client.get(course.url).content.decode()


def test_a_courses_topics_show_as_published_and_a_preview_shows_the_drafts(tree, client):
    factories.member(unit=tree["b1"], user=factories.user(username="learner"))
    course = factories.course()
    course.topics.add("党史")
    course.save_revision().publish()
    client.login(username="learner", password=factories.PASSWORD)

    def tags(html):
        head = html[html.index('class="djl-tags"') :]
        return re.findall(r'<span class="djl-tag">([^<]+)</span>', head[: head.index("</p>")])

    html = client.get(course.url).content.decode()
    assert 'data-testid="course-progress"' in html  # the member's own page
    assert tags(html) == ["党史"]
    assert tags(Client().get(course.url).content.decode()) == ["党史"]

    course = Page.objects.get(pk=course.pk).specific
    course.topics.add("廉政")
    preview = course.make_preview_request()
    assert tags(preview.content.decode()) == ["党史", "廉政"]
    assert tags(client.get(course.url).content.decode()) == ["党史"]  # not published yet

    course.save_revision().publish()
    assert tags(client.get(course.url).content.decode()) == ["党史", "廉政"]
    assert tags(Client().get(course.url).content.decode()) == ["党史", "廉政"]


def test_a_courses_standing_in_one_statement_agrees_with_module_statuses(tree, learning_settings):
    """The course page reads a member's standing in one hand-written statement
    (``course_statuses``); it must say what ``module_statuses`` says, for plans
    of a unit and of a unit above, a sub-unit's own plan, another year's plan,
    enrolment, completions and progress in this course and in another."""
    from dj_learning.courses import outline
    from dj_learning.members.models import Member

    learning_settings(LESSON_MIN_SECONDS=None)
    course, other_course = factories.course(), factories.course()
    a, b, c, d = (factories.module(course=course, minutes="1", lesson_count=2) for _ in range(4))
    elsewhere = factories.module(course=other_course, minutes="1", lesson_count=1)
    year = services.study_year()
    factories.plan(unit=tree["r1"], modules=[a, b, elsewhere])
    factories.plan(unit=tree["b1a"], modules=[c])  # overrides r1's for b1a
    factories.plan(unit=tree["r2"], year=year - 1, modules=[d])  # another year
    in_region = factories.member(unit=tree["b1"])
    in_sub_unit = factories.member(unit=tree["b1a"])
    enrolled = factories.member(unit=tree["b2"])
    nobody = factories.member(unit=tree["national"])
    services.enrol(enrolled, course)
    _studied(in_region, a, 30)
    _studied(in_region, elsewhere, 60)
    factories.studied(in_sub_unit, c, seconds=30)
    factories.studied(enrolled, b, seconds=30)
    assert services.try_complete(in_sub_unit, c) is not None
    _studied(enrolled, d, 10)

    modules = outline.course_modules(course)
    seen = set()
    for member in (in_region, in_sub_unit, enrolled, nobody):
        # Read as a request reads it (with the unit), and without the unit loaded.
        for loaded in (member, Member.objects.get(pk=member.pk)):
            statuses, is_enrolled = services.course_statuses(loaded, course, modules)
            expected = services.module_statuses(loaded, modules)
            assert is_enrolled == (course.pk in services.enrolled_course_ids(loaded))
            for module in modules:
                got, want = statuses[module.pk], expected[module.pk]
                fields = ("completed", "enrolled", "lessons", "lessons_studied", "seconds")
                row = tuple(getattr(got, f) for f in (*fields, "required_seconds", "percent"))
                assert row == tuple(
                    getattr(want, f) for f in (*fields, "required_seconds", "percent")
                )
                seen.add((member.pk, module.pk, row[:2], row[4] > 0))
    # The data covers what the statement reads: planned, enrolled, done, progress, none.
    assert (in_region.pk, a.pk, (False, True), True) in seen
    assert (in_sub_unit.pk, a.pk, (False, False), False) in seen
    assert (in_sub_unit.pk, c.pk, (True, True), True) in seen
    assert (enrolled.pk, d.pk, (False, True), True) in seen
    assert (nobody.pk, d.pk, (False, False), False) in seen
    assert services.course_statuses(None, course, modules) == (
        services.module_statuses(None, modules),
        False,
    )


# -- My study ----------------------------------------------------------------------------


def test_my_study_links_each_planned_module_across_courses(tree, client, learning_settings):
    learning_settings(LESSON_MIN_SECONDS=None)
    first, second = factories.course(), factories.course()
    started = factories.module(course=first, title="学了一半的模块", minutes="1", lesson_count=1)
    done = factories.module(course=second, title="学完的模块", minutes="1", lesson_count=1)
    factories.plan(unit=tree["b1"], modules=[started, done])
    member = factories.member(unit=tree["b1"], user=factories.user(username="learner"))
    _studied(member, started, 30)
    _studied(member, done, 60)
    assert services.try_complete(member, done)
    client.login(username="learner", password=factories.PASSWORD)

    html = client.get("/learning/my/").content.decode()
    required = html[html.index('data-testid="required-modules"') :]
    assert 'aria-valuenow="50"' in _row(required, "学了一半的模块")
    assert "✓ 已完成" in _row(required, "学完的模块")
    for module in (started, done):
        link = re.search(r'href="([^"]+)"', _row(required, module.title))[1]
        assert link == module.url
        assert module.title in client.get(link).content.decode()


def test_my_study_lists_the_latest_completions_and_sends_to_the_transcript_for_all(tree, client):
    member = factories.member_with_completions(12, tree["b1"])
    latest = member.module_completions.order_by("-pk")[:10]
    client.force_login(member.user)

    html = client.get("/learning/my/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    table = html[html.index('data-testid="completions"') : html.index("</table>")]
    assert table.count("<tr>") == 1 + 10  # the heading and the latest ten
    assert re.findall(r"<tr><td>([^<]+)</td>", table) == [c.module_title for c in latest]
    more = html[html.index('data-testid="completions-more"') :]
    assert "The latest of 12 completions this year." in more
    assert f'href="/learning/transcript/?year={services.study_year()}"' in more
    assert 'data-testid="required-credits">12 / ' in html  # every credit counts


def test_my_study_shows_every_completion_when_there_are_few(tree, client):
    member = factories.member_with_completions(3, tree["b1"])
    client.force_login(member.user)
    html = client.get("/learning/my/").content.decode()
    assert html.count("<tr><td>") == 3
    assert 'data-testid="completions-more"' not in html


def test_the_process_copy_of_cached_rows_expires_and_forgets_the_oldest(monkeypatch):
    from dj_learning.courses import memo

    now = [1000.0]
    monkeypatch.setattr(memo.time, "monotonic", lambda: now[0])
    copies = memo.Memo(size=2)
    copies.set_many({"a": "A", "b": "B"}, seconds=10)
    assert copies.get_many(["a", "b", "c"]) == {"a": "A", "b": "B"}
    copies.set_many({"c": "C"}, seconds=10)
    assert copies.get_many(["a", "b", "c"]) == {"b": "B", "c": "C"}  # "a" was the oldest
    now[0] += 11
    assert copies.get_many(["b", "c"]) == {}
    copies.set_many({"d": "D"}, seconds=0)  # the shared cache keeps nothing: neither does this
    assert copies.get("d") is None
