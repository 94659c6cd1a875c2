"""The unit of a decision: the specific unit (kelurahan, kecamatan, a pooled OPD) of the OPD an admin decided,
when known, so that ``disposisi retrain --unit-column`` learns it from the decisions too. Nullable: older
decisions and decisions without a unit stay unknown.

Revision ID: 0007_feedback_unit
Revises: 0006_duplicates
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_feedback_unit"
down_revision = "0006_duplicates"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("feedback") as batch:
        batch.add_column(sa.Column("unit", sa.String(200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("feedback") as batch:
        batch.drop_column("unit")
