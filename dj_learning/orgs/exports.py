"""What every spreadsheet export of personal data shares."""


def safe_cell(value):
    """Text a spreadsheet will not run as a formula (a name like "=HYPERLINK(...)")."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value
