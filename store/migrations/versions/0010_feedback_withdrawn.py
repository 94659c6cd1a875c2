"""A feedback row withdrawn by an undo on the desk (``withdrawn_at``): the decision it recorded was taken back, so
it is no longer training data; the row stays for the record. Nullable: every row stored before is in force.

Revision ID: 0010_feedback_withdrawn
Revises: 0009_feedback_place
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_feedback_withdrawn"
down_revision = "0009_feedback_place"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("feedback", sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    op.drop_column("feedback", "withdrawn_at")
