"""Certificates: templates per region, issuing rules, numbered PDFs stored at issue,
verification at ``/verify/<code>/``, expiry and revocation (see docs/certificates.md)."""
