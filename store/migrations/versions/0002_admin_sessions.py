"""Open /admin sessions, held on the server so that a logout ends them for every worker.

Revision ID: 0002_admin_sessions
Revises: 0001_feedback
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_admin_sessions"
down_revision = "0001_feedback"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "admin_sessions",
        sa.Column("id_hash", sa.String(64), primary_key=True),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("expires_at", sa.BigInteger(), nullable=False),
    )
    op.create_index("ix_admin_sessions_expires_at", "admin_sessions", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_admin_sessions_expires_at", table_name="admin_sessions")
    op.drop_table("admin_sessions")
