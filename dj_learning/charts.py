"""Charts for the staff reports and poll results, drawn on the server as inline SVG (no script, no CDN).

Each chart is an ``<svg role="img">`` labelled by its own ``<title>`` and
``<desc>`` (the figures in a sentence), and every bar or point carries a
``<title>`` with its figure, so a screen reader and a mouse pointer both get the
numbers. The page prints the same figures as a table beside the chart: the
chart is for looking, the table for reading. Labels are real SVG text in the
page's font, so Chinese reads as the rest of the page; the colours print on
white. Every label is escaped.
"""

from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import mark_safe

FONT = 13
#: Met, on track, behind; a passed and a failed attempt. Readable on paper.
GREEN = "#2e7d32"
AMBER = "#f9a825"
RED = "#c62828"
BLUE = "#1f4e9c"
#: The package's primary colour (learning.css), for poll results.
PRIMARY = "#b3261e"
GREY = "#e6e6e6"


def number(value):
    """A figure as the report tables show it: ``3``, ``3.5``, ``3.25`` (no trailing zeros)."""
    if isinstance(value, Decimal):
        value = value.quantize(Decimal("0.01")).normalize()
        return f"{value:f}"
    if isinstance(value, float):
        return number(Decimal(str(round(value, 2))))
    return str(value)


def _short(text, limit):
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _svg(name, width, height, title, desc, body):
    title_id, desc_id = f"{name}-title", f"{name}-desc"
    return mark_safe(
        f'<svg class="djl-chart" data-chart="{escape(name)}" xmlns="http://www.w3.org/2000/svg"'
        f' role="img" aria-labelledby="{title_id} {desc_id}" width="{width}" height="{height}"'
        f' viewBox="0 0 {width} {height}" font-size="{FONT}">'
        f'<title id="{title_id}">{escape(title)}</title><desc id="{desc_id}">{escape(desc)}</desc>'
        f"{''.join(body)}</svg>"
    )


def _legend(series, y=14):
    parts, x = [], 0
    for label, colour in series:
        parts.append(
            f'<rect x="{x}" y="{y - 10}" width="12" height="12" fill="{colour}"/>'
            f'<text x="{x + 16}" y="{y}">{escape(label)}</text>'
        )
        x += 32 + FONT * len(str(label))
    return "".join(parts)


def stacked_bars(rows, series, *, name, title, desc, label_width=180, bar_width=360):
    """Horizontal bars, one per row, each split into the shares of ``series``.

    ``rows`` are ``(label, [count per series])``; ``series`` are ``(label, colour)``.
    Each bar is the row's whole (100 %), so rows of different sizes compare by share;
    the row's counts are written after the bar.
    """
    row_height, top = 28, 28
    width = label_width + bar_width + 150
    height = top + row_height * max(len(rows), 1) + 4
    body = [_legend(series)]
    for i, (label, counts) in enumerate(rows):
        y = top + i * row_height
        total = sum(counts)
        label = str(label)
        body.append(
            f'<g data-label="{escape(label)}">'
            f'<text x="{label_width - 8}" y="{y + 17}" text-anchor="end">'
            f"<title>{escape(label)}</title>{escape(_short(label, 12))}</text>"
            f'<rect x="{label_width}" y="{y + 4}" width="{bar_width}" height="18" fill="{GREY}"/>'
        )
        x = label_width
        for (series_label, colour), count in zip(series, counts, strict=True):
            if not total or not count:
                continue
            length = round(bar_width * count / total, 1)
            body.append(
                f'<rect x="{x}" y="{y + 4}" width="{length}" height="18" fill="{colour}">'
                f"<title>{escape(series_label)}: {number(count)}</title></rect>"
            )
            x = round(x + length, 1)
        figures = " / ".join(number(c) for c in counts)
        body.append(f'<text x="{label_width + bar_width + 8}" y="{y + 17}">{figures}</text></g>')
    return _svg(name, width, height, title, desc, body)


def column_chart(bars, *, name, title, desc, colour=BLUE, plot_height=160, column=60):
    """Vertical columns (a histogram): ``bars`` are ``(label, count)``, scaled to the largest."""
    top, bottom, left = 20, 24, 8
    width = left + column * max(len(bars), 1) + 8
    height = top + plot_height + bottom
    peak = max((count for _label, count in bars), default=0)
    body = [
        f'<line x1="{left}" y1="{top + plot_height}" x2="{width - 8}" y2="{top + plot_height}"'
        ' stroke="#888"/>'
    ]
    for i, (label, count) in enumerate(bars):
        x = left + i * column
        bar = round(plot_height * count / peak, 1) if peak else 0
        y = top + plot_height - bar
        centre = x + column / 2
        body.append(
            f'<g data-label="{escape(label)}">'
            f'<rect x="{x + 4}" y="{y}" width="{column - 8}" height="{bar}" fill="{colour}">'
            f"<title>{escape(label)}: {number(count)}</title></rect>"
            f'<text x="{centre}" y="{y - 4}" text-anchor="middle">{number(count)}</text>'
            f'<text x="{centre}" y="{height - 6}" text-anchor="middle" font-size="{FONT - 2}">'
            f"{escape(label)}</text></g>"
        )
    return _svg(name, width, height, title, desc, body)


def line_chart(points, *, name, title, desc, colour=BLUE, plot_height=160, step=48):
    """A line through ``points`` (``(label, value)``, in order) from a zero baseline,
    with the largest value marked on the axis."""
    top, bottom, left = 20, 24, 56
    width = left + step * max(len(points), 1)
    height = top + plot_height + bottom
    peak = max((value for _label, value in points), default=0) or 1
    base = top + plot_height
    body = [
        f'<line x1="{left}" y1="{base}" x2="{width}" y2="{base}" stroke="#888"/>',
        f'<line x1="{left}" y1="{top}" x2="{width}" y2="{top}" stroke="{GREY}"/>',
        f'<text x="{left - 6}" y="{top + 4}" text-anchor="end">{number(peak)}</text>',
        f'<text x="{left - 6}" y="{base + 4}" text-anchor="end">0</text>',
    ]
    coordinates = []
    for i, (label, value) in enumerate(points):
        x = left + step * i + step / 2
        y = round(base - plot_height * float(value) / float(peak), 1)
        coordinates.append(f"{x},{y}")
        body.append(
            f'<g data-label="{escape(label)}">'
            f'<circle cx="{x}" cy="{y}" r="4" fill="{colour}">'
            f"<title>{escape(label)}: {number(value)}</title></circle>"
            f'<text x="{x}" y="{height - 6}" text-anchor="middle" font-size="{FONT - 2}">'
            f"{escape(label)}</text></g>"
        )
    if coordinates:
        body.insert(
            4,
            f'<polyline points="{" ".join(coordinates)}" fill="none" stroke="{colour}"'
            ' stroke-width="2"/>',
        )
    return _svg(name, width, height, title, desc, body)


def bar_chart(bars, *, title=""):
    """Horizontal bars of a poll question's results: ``bars`` are dicts with ``label``,
    ``count`` and ``percent``; each bar is labelled, its figure written beside it."""
    row, label_width, bar_width, value_width = 30, 220, 300, 120
    height = row * max(len(bars), 1) + 10
    width = label_width + bar_width + value_width
    parts = [
        f'<svg class="djl-chart" xmlns="http://www.w3.org/2000/svg" role="img" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'aria-label="{escape(title)}">'
    ]
    if title:
        parts.append(f"<title>{escape(title)}</title>")
    for i, bar in enumerate(bars):
        y = 5 + i * row
        length = round(bar_width * bar["percent"] / 100, 1)
        label = str(bar["label"])
        parts.append(
            f'<g data-label="{escape(label)}">'
            f'<text x="{label_width - 8}" y="{y + 19}" text-anchor="end" font-size="14">'
            f"<title>{escape(label)}</title>{escape(_short(label, 18))}</text>"
            f'<rect x="{label_width}" y="{y + 4}" width="{bar_width}" height="20" fill="#eee"/>'
            f'<rect x="{label_width}" y="{y + 4}" width="{length}" height="20" fill="{PRIMARY}"/>'
            f'<text x="{label_width + bar_width + 8}" y="{y + 19}" font-size="14">'
            f"{bar['count']} ({bar['percent']}%)</text></g>"
        )
    parts.append("</svg>")
    # Every text above is escaped.
    return mark_safe("".join(parts))
