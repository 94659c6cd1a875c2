"""The unit an admin decided on the desk: kept on the complaint (``decided_unit``, what the desk shows as decided)
and in each trail entry (``decisions.unit``, so that an undo restores it), beside the decided OPD. Nullable:
complaints decided before, and decisions without a known unit, stay unknown.

Revision ID: 0008_decision_unit
Revises: 0007_feedback_unit
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_decision_unit"
down_revision = "0007_feedback_unit"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("complaints") as batch:
        batch.add_column(sa.Column("decided_unit", sa.String(200), nullable=True))
    with op.batch_alter_table("decisions") as batch:
        batch.add_column(sa.Column("unit", sa.String(200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("decisions") as batch:
        batch.drop_column("unit")
    with op.batch_alter_table("complaints") as batch:
        batch.drop_column("decided_unit")
