"""An index in the desk order (status, urgency, due date with none last, arrival), so that a page of the inbox is
read in order instead of sorting every complaint of that status.

Revision ID: 0005_desk_order_index
Revises: 0004_desk_indexes
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_desk_order_index"
down_revision = "0004_desk_indexes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_complaints_desk_order",
        "complaints",
        ["status", "urgency_rank", sa.text("(due_at IS NULL)"), "due_at", "received_at", "id"],
    )


def downgrade() -> None:
    op.drop_index("ix_complaints_desk_order", table_name="complaints")
