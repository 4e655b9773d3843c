"""Proofs of offline training and transcript batches move out of MEDIA_ROOT (served to
anyone) into the private storage, under random names; a view checks who asks."""

import secrets
from pathlib import PurePosixPath

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import migrations, models

import dj_learning.uploads

# (model, field, folder in the private storage)
FILES = [("OfflineTraining", "attachment", "training"), ("TranscriptBatch", "archive", "transcripts")]


def _move(rows, field, source, target, folder):
    for row in rows:
        name = getattr(row, field).name
        if not name or not source.exists(name):
            continue
        ext = PurePosixPath(name).suffix.lower()
        with source.open(name, "rb") as handle:
            new_name = target.save(
                f"{folder}/{secrets.token_urlsafe(12)}{ext}", ContentFile(handle.read())
            )
        type(row).objects.filter(pk=row.pk).update(**{field: new_name})
        source.delete(name)


def to_private(apps, schema_editor):
    private = dj_learning.uploads.private
    for model, field, folder in FILES:
        rows = apps.get_model("learning_credits", model).objects.exclude(**{field: ""})
        _move(rows, field, default_storage, private, folder)


def to_media(apps, schema_editor):
    private = dj_learning.uploads.private
    for model, field, folder in FILES:
        rows = apps.get_model("learning_credits", model).objects.exclude(**{field: ""})
        _move(rows, field, private, default_storage, f"learning/{folder}")


class Migration(migrations.Migration):
    dependencies = [
        ("learning_credits", "0001_initial"),
    ]

    operations = [
        migrations.AlterField(
            model_name="offlinetraining",
            name="attachment",
            field=models.FileField(
                blank=True,
                help_text="A scan or photo of the attendance sheet or certificate.",
                storage=dj_learning.uploads.private_storage,
                upload_to="training/%Y/",
                verbose_name="proof",
            ),
        ),
        migrations.AlterField(
            model_name="transcriptbatch",
            name="archive",
            field=models.FileField(
                blank=True,
                storage=dj_learning.uploads.private_storage,
                upload_to="transcripts/",
                verbose_name="ZIP file",
            ),
        ),
        migrations.RunPython(to_private, to_media),
    ]
