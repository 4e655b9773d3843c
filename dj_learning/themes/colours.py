"""Colour arithmetic and the validators of theme values (no Django models here).

Contrast follows WCAG 2.x: the relative luminance of each colour, and the
ratio ``(lighter + 0.05) / (darker + 0.05)``. Normal text needs 4.5:1 (AA).
"""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

#: WCAG AA for normal-size text.
MIN_CONTRAST = 4.5
#: The colours the stylesheet puts next to the theme's: text on the primary
#: colour (header, buttons), the page background (links), text on the accent.
TEXT_ON_PRIMARY = "#ffffff"
BACKGROUND = "#f7f5f2"
TEXT = "#1d1b1a"

_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")
# Family names, quotes, commas, hyphens, spaces: nothing that could end the
# declaration (";", "}") or open markup.
_FONT = re.compile(r"^[\w\s,\-\"'.]{1,300}$")
_ORIGIN = re.compile(
    r"^https?://[A-Za-z0-9.\-]+(:\d{1,5})?$|^https?://\[[0-9a-fA-F:]+\](:\d{1,5})?$"
)
# What could close the <style> element, pull in outside resources or run script.
_CSS_REFUSED = [
    ("<", _("“<” (it could close the style element)")),
    (
        "@import",
        _("@import (load styles from elsewhere with the theme fields or a site stylesheet)"),
    ),
    ("expression(", _("expression()")),
    ("javascript:", _("javascript: URLs")),
    ("\\3c", _("an escaped “<”")),
    ("behavior:", _("behavior:")),
    ("-moz-binding", _("-moz-binding")),
]


def is_hex_colour(value):
    return bool(value) and bool(_HEX.match(value))


def luminance(colour):
    """Relative luminance (0 black … 1 white) of ``#rrggbb``."""

    def channel(hex_pair):
        c = int(hex_pair, 16) / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(colour[i : i + 2]) for i in (1, 3, 5))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(first, second):
    """WCAG contrast ratio of two ``#rrggbb`` colours, 1.0 to 21.0."""
    a, b = sorted((luminance(first), luminance(second)), reverse=True)
    return (a + 0.05) / (b + 0.05)


def validate_hex_colour(value):
    if not is_hex_colour(value):
        raise ValidationError(
            _("Enter a colour as # and six hexadecimal digits, like #b3261e."), code="colour"
        )


def primary_problem(colour):
    """The message refusing ``colour`` as primary colour, or ``None`` if it is readable."""
    ratio = min(contrast(colour, TEXT_ON_PRIMARY), contrast(colour, BACKGROUND))
    if ratio >= MIN_CONTRAST:
        return None
    return _(
        "The primary colour %(colour)s is too light: white text on it, and links in it, "
        "have a contrast of only %(ratio)s:1; at least 4.5:1 is needed to be readable. "
        "Choose a darker colour."
    ) % {"colour": colour, "ratio": f"{ratio:.1f}"}


def accent_problem(colour):
    """The message refusing ``colour`` as accent colour, or ``None`` if it is readable."""
    ratio = contrast(colour, TEXT)
    if ratio >= MIN_CONTRAST:
        return None
    return _(
        "The accent colour %(colour)s is too dark: text on it has a contrast of only "
        "%(ratio)s:1; at least 4.5:1 is needed to be readable. Choose a lighter colour."
    ) % {"colour": colour, "ratio": f"{ratio:.1f}"}


def validate_font_stack(value):
    if value and not _FONT.match(value):
        raise ValidationError(
            _(
                "List font families separated by commas, like "
                '"Noto Serif SC", serif; letters, digits, spaces, quotes, '
                "hyphens and dots only."
            ),
            code="font",
        )


def css_problem(css):
    """Why ``css`` may not be put in the page, or ``None`` when it may."""
    lowered = css.lower()
    for needle, label in _CSS_REFUSED:
        if needle in lowered:
            return _("Custom CSS may not contain %(what)s.") % {"what": label}
    return url_problem(css)


_CSS_ESCAPE = re.compile(r"\\([0-9a-fA-F]{1,6})\s?|\\(.)", re.S)
_CSS_URL = re.compile(r"url\(\s*(?:\"([^\"]*)\"|'([^']*)'|([^)'\"\s]*))\s*\)", re.S)
_DATA_IMAGE = re.compile(r"^data:image/(png|jpeg|gif|webp)[;,]")


def _unescape(css):
    def one(match):
        if match.group(1):
            try:
                return chr(int(match.group(1), 16))
            except (ValueError, OverflowError):
                return "\ufffd"
        return match.group(2)

    return _CSS_ESCAPE.sub(one, css)


def url_problem(css):
    """``url()`` may name only the site's own files (a path, no host) or a ``data:``
    image: anything else would make every member's browser fetch from elsewhere."""
    plain = _unescape(css).lower()
    if "image-set(" in plain or "src(" in plain.replace("url(", ""):
        return _("Custom CSS may not contain %(what)s.") % {"what": "image-set()"}
    found = list(_CSS_URL.finditer(plain))
    if len(found) != plain.count("url("):
        return _('A url() in the custom CSS is not written as url(/path) or url("/path").')
    for match in found:
        target = next(g for g in match.groups() if g is not None).strip()
        if _DATA_IMAGE.match(target):
            continue
        if ":" in target or target.startswith("//") or "\\" in target:
            return _(
                "Custom CSS may load files only from this site (url(/path)) or data: images "
                "(PNG, JPEG, GIF, WebP); not %(url)s."
            ) % {"url": target}
    return None


def validate_custom_css(value):
    if value and (problem := css_problem(value)):
        raise ValidationError(problem, code="css")


def parse_origins(text):
    """The origins of a one-per-line text, each normalised (lower case, no trailing /)."""
    return [line.strip().rstrip("/").lower() for line in (text or "").splitlines() if line.strip()]


def validate_origins(text):
    bad = [origin for origin in parse_origins(text) if not _ORIGIN.match(origin)]
    if bad:
        raise ValidationError(
            _(
                "Each line must be one origin, scheme and host with an optional port and "
                "nothing after it, like https://portal.example.org. Not an origin: %(bad)s"
            ),
            params={"bad": ", ".join(bad)},
            code="origin",
        )
