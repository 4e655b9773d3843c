"""``manage.py learning_seed``: the ready site's data sets for benchmarks and load tests.

Not part of the dj_learning package (it writes every app's tables in bulk, and
a site in production has no use for it): one seeder per app, run in order
from the registry in ``seeder.py``.
"""
