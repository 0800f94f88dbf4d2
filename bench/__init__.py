"""Benchmarks for issue 8: what tenancy, the API, the sweep and the AI pipeline cost as we grow.

Run with ``bench/run`` (or ``bench/run --smoke``); results go to ``bench/RESULTS.md``. Not part of
the test suite: it builds its own ``br_bench*`` database, fills it and drops it again.
"""
