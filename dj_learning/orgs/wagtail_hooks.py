"""Admin registrations of orgs: page choosers keep to the user's regions."""

from wagtail import hooks

from . import regions


@hooks.register("construct_page_chooser_queryset")
def keep_page_chooser_to_own_regions(pages, request):
    return regions.filter_pages(pages, request.user)
