"""An index in the desk order (status, urgency, due date with none last, arrival), so that a page of the inbox is
read in order instead of sorting every complaint of that status.

Revision ID: 0004_desk_order_index
Revises: 0003_complaints
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_desk_order_index"
down_revision = "0003_complaints"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_complaints_desk_order",
        "complaints",
        ["status", "urgency_rank", sa.text("(due_at IS NULL)"), "due_at", "received_at"],
    )


def downgrade() -> None:
    op.drop_index("ix_complaints_desk_order", table_name="complaints")
