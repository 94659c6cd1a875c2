"""Alembic environment of the store: online migrations on the connection :mod:`store.migrate` passes, or on
``-x url=SQLALCHEMY_URL`` from the command line (``alembic -c /dev/null -x url=sqlite:///var/feedback.db ...``
with ``script_location = store:migrations``)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from store.schema import Base

config = context.config
target_metadata = Base.metadata


def _run(connection: object) -> None:
    context.configure(
        connection=connection,  # type: ignore[arg-type]
        target_metadata=target_metadata,
        render_as_batch=True,  # SQLite alters tables by copying them
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    url = context.get_x_argument(as_dictionary=True).get("url")
    if not url:
        raise SystemExit("give the database as -x url=SQLALCHEMY_URL")
    with create_engine(url).begin() as own:
        _run(own)
