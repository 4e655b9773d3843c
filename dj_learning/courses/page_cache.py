"""The course page as people who are not signed in see it, cached.

Everyone not signed in sees the same course page, so it is rendered once and
kept in Django's cache for ``COURSE_PAGE_CACHE_SECONDS``. The key holds what
the page is made of: the course, the host, the path, the language, the
course's last publication and its ``modules_changed_at`` (renewed when a
module below is saved, published, unpublished, moved or deleted), all read
with the course itself, and the parts that apps above ``courses`` add through
``key_parts`` (the themes app adds its version, kept in the cache), so any of
those changes makes a new key in every process without a query. Signed-in
people, requests with a query string and requests with messages waiting are
never served from the cache nor stored in it. The form tokens of the cached
HTML (the language form's CSRF token) are each visitor's own.
"""

import hashlib
import re

from django.contrib.messages import get_messages
from django.core.cache import cache
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.utils.translation import get_language

from dj_learning.conf import settings
from dj_learning.registry import Registry

CSRF_INPUT = re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]*(")')
CSRF_PLACEHOLDER = r"\g<1>@@dj-learning-csrf@@\g<2>"
CSRF_MARK = "@@dj-learning-csrf@@"


def cacheable(request):
    return bool(
        settings.COURSE_PAGE_CACHE_SECONDS
        and request.method == "GET"
        and not request.GET
        and not request.user.is_authenticated
        and not len(get_messages(request))
    )


#: What else the page is made of, from apps above ``courses`` (the themes app's version):
#: each ``(request) -> value``, the value's ``repr()`` going into the key.
key_parts = Registry("course page cache key parts")


def cache_key(request, course):
    parts = (
        course.pk,
        request.get_host(),
        request.path,
        get_language(),
        course.last_published_at,
        course.modules_changed_at,
        *(part(request) for part in key_parts),
    )
    return "dj_learning:course-page:" + hashlib.sha256(repr(parts).encode()).hexdigest()


def serve(request, course, render):
    """``render()``'s response, or the cached page for people who are not signed in."""
    if not cacheable(request):
        return render()
    key = cache_key(request, course)
    html = cache.get(key)
    if html is None:
        response = render()
        if response.status_code != 200 or response.cookies:
            return response
        if hasattr(response, "render"):
            response.render()
        html = CSRF_INPUT.sub(CSRF_PLACEHOLDER, response.content.decode(response.charset))
        cache.set(key, html, settings.COURSE_PAGE_CACHE_SECONDS)
        return response
    if CSRF_MARK in html:
        html = html.replace(CSRF_MARK, get_token(request))
    return HttpResponse(html)
