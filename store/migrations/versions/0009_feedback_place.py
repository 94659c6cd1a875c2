"""The place of a decision's complaint (``kecamatan``, ``kelurahan``, as the citizen gave them, masked), kept with
the feedback row so that ``disposisi retrain`` can teach the unit resolver the place-to-unit link from the
admins' decisions. Nullable: older decisions, and complaints without a place, stay without one.

Revision ID: 0009_feedback_place
Revises: 0008_decision_unit
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_feedback_place"
down_revision = "0008_decision_unit"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("feedback") as batch:
        batch.add_column(sa.Column("kecamatan", sa.String(200), nullable=True))
        batch.add_column(sa.Column("kelurahan", sa.String(200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("feedback") as batch:
        batch.drop_column("kelurahan")
        batch.drop_column("kecamatan")
