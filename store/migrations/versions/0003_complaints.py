"""Complaints kept for the admin's desk, and the audit trail of decisions on them.

Revision ID: 0003_complaints
Revises: 0002_admin_sessions
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_complaints"
down_revision = "0002_admin_sessions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "complaints",
        sa.Column("id", sa.String(200), primary_key=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("tanggal", sa.DateTime(timezone=True), nullable=True),
        sa.Column("kecamatan", sa.String(200), nullable=True),
        sa.Column("kelurahan", sa.String(200), nullable=True),
        sa.Column("kanal", sa.String(200), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("suggestion", sa.Text(), nullable=False),
        sa.Column("top_opd", sa.String(200), nullable=True),
        sa.Column("top_score", sa.Float(), nullable=True),
        sa.Column("urgency", sa.String(16), nullable=True),
        sa.Column("urgency_rank", sa.Integer(), nullable=False),
        sa.Column("needs_review", sa.Boolean(), nullable=False),
        sa.Column("model_version", sa.String(64), nullable=True),
        sa.Column("decided_opd", sa.String(200), nullable=True),
        sa.Column("decided_urgency", sa.String(16), nullable=True),
        sa.Column("outside_authority", sa.String(200), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("decided_by", sa.String(200), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_complaints_top_opd", "complaints", ["top_opd"])
    op.create_index("ix_complaints_queue", "complaints", ["status", "urgency_rank", "due_at"])
    op.create_table(
        "decisions",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("complaint_id", sa.String(200), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("previous_status", sa.String(32), nullable=True),
        sa.Column("opd", sa.String(200), nullable=True),
        sa.Column("urgency", sa.String(16), nullable=True),
        sa.Column("outside_authority", sa.String(200), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("decided_by", sa.String(200), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_decisions_complaint_id", "decisions", ["complaint_id"])


def downgrade() -> None:
    op.drop_index("ix_decisions_complaint_id", table_name="decisions")
    op.drop_table("decisions")
    op.drop_index("ix_complaints_queue", table_name="complaints")
    op.drop_index("ix_complaints_top_opd", table_name="complaints")
    op.drop_table("complaints")
