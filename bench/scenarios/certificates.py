"""Certificates: rendering with a background and a seal, the bulk ZIP, and the member's list.

- "certificate PDF": ``certificates.services.render`` of a landscape template with
  a 1754×1240 JPEG background and a 600×600 PNG seal (the demo's, drawn by
  ``cms_site.demo.certificates``): certificates per second in this process (one
  worker), drawn with ReportLab (the default, ``certificates.drawing``) and laid out
  from the HTML template by xhtml2pdf (``render_html``, a site's choice). The issue's
  goal was 50/s.
- "certificates ZIP, PDFs stored": ``certificates.batches.build`` of a branch's 1,000
  certificates whose PDFs were rendered and stored at issue (the job only reads and
  writes them): certificates per second in one worker, and the job's queries.
- "certificates ZIP, rendering each PDF": the same 1,000 with no PDF yet (as a bulk
  award leaves them until their jobs run), so the job renders and stores each: in
  one worker process (``bench/batch_worker.py``) for the branch, and in two at once,
  each building the ZIP of its half (two sub-branches of 500). Ratio 2/1.
- "My certificates": ``/learning/certificates/`` for a member with 5 and 500
  certificates: ms per request and queries (the same for both). Ratio 500/5.
"""

from django.conf import settings
from django.core.files.base import ContentFile
from django.test import override_settings
from django.utils import timezone

from bench import data, measure
from bench.scenarios.credits_batch import Workers
from cms_site.demo import certificates as demo
from dj_learning import uploads
from dj_learning.certificates import batches, services
from dj_learning.certificates.models import Certificate, CertificateBatch, CertificateTemplate
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

    results.extend(_zips(ctx, branch, template, values))

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


def _zips(ctx, branch, template, values):
    """The bulk ZIP job: of stored PDFs, and rendering them first, with 1 and 2 workers."""
    size = 4 if ctx.smoke else ZIP_SIZE
    halves = [factories.unit(parent=branch) for _ in range(2)]
    members = [factories.member(unit=halves[i % 2]) for i in range(size)]
    ids = [services.issue(m, template, key=f"bench:{m.pk}")[0].pk for m in members]
    admin = factories.staff(role="admin", unit=branch)
    pdf = services.render(template, values, code="bench")

    def stored():
        for certificate in Certificate.objects.filter(pk__in=ids):
            certificate.pdf.save(f"{certificate.number}.pdf", ContentFile(pdf), save=False)
            certificate.rendered_at = timezone.now()
            certificate.save(update_fields=["pdf", "rendered_at"])

    def unrendered():
        for certificate in Certificate.objects.filter(pk__in=ids).exclude(pdf=""):
            certificate.pdf.delete(save=False)
        Certificate.objects.filter(pk__in=ids).update(pdf="", rendered_at=None)

    def batch(unit):
        return CertificateBatch.objects.create(unit=unit, requested_by=admin).pk

    def check(batch_ids, count):
        for done in CertificateBatch.objects.filter(pk__in=batch_ids):
            if (done.status, done.done) != (CertificateBatch.Status.DONE, count):
                raise measure.BenchError(f"certificates ZIP: batch {done.pk} is {done.status}")

    results = []
    stored()
    first = batch(branch)
    zipping = measure.Result(
        "certificates ZIP, PDFs stored",
        {"certificates": size, "workers": 1},
        "certificates/s",
        queries=measure.count_queries(lambda: batches.build(first)),
    )
    for _ in range(ctx.runs):
        pk = batch(branch)  # a batch is built once: a new one each run
        ms = measure.ms_per_call(lambda pk=pk: batches.build(pk), 1)
        zipping.samples.append(1000 * size / ms)
        check([pk], size)
    results.append(zipping)

    # Rendering first: the certificates as a bulk award leaves them, no PDF yet.
    workers = {count: Workers(count, "dj_learning.certificates.batches") for count in (1, 2)}
    try:
        for count, pool in workers.items():  # warm-up: each worker renders once
            unrendered()
            pool.build([batch(unit) for unit in halves[:count]])
        rendered = {}
        for count, pool in workers.items():
            result = measure.Result(
                "certificates ZIP, rendering each PDF",
                {"certificates": size, "workers": count},
                "certificates/s",
            )
            for _ in range(ctx.runs):
                unrendered()
                units = [branch] if count == 1 else halves
                batch_ids = [batch(unit) for unit in units]
                seconds, _answers = pool.build(batch_ids)
                check(batch_ids, size // len(units))
                result.samples.append(size / seconds)
            rendered[count] = result
        rendered[2].compare_to(rendered[1])
        results.extend(rendered.values())
    finally:
        for pool in workers.values():
            pool.close()
    return results
