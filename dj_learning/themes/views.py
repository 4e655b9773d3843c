"""Embedded widgets, the embedding script and the admin's theme preview. Thin: see services."""

from pathlib import Path

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_GET, require_POST
from wagtail.admin.panels import get_edit_handler
from wagtail.models import Site

from dj_learning import embed
from dj_learning.orgs import scope

from . import services
from .models import RegionTheme, UnitTheme

SCRIPT = Path(__file__).parent / "static" / "dj_learning" / "themes" / "embed.js"


def frame_ancestors(theme):
    """The CSP sources allowed to frame a widget: this site and the region's listed origins."""
    return ["'self'", *theme.embed_origins]


@require_GET
@xframe_options_exempt  # framing is decided by the CSP header below, per region
def widget(request, name):
    found = embed.widgets.get(name)
    if found is None:
        raise Http404
    region = services.region_theme_for_request(request)
    theme = region.with_colours(request.GET.get("primary"), request.GET.get("accent"))
    # The frame reports its height only to a parent the region lists.
    parent = request.GET.get("parent", "").rstrip("/").lower()
    context = {
        "widget": found,
        "parent_origin": parent if parent in theme.embed_origins else "",
        "theme": theme,
        **found.view(request),
    }
    request._learning_theme = theme
    response = render(request, found.template, context)
    # The site's Content-Security-Policy (django-csp), with frame-ancestors per region.
    response._csp_replace = {"frame-ancestors": frame_ancestors(region)}
    patch_vary_headers(response, ["Cookie"])
    patch_cache_control(response, private=True, no_cache=True)
    return response


@require_GET
def script(request):
    """``embed.js``: the one-line snippet's script (static, served here so its origin is the site's)."""
    response = HttpResponse(SCRIPT.read_bytes(), content_type="text/javascript; charset=utf-8")
    patch_cache_control(response, public=True, max_age=300)
    return response


def _preview_layers(request):
    """The unsaved theme from the posted edit form, and the saved layers it overrides."""
    kind = request.GET.get("model")
    if kind == "region":
        if not request.user.has_perm("learning_themes.change_regiontheme"):
            raise PermissionDenied
        site = get_object_or_404(Site, pk=request.GET.get("site"))
        model, instance = RegionTheme, RegionTheme(site=site)
    elif kind == "unit":
        if not (
            request.user.has_perm("learning_themes.change_unittheme")
            or request.user.has_perm("learning_themes.add_unittheme")
        ):
            raise PermissionDenied
        model, instance = UnitTheme, UnitTheme()
    else:
        raise Http404
    form_class = get_edit_handler(model).get_form_class()
    form = form_class(request.POST, request.FILES, instance=instance, for_user=request.user)
    if not form.is_valid():
        return form, []
    unsaved = form.instance
    if kind == "region":
        return form, [unsaved]
    if not scope.can_see_unit(request.user, unsaved.unit):
        raise Http404
    saved = services.theme_layers(unit_id=unsaved.unit_id)
    return form, [unsaved] + [
        layer
        for layer in saved
        if not (isinstance(layer, UnitTheme) and layer.unit_id == unsaved.unit_id)
    ]


@require_POST
@login_required
def preview(request):
    """A sample page in the posted, unsaved theme (the edit form's "Preview theme" button)."""
    form, layers = _preview_layers(request)
    theme = services.merge(layers) if layers else None
    if theme is not None:
        request._learning_theme = theme
    return render(
        request,
        "dj_learning/themes/preview.html",
        {"form": form, "previewed": theme is not None},
        status=200 if theme else 400,
    )
