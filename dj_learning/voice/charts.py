"""Bar charts of poll results as inline SVG, drawn on the server (no script, no CDN).

Text is real SVG text in the page's font (``.djl-chart text``, or Wagtail admin's),
so labels in Chinese read as the rest of the page; every label and number is
escaped.
"""

from django.utils.html import escape
from django.utils.safestring import mark_safe

ROW = 30
LABEL_WIDTH = 220
BAR_WIDTH = 300
VALUE_WIDTH = 120
COLOUR = "#b3261e"


def _short(text, limit=18):
    return text if len(text) <= limit else text[: limit - 1] + "…"


def bar_chart(bars, *, title=""):
    """An SVG of horizontal bars: ``bars`` are dicts with ``label``, ``count``, ``percent``."""
    height = ROW * max(len(bars), 1) + 10
    width = LABEL_WIDTH + BAR_WIDTH + VALUE_WIDTH
    parts = [
        f'<svg class="djl-chart" xmlns="http://www.w3.org/2000/svg" role="img" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'aria-label="{escape(title)}">'
    ]
    if title:
        parts.append(f"<title>{escape(title)}</title>")
    for i, bar in enumerate(bars):
        y = 5 + i * ROW
        length = round(BAR_WIDTH * bar["percent"] / 100, 1)
        label = str(bar["label"])
        parts.append(
            f'<g data-label="{escape(label)}">'
            f'<text x="{LABEL_WIDTH - 8}" y="{y + 19}" text-anchor="end" font-size="14">'
            f"<title>{escape(label)}</title>{escape(_short(label))}</text>"
            f'<rect x="{LABEL_WIDTH}" y="{y + 4}" width="{BAR_WIDTH}" height="20" fill="#eee"/>'
            f'<rect x="{LABEL_WIDTH}" y="{y + 4}" width="{length}" height="20" fill="{COLOUR}"/>'
            f'<text x="{LABEL_WIDTH + BAR_WIDTH + 8}" y="{y + 19}" font-size="14">'
            f"{bar['count']} ({bar['percent']}%)</text></g>"
        )
    parts.append("</svg>")
    # Every text above is escaped.
    return mark_safe("".join(parts))
