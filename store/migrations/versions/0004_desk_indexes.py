"""Indexes for the desk at 100,000 complaints: its order (urgency, due date, arrival, id), so that a page's ids
are read from the index alone at any offset, and what the statistics read, so that they do not scan the texts.

Revision ID: 0004_desk_indexes
Revises: 0003_complaints
"""

from __future__ import annotations

from alembic import op

revision = "0004_desk_indexes"
down_revision = "0003_complaints"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_complaints_order", "complaints", ["urgency_rank", "due_at", "received_at", "id"])
    op.create_index("ix_complaints_stats", "complaints", ["tanggal", "received_at", "status", "top_opd", "decided_opd"])


def downgrade() -> None:
    op.drop_index("ix_complaints_stats", table_name="complaints")
    op.drop_index("ix_complaints_order", table_name="complaints")
