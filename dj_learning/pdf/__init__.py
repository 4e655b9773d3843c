"""PDF documents: Django templates rendered to PDF with a Chinese font embedded.

Transcripts and certificates build on ``dj_learning.pdf.services.render_pdf``
and the base template ``dj_learning/pdf/base.html``. See ``docs/pdf.md``.
"""
