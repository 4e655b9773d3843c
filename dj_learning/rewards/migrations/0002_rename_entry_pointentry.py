# The points ledger's model is named for what it is (issue 15): the table is
# renamed in place, with its rows, indexes and constraints.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("learning_rewards", "0001_initial"),
    ]

    operations = [
        migrations.RenameModel(old_name="Entry", new_name="PointEntry"),
    ]
