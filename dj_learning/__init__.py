"""Member education for organizations with regional branches, on Django and Wagtail."""

__version__ = "0.1.0"
