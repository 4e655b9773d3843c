"""The widgets the themes app ships (registered in ``apps.ThemesConfig.ready``).

Each takes the request and returns its template's context; each reads a fixed
number of rows whatever the size of the site.
"""

from django.db.models import Prefetch
from wagtail.images import get_image_model
from wagtail.models import Site

from dj_learning import embed

CATALOG_SIZE = 6
NOTICES_SIZE = 5


def catalog(request):
    """The latest live courses of the request's site."""
    from dj_learning.courses import services
    from dj_learning.courses.models import CoursePage
    from dj_learning.courses.views import COVER_FILTER

    site = Site.find_for_request(request)
    courses = CoursePage.objects.live().in_site(site) if site else CoursePage.objects.none()
    courses = (
        services.annotate_kinds(courses.order_by("-first_published_at", "-pk"))
        .select_related("unit")
        .prefetch_related(
            Prefetch(
                "cover_image",
                queryset=get_image_model().objects.prefetch_renditions(COVER_FILTER),
            ),
            "topics",
        )
    )
    return {"courses": courses[: embed.limit(request, CATALOG_SIZE)]}


def my_study(request):
    """The signed-in member's progress against the plan, or nothing (the sign-in link shows)."""
    from dj_learning.courses import services
    from dj_learning.members.services import member_for

    member = member_for(request.user)
    if member is None:
        return {"member": None}
    return {"member": member, "summary": services.plan_summary(member, request=request, recent=0)}


def notices(request):
    """The latest live notices of the request's site, newest first."""
    from .models import NoticePage

    site = Site.find_for_request(request)
    pages = NoticePage.objects.live().in_site(site) if site else NoticePage.objects.none()
    return {"notices": pages.order_by("-date", "-pk")[: embed.limit(request, NOTICES_SIZE)]}
