"""Filters for PDF templates: ``{% load learning_pdf %}``."""

from django import template

from dj_learning.pdf.services import CHUNK_ROWS, chunked, qr_png_data_uri

register = template.Library()


@register.filter
def chunks(rows, size=CHUNK_ROWS):
    """``{% for part in rows|chunks %}`` (or ``rows|chunks:50``): one ``<table>`` per part.

    A long table printed as one is laid out in time that grows with the square
    of its rows; in parts of 100 it stays linear.
    """
    return chunked(rows, size)


@register.filter
def qr_png(data):
    """``<img src="{{ url|qr_png }}" width="80" height="80">``: a QR code of ``data``."""
    return qr_png_data_uri(data)


_NUMBER = __import__("re").compile(r"^-?\d+(\.\d+)?( / -?\d+(\.\d+)?)?$")


@register.filter
def is_number(value):
    """Is ``value`` a number, or "score / out of" (right-aligned in a table)?"""
    return bool(_NUMBER.match(str(value).strip()))
