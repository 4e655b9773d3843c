from django.db import migrations, models


def fill_lesson_minimums(apps, schema_editor):
    """Copy each module's lesson ids and minimum minutes from its lessons."""
    ModulePage = apps.get_model("learning_courses", "ModulePage")
    for module in ModulePage.objects.only("pk", "lessons").iterator(chunk_size=500):
        raw = module.lessons.raw_data if hasattr(module.lessons, "raw_data") else module.lessons
        minimums = [
            [item["id"], (item.get("value") or {}).get("min_minutes")]
            for item in raw or []
            if item["type"] == "lesson"
        ]
        ModulePage.objects.filter(pk=module.pk).update(lesson_minimums=minimums)


class Migration(migrations.Migration):
    dependencies = [
        ("learning_courses", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="modulepage",
            name="lesson_minimums",
            field=models.JSONField(default=None, editable=False, null=True),
        ),
        migrations.RunPython(fill_lesson_minimums, migrations.RunPython.noop),
    ]
