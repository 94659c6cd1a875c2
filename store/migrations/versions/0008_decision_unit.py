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


# Plain ALTER TABLE, not batch mode: batch mode reflects the complaints table, and SQLite's reflection skips the
# expression index ix_complaints_desk_order (0005), which a batch rebuild of the table would then lose.
def upgrade() -> None:
    op.add_column("complaints", sa.Column("decided_unit", sa.String(200), nullable=True))
    op.add_column("decisions", sa.Column("unit", sa.String(200), nullable=True))


def downgrade() -> None:
    op.drop_column("decisions", "unit")
    op.drop_column("complaints", "decided_unit")
