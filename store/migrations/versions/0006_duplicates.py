"""Duplicate and related complaints: the earlier complaint each one repeats (``duplicate_of``, score, kind) and a
table of MinHash band keys per complaint, in which the complaints a new one may repeat are looked up.

Revision ID: 0006_duplicates
Revises: 0005_desk_order_index
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_duplicates"
down_revision = "0005_desk_order_index"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("complaints") as batch:
        batch.add_column(sa.Column("duplicate_of", sa.String(200), nullable=True))
        batch.add_column(sa.Column("duplicate_score", sa.Float(), nullable=True))
        batch.add_column(sa.Column("duplicate_kind", sa.String(16), nullable=True))
    op.create_index("ix_complaints_duplicate_of", "complaints", ["duplicate_of"])
    op.create_table(
        "complaint_bands",
        sa.Column("band_key", sa.BigInteger(), nullable=False),
        sa.Column("complaint_id", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("band_key", "complaint_id"),
    )


# Plain ALTER TABLE ... DROP COLUMN (SQLite 3.35 and later), not batch mode: a batch rebuild of the complaints
# table would lose SQLite's expression index ix_complaints_desk_order (0005), which reflection cannot read.
def downgrade() -> None:
    op.drop_table("complaint_bands")
    op.drop_index("ix_complaints_duplicate_of", table_name="complaints")
    for column in ("duplicate_kind", "duplicate_score", "duplicate_of"):
        op.drop_column("complaints", column)
