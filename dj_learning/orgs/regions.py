"""Telling regions apart in the admin: a unit's region and a page's region, by name.

Two regions often hold pages, catalog items and quizzes with the same titles
(each region's copy of a course). The admin names the region beside them
(page search, moderation, choosers, the package's lists). The regions are
few and read on every admin list, so their paths, names and sites' root pages are
read once and cached until a unit or a site is saved or deleted (``forget``).
"""

from django.core.cache import cache
from django.db.models.signals import post_delete, post_save

from .models import Unit

CACHE_KEY = "dj_learning:regions"


def regions():
    """``[(path, name, site_id, site root's url_path)]`` of every region unit, deepest
    path first. Cached."""
    found = cache.get(CACHE_KEY)
    if found is None:
        found = sorted(
            Unit.objects.filter(kind=Unit.Kind.REGION).values_list(
                "path", "name", "site_id", "site__root_page__url_path"
            ),
            key=lambda row: -len(row[0]),
        )
        cache.set(CACHE_KEY, found, 3600)
    return found


def forget(**kwargs):
    cache.delete(CACHE_KEY)


def connect():
    """Forget the cached regions whenever a unit changes (called from ``ready()``)."""
    from wagtail.models import Site

    for model in (Unit, Site):
        post_save.connect(forget, sender=model, dispatch_uid=f"djl-regions-save-{model.__name__}")
        post_delete.connect(forget, sender=model, dispatch_uid=f"djl-regions-del-{model.__name__}")


def region_name(unit_path):
    """The name of the region at or above the unit with ``unit_path``, or ``""``. No query
    once the regions are cached."""
    if not unit_path:
        return ""
    for path, name, _site, _root in regions():
        if unit_path.startswith(path):
            return name
    return ""


def region_of_page(page):
    """The name of the region whose site serves ``page``, or ``""`` when only one region
    has a site (nothing to tell apart) or the page is in none."""
    roots = sorted(
        ((root, name) for _path, name, site, root in regions() if site and root),
        key=lambda row: -len(row[0]),
    )
    if len(roots) < 2 or not page.url_path:
        return ""
    return next((name for root, name in roots if page.url_path.startswith(root)), "")


def with_region(title, region):
    """``title · region`` (or the title alone without a region)."""
    return f"{title} · {region}" if region else title
