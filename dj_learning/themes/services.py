"""Which theme a request gets, resolved once and cached.

Resolution: the member's unit, then each unit above it, then the region's site
setting (the nearest unit in the chain that has a site, or the request's site
when the user is no member), then ``DEFAULTS``. The first non-empty value of a
field wins; custom CSS is the exception: the region's comes first and each
unit's below it is appended.

A miss costs a fixed number of queries (the unit's path, the chain with its
overrides, the region setting, the logo's rendition); a hit costs none. Saving
or deleting a theme or a unit changes a version key, so every cached theme is
dropped at once.
"""

import uuid
from dataclasses import asdict, dataclass, field, replace

from django.core.cache import cache
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from wagtail.models import Site
from wagtail.rich_text import expand_db_html

from dj_learning.conf import settings

from . import colours

VERSION_KEY = "learning_themes:version"
LOGO_FILTER = "max-400x96"

#: What a site without any theme looks like (the values of learning.css).
DEFAULTS = {
    "name": "",
    "logo_url": "",
    "primary_colour": "#b3261e",
    "accent_colour": "#f2b705",
    "font_stack": 'system-ui, -apple-system, "PingFang SC", "Microsoft YaHei", '
    '"Noto Sans CJK SC", sans-serif',
    "header_html": "",
    "footer_html": "",
    "home_layout": "welcome",
    "home_parts": "",
}
_FIELDS = ["name", "primary_colour", "accent_colour", "font_stack", "home_layout", "home_parts"]


@dataclass(frozen=True)
class Theme:
    """A resolved theme: plain values, safe to cache and to render."""

    name: str = DEFAULTS["name"]
    logo_url: str = DEFAULTS["logo_url"]
    primary_colour: str = DEFAULTS["primary_colour"]
    accent_colour: str = DEFAULTS["accent_colour"]
    font_stack: str = DEFAULTS["font_stack"]
    header_html: str = DEFAULTS["header_html"]
    footer_html: str = DEFAULTS["footer_html"]
    home_layout: str = DEFAULTS["home_layout"]
    home_parts: str = DEFAULTS["home_parts"]
    custom_css: str = ""
    embed_origins: list = field(default_factory=list)

    @property
    def header(self):
        return mark_safe(self.header_html)  # rich text, expanded by Wagtail when resolved

    @property
    def footer(self):
        return mark_safe(self.footer_html)

    def style(self, nonce=None):
        """``<style>`` setting the ``--djl-*`` variables, then the custom CSS; with the
        request's Content-Security-Policy ``nonce`` when given (``{% theme_style %}``).

        Values are checked again here, so a value written around the forms
        (shell, fixtures) cannot break out of the declaration.
        """
        rules = []
        if colours.is_hex_colour(self.primary_colour):
            rules.append(f"--djl-primary: {self.primary_colour};")
        if colours.is_hex_colour(self.accent_colour):
            rules.append(f"--djl-accent: {self.accent_colour};")
        try:
            colours.validate_font_stack(self.font_stack)
            rules.append(f"--djl-font: {self.font_stack};")
        except Exception:
            pass
        css = self.custom_css if not colours.css_problem(self.custom_css) else ""
        return format_html(
            "<style data-djl-theme{}>:root {{ {} }}{}</style>",
            format_html(' nonce="{}"', nonce) if nonce else "",
            mark_safe(" ".join(rules)),
            mark_safe("\n" + css if css else ""),
        )

    def with_colours(self, primary=None, accent=None):
        """This theme with the colours a caller passed, each kept only if valid and readable."""
        changes = {}
        if primary and colours.is_hex_colour(primary) and not colours.primary_problem(primary):
            changes["primary_colour"] = primary.lower()
        if accent and colours.is_hex_colour(accent) and not colours.accent_problem(accent):
            changes["accent_colour"] = accent.lower()
        return replace(self, **changes) if changes else self


def _version():
    version = cache.get(VERSION_KEY)
    if version is None:
        version = uuid.uuid4().hex
        cache.add(VERSION_KEY, version, None)
        version = cache.get(VERSION_KEY, version)
    return version


def page_cache_key_part(request):
    """The themes' version, a part of the cached course page's key (``courses.page_cache``)."""
    return cache.get(VERSION_KEY)


def invalidate(**kwargs):
    """Forget every cached theme (connected to saves and deletes of themes and units)."""
    cache.set(VERSION_KEY, uuid.uuid4().hex, None)


def merge(layers):
    """A ``Theme`` from theme objects, the most specific first; ``None`` layers are skipped.

    ``layers`` are ``RegionTheme``/``UnitTheme`` instances, saved or not (the
    admin preview passes the unsaved one).
    """
    layers = [layer for layer in layers if layer is not None]
    values = dict(DEFAULTS)
    for name in _FIELDS:
        values[name] = next(
            (getattr(layer, name) for layer in layers if getattr(layer, name)), DEFAULTS[name]
        )
    logo = next((layer.logo for layer in layers if layer.logo_id), None)
    values["logo_url"] = logo.get_rendition(LOGO_FILTER).url if logo else ""
    header = next((layer.header_text for layer in layers if layer.header_text), "")
    footer = next((layer.footer_text for layer in layers if layer.footer_text), "")
    values["header_html"] = expand_db_html(header) if header else ""
    values["footer_html"] = expand_db_html(footer) if footer else ""
    values["custom_css"] = "\n".join(
        layer.custom_css for layer in reversed(layers) if layer.custom_css
    )
    region = next((layer for layer in layers if hasattr(layer, "embed_origins")), None)
    values["embed_origins"] = colours.parse_origins(region.embed_origins) if region else []
    return Theme(**values)


def unit_chain(unit_path):
    """The unit at ``unit_path`` and every unit above it, deepest first, with their overrides."""
    from dj_learning.orgs.models import Unit, ancestor_paths

    return list(
        Unit.objects.filter(path__in=ancestor_paths(unit_path))
        .select_related("learning_theme", "learning_theme__logo")
        .order_by("-depth")
    )


def theme_layers(site_id=None, unit_id=None):
    """The theme objects that apply, most specific first (see the module docstring)."""
    from dj_learning.orgs.models import Unit

    from .models import RegionTheme

    layers = []
    if unit_id is not None:
        path = Unit.objects.filter(pk=unit_id).values_list("path", flat=True).first()
        chain = unit_chain(path) if path else []
        # select_related leaves the reverse one-to-one unset when a unit has no override.
        layers += [unit.learning_theme for unit in chain if hasattr(unit, "learning_theme")]
        site_id = next((unit.site_id for unit in chain if unit.site_id), site_id)
    if site_id is not None:
        layers.append(RegionTheme.objects.select_related("logo").filter(site_id=site_id).first())
    return layers


def resolve(site_id=None, unit_id=None):
    """The ``Theme`` for a site and a member's unit (either may be ``None``), from the cache."""
    key = f"learning_themes:{_version()}:{site_id}:{unit_id}"
    values = cache.get(key)
    if values is not None:
        return Theme(**values)
    theme = merge(theme_layers(site_id, unit_id))
    cache.set(key, asdict(theme), settings.THEME_CACHE_SECONDS)
    return theme


def site_id_for(request):
    site = Site.find_for_request(request)
    return site.pk if site else None


def theme_for_request(request):
    """The theme of the signed-in member's unit chain, else of the request's site (once per request)."""
    theme = getattr(request, "_learning_theme", None)
    if theme is None:
        from dj_learning.members.services import member_for

        member = member_for(getattr(request, "user", None))
        theme = resolve(site_id_for(request), member.unit_id if member else None)
        request._learning_theme = theme
    return theme


def region_languages():
    """``{site id: language}`` of the regions that set their members' language (cached
    with the themes, so a change shows at once on every worker)."""
    key = f"learning_themes:languages:{_version()}"
    languages = cache.get(key)
    if languages is None:
        from .models import RegionTheme

        languages = dict(
            RegionTheme.objects.exclude(member_language="").values_list(
                "site_id", "member_language"
            )
        )
        cache.set(key, languages, settings.THEME_CACHE_SECONDS)
    return languages


def language_for_request(request):
    """The members' language of the request's region, or ``None`` if it set none."""
    languages = region_languages()
    return languages.get(site_id_for(request)) if languages else None


def languages_for_users(user_ids):
    """``{user id: language}`` for the members among ``user_ids`` whose region (the
    nearest unit above them with a site that set a members' language) has one."""
    languages = region_languages()
    if not languages:
        return {}
    from dj_learning.members.models import Member
    from dj_learning.orgs.models import Unit

    sited = list(Unit.objects.filter(site_id__in=languages).values_list("path", "site_id"))
    found = {}
    for user_id, path in Member.objects.filter(user_id__in=user_ids).values_list(
        "user_id", "unit__path"
    ):
        above = [(root, site) for root, site in sited if path and path.startswith(root)]
        if above:
            found[user_id] = languages[max(above)[1]]  # the deepest: the longest path
    return found


def region_theme_for_request(request):
    """The theme of the request's site alone (embedded widgets, framing rules)."""
    return resolve(site_id_for(request), None)


def _image_data_uri(image, spec):
    import base64

    rendition = image.get_rendition(spec)
    with rendition.file.open("rb") as handle:
        data = handle.read()
    return "data:image/png;base64," + base64.b64encode(data).decode("ascii")


def transcript_letterhead(member):
    """The region theme's name, logo and seal for ``member``'s transcripts (``data:`` URIs,
    as the PDF renderer reads no files); registered in ``credits.services.letterheads``."""
    from .models import RegionTheme

    region = member.unit.region
    if region is None or region.site_id is None:
        return {}
    theme = RegionTheme.objects.select_related("logo", "seal").filter(site_id=region.site_id)
    theme = theme.first()
    if theme is None:
        return {"name": region.name}
    return {
        "name": theme.name or region.name,
        "logo": _image_data_uri(theme.logo, "max-240x120|format-png") if theme.logo_id else "",
        "seal": _image_data_uri(theme.seal, "max-300x300|format-png") if theme.seal_id else "",
    }
