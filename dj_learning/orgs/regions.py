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

CACHE_KEY = "dj_learning:regions:v2"  # v2: with the site root's tree path


def regions():
    """``[(path, name, site_id, site root's url_path, site root's tree path)]`` of every
    region unit, deepest path first. Cached."""
    found = cache.get(CACHE_KEY)
    if found is None:
        found = sorted(
            Unit.objects.filter(kind=Unit.Kind.REGION).values_list(
                "path", "name", "site_id", "site__root_page__url_path", "site__root_page__path"
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
    for path, name, *_site in regions():
        if unit_path.startswith(path):
            return name
    return ""


def region_of_page(page):
    """The name of the region whose site serves ``page``, or ``""`` when only one region
    has a site (nothing to tell apart) or the page is in none."""
    roots = sorted(
        ((root, name) for _path, name, site, root, _tree in regions() if site and root),
        key=lambda row: -len(row[0]),
    )
    if len(roots) < 2 or not page.url_path:
        return ""
    return next((name for root, name in roots if page.url_path.startswith(root)), "")


def with_region(title, region):
    """``title · region`` (or the title alone without a region)."""
    return f"{title} · {region}" if region else title


# -- What a user chooses from ------------------------------------------------------------

_USER_CACHE_ATTR = "_learning_region_paths"


def _touch(a, b):
    """Does one of two materialized paths lie at or below the other?"""
    return a.startswith(b) or b.startswith(a)


def user_region_paths(user):
    """The paths of the regions ``user`` works in, or ``None`` when no region limit applies.

    A region is the user's when one of their staff roles lies in it or above it
    (``orgs.scope``), or when one of their groups holds a Wagtail page permission
    on its site's pages or above them. ``None`` for a superuser, for a user whose
    roles and permissions reach every region, for a user tied to no region (Wagtail's
    own permissions apply), and while fewer than two regions exist. Read once per
    user object (one query for the page permissions).
    """
    from . import scope

    cached = getattr(user, _USER_CACHE_ATTR, False)
    if cached is not False:
        return cached
    found = None
    every = regions()
    if len(every) > 1 and not scope.sees_everything(user) and user.is_authenticated:
        from wagtail.models import GroupPagePermission

        mine = {
            path
            for path, *_rest in every
            if any(_touch(path, role_path) for role_path in scope.scope_paths(user))
        }
        # Unless the roles already reach every region, the page permissions count too.
        if len(mine) < len(every):
            page_paths = set(
                GroupPagePermission.objects.filter(group__user=user).values_list(
                    "page__url_path", flat=True
                )
            )
            mine |= {
                path
                for path, _name, _site, root, _tree in every
                if root and any(_touch(root, page_path) for page_path in page_paths)
            }
        if mine and len(mine) < len(every):
            found = frozenset(mine)
    setattr(user, _USER_CACHE_ATTR, found)
    return found


def filter_pages(pages, user):
    """``pages`` less those of the sites of regions that are not the user's."""
    mine = user_region_paths(user)
    if mine is None:
        return pages
    for path, _name, site, _root, tree in regions():
        if path not in mine and site and tree:
            # By the tree path: Wagtail's page search filters on indexed fields only.
            pages = pages.exclude(path__startswith=tree)
    return pages


def filter_units(units, user):
    """``units`` less those of regions that are not the user's (units above stay)."""
    mine = user_region_paths(user)
    if mine is None:
        return units
    for path, *_rest in regions():
        if path not in mine:
            units = units.exclude(path__startswith=path)
    return units


def filter_by_unit(queryset, user, unit_field="unit"):
    """Rows of ``queryset`` whose unit (``unit_field``) is empty or lies in one of the
    user's regions (or above them: a national bank is everyone's)."""
    mine = user_region_paths(user)
    if mine is None:
        return queryset
    for path, *_rest in regions():
        if path not in mine:
            # ``exclude`` keeps the rows without a unit.
            queryset = queryset.exclude(**{f"{unit_field}__path__startswith": path})
    return queryset


def filter_by_page(queryset, user, page_field):
    """Rows of ``queryset`` whose page (``page_field``) is empty or not on the site of a
    region that is not the user's."""
    mine = user_region_paths(user)
    if mine is None:
        return queryset
    for path, _name, site, _root, tree in regions():
        if path not in mine and site and tree:
            queryset = queryset.exclude(**{f"{page_field}__path__startswith": tree})
    return queryset
