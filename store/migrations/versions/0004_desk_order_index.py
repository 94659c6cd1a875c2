"""An index in the desk's order (urgency, due date, arrival, id), so that a page's ids are read from it alone.

Revision ID: 0004_desk_order_index
Revises: 0003_complaints
"""

from __future__ import annotations

from alembic import op

revision = "0004_desk_order_index"
down_revision = "0003_complaints"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_complaints_order", "complaints", ["urgency_rank", "due_at", "received_at", "id"])


def downgrade() -> None:
    op.drop_index("ix_complaints_order", table_name="complaints")
