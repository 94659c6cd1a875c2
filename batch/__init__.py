"""Backlogs: a file (or, on a Dask cluster, many files) of complaints in, the same rows with routing
suggestions out, plus a summary and an HTML report. Its own room beside ``serving``: it imports
``models`` and nothing of ``serving`` or ``training``.

Modules, by concept: :mod:`batch.options` (the one option bundle), :mod:`batch.files` (chunked
readers and writers), :mod:`batch.rows` (checking, routing and assembling one chunk), :mod:`batch.cluster`
(the Dask engine), :mod:`batch.summary` (counts, action lists, accuracy), :mod:`batch.report` (the page)
and :mod:`batch.run` (:func:`batch.run.classify_file`, a whole job).
"""
