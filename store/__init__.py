"""The store: the SQL database of complaints, decisions and admin sessions, and its schema migrations.

A small leaf shared by the rooms that need the database (``serving/`` for the API and the admin desk,
``training/`` for retraining on the admins' decisions); it imports only :mod:`models` and SQLAlchemy.
SQLite by default, PostgreSQL (or any SQLAlchemy URL) by setting; the schema is created and upgraded by
Alembic (:func:`store.migrate.upgrade`), so a database made by an older disposisi upgrades in place.
"""
