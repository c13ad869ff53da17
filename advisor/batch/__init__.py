"""Batch scoring: many profiles in, one output, in input order, with bounded memory.

``run.run_batch`` is the loop ``advisor batch`` and ``advisor.score_many`` share; ``scorer``
scores one record through the caches: ``cells`` validates a row cell by cell, ``verdicts``
runs the rules slice by slice, ``assembly`` builds the recommendation's JSON from cached
pieces. ``writers`` are the output formats (``compact``: the lines of ``--detail ids``);
``workers`` shares blocks with forked processes; ``summary`` and ``progress`` are what the
command shows on standard error.
"""
