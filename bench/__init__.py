"""The benchmark harness of dj-learning: ``make bench`` runs ``bench/run.py``."""
