"""Schema migrations with Alembic, run from code: :func:`upgrade` brings a database to the newest schema.

A database made before migrations existed (its tables made by ``create_all``, no ``alembic_version``
table) is recognised by its tables and stamped with the revision that matches them, then upgraded, so an
existing feedback database keeps its rows. The scripts live in the package (``store/migrations``) and
need no ``alembic.ini``; ``alembic`` on the command line works too with ``-x url=...`` (see env.py).
"""

from __future__ import annotations

import logging

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, inspect

__all__ = ["BASELINE", "HEAD", "alembic_config", "current_revision", "upgrade"]

logger = logging.getLogger(__name__)

BASELINE = "0001_feedback"  # the feedback table as disposisi 0.1 made it with create_all
HEAD = "head"


def alembic_config(connection: Connection | None = None) -> Config:
    """Alembic's configuration for this package's scripts, bound to ``connection`` when given."""
    config = Config()
    config.set_main_option("script_location", "store:migrations")
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine, revision: str = HEAD) -> str | None:
    """Upgrade the database of ``engine`` to ``revision`` (the newest by default); the revision it is at."""
    with engine.begin() as connection:
        config = alembic_config(connection)
        tables = set(inspect(connection).get_table_names())
        if "alembic_version" not in tables and "feedback" in tables:
            legacy = "0002_admin_sessions" if "admin_sessions" in tables else BASELINE
            logger.info("store made before migrations: stamping it %s, then upgrading", legacy)
            command.stamp(config, legacy)
        command.upgrade(config, revision)
        head = MigrationContext.configure(connection).get_current_revision()
    return head


def head_revision() -> str:
    """The newest revision of the scripts."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head
