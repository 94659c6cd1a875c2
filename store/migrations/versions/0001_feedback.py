"""The feedback table: one admin decision a row (as disposisi 0.1 made it).

Revision ID: 0001_feedback
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001_feedback"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "feedback",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("complaint_id", sa.String(200), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("opd", sa.String(200), nullable=False),
        sa.Column("urgency", sa.String(16), nullable=True),
        sa.Column("suggested_opd", sa.String(200), nullable=True),
        sa.Column("accepted", sa.Boolean(), nullable=True),
        sa.Column("model_version", sa.String(64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_feedback_complaint_id", "feedback", ["complaint_id"])


def downgrade() -> None:
    op.drop_index("ix_feedback_complaint_id", table_name="feedback")
    op.drop_table("feedback")
