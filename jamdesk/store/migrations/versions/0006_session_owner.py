"""The process that records a live session, so a killed one's rows are closed at once.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add ``sessions.owner`` (:mod:`jamdesk.store.owner`'s token; "" for older rows)."""
    with op.batch_alter_table("sessions") as batch:
        batch.add_column(sa.Column("owner", sa.String(64), nullable=False, server_default=""))


def downgrade() -> None:
    """Remove it."""
    with op.batch_alter_table("sessions") as batch:
        batch.drop_column("owner")
