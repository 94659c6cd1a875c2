"""Benchmarks run by hand on the dev machine; each writes its own section of BENCHMARKS.md.

Importable pieces (the reference systems, the report writer) live in modules here so that tests can
reach them; the scripts are run as ``python benchmarks/<name>.py``.
"""
