"""Certificate numbers move to the shared numbering service (``orgs.Counter``, series
"certificate"): each region's last number is copied, so numbering continues where it
was, then the app's own ``Sequence`` goes."""

from django.db import migrations

SERIES = "certificate"


def to_counter(apps, schema_editor):
    Sequence = apps.get_model("learning_certificates", "Sequence")
    Counter = apps.get_model("learning_orgs", "Counter")
    for row in Sequence.objects.all():
        counter, _created = Counter.objects.get_or_create(
            unit_id=row.unit_id, scope=SERIES, year=row.year
        )
        if counter.last < row.last:
            counter.last = row.last
            counter.save(update_fields=["last"])


def from_counter(apps, schema_editor):
    Sequence = apps.get_model("learning_certificates", "Sequence")
    Counter = apps.get_model("learning_orgs", "Counter")
    for counter in Counter.objects.filter(scope=SERIES):
        Sequence.objects.update_or_create(
            unit_id=counter.unit_id, year=counter.year, defaults={"last": counter.last}
        )


class Migration(migrations.Migration):

    dependencies = [
        ("learning_certificates", "0001_initial"),
        ("learning_orgs", "0002_number_shared_counter"),
    ]

    operations = [
        migrations.RunPython(to_counter, from_counter, elidable=True),
        migrations.DeleteModel(name="Sequence"),
    ]
