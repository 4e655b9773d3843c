"""Certificates: rendering with a background and a seal, the bulk ZIP, and the member's list.

- "certificate PDF": ``certificates.services.render`` of a landscape template with
  a 1754×1240 JPEG background and a 600×600 PNG seal (the demo's, drawn by
  ``cms_site.demo.certificates``): certificates per second in this process (one
  worker), drawn with ReportLab (the default, ``certificates.drawing``) and laid out
  from the HTML template by xhtml2pdf (``render_html``, a site's choice). The issue's
  goal was 50/s.
- "certificates ZIP": ``certificates.batches.build`` of a branch's 1,000 certificates
  (their PDFs rendered and stored beforehand, so the ZIP job only reads and
  writes them): certificates per second in one worker, and the job's queries.
- "My certificates": ``/learning/certificates/`` for a member with 5 and 500
  certificates: ms per request and queries (the same for both). Ratio 500/5.
"""

from django.conf import settings
from django.core.files.base import ContentFile
from django.test import override_settings
from django.utils import timezone

from bench import data, measure
from cms_site.demo import certificates as demo
from dj_learning import uploads
from dj_learning.certificates import batches, services
from dj_learning.certificates.models import CertificateBatch, CertificateTemplate
from dj_learning.test import factories

TITLE = "Certificates"
RENDERS = 20
ZIP_SIZE = 1000
#: The default renderer, and the HTML template a site may choose instead (docs/certificates.md).
RENDERERS = (
    ("drawn", "dj_learning.certificates.drawing.draw"),
    ("HTML template", "dj_learning.certificates.services.render_html"),
)
LIST_SIZES = (5, 500)


def _template(unit):
    spec = demo.TEMPLATES["region-1"]
    template = CertificateTemplate(
        unit=unit,
        name=f"bench-{unit.pk}",
        orientation=spec["orientation"],
        title=spec["title"],
        body=spec["body"],
        issuer=spec["issuer"],
        number_prefix="BN",
    )
    for field, image in (
        (template.background, demo._paper((1754, 1240), spec["paper"])),
        (template.seal, demo._seal(spec["seal_text"])),
    ):
        checked = uploads.check_upload(ContentFile(image, name="x"), kinds=(uploads.IMAGE,))
        field.save(checked.name, checked, save=False)
    template.save()
    return template


def run(ctx):
    results = []
    branch = data.branch()
    template = _template(branch)
    values = services.sample_values(template)

    def render_one():
        pdf = services.render(template, values, code="bench")
        if not pdf.startswith(b"%PDF-"):
            raise measure.BenchError("certificate PDF: not a PDF")

    calls = 2 if ctx.smoke else RENDERS
    renderings = []
    for label, renderer in RENDERERS:
        with override_settings(
            DJ_LEARNING={**settings.DJ_LEARNING, "CERTIFICATE_RENDERER": renderer}
        ):
            render_one()
            rendering = measure.Result(
                "certificate PDF", {"background": True, "seal": True, "renderer": label}, "PDF/s"
            )
            for _ in range(ctx.runs):
                rendering.samples.append(1000 / measure.ms_per_call(render_one, calls))
        renderings.append(rendering)
    renderings[0].compare_to(renderings[1])
    results.extend(renderings)

    size = 4 if ctx.smoke else ZIP_SIZE
    members = [factories.member(unit=branch) for _ in range(size)]
    pdf = services.render(template, values, code="bench")
    for member in members:
        certificate, _ = services.issue(member, template, key=f"bench:{member.pk}")
        certificate.pdf.save(f"{certificate.number}.pdf", ContentFile(pdf), save=False)
        certificate.rendered_at = timezone.now()
        certificate.save(update_fields=["pdf", "rendered_at"])
    admin = factories.staff(role="admin", unit=branch)
    batch = CertificateBatch.objects.create(unit=branch, requested_by=admin)
    zipping = measure.Result(
        "certificates ZIP",
        {"certificates": size, "workers": 1},
        "certificates/s",
        queries=measure.count_queries(lambda: batches.build(batch.pk)),
    )
    for _ in range(ctx.runs):
        zipping.samples.append(
            1000 * size / measure.ms_per_call(lambda: batches.build(batch.pk), 1)
        )
    results.append(zipping)

    listing = []
    for count in ctx.sizes(LIST_SIZES, (2, 4)):
        holder = factories.member(unit=branch)
        for i in range(count):
            services.issue(holder, template, key=f"list:{holder.pk}:{i}")
        listing.append(
            measure.page(
                ctx,
                data.logged_in_client(holder),
                "/learning/certificates/",
                scenario="My certificates",
                params={"certificates": count},
                expect='data-testid="certificates"',
            )
        )
    listing[1].compare_to(listing[0])
    return results + listing
