"""The MLflow model registry, as a source of verified model directories.

A small leaf shared by ``training/`` (which logs and compares versions) and ``serving/`` (which serves one):
both import it, it imports only :mod:`models` and MLflow, so neither room imports the other. A registered
version holds the very ``model.joblib`` + ``model.json`` of a model directory, logged as an MLflow pyfunc model
whose loader is :func:`models.artifact.load_model`; loading a version downloads those two files and verifies them
like any model directory (checksum, artifact format, library versions, typed metadata), then checks the
checksum against the one the registry recorded for the version. Nothing is unpickled before that.
"""
