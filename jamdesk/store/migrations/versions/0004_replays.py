"""Where a session came from: imported from a replay file, or a solo run beside a replay.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the session's origin."""
    with op.batch_alter_table("sessions") as batch:
        batch.add_column(
            sa.Column("imported", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.add_column(sa.Column("replay_of", sa.Integer(), nullable=True))


def downgrade() -> None:
    """Remove it."""
    with op.batch_alter_table("sessions") as batch:
        batch.drop_column("replay_of")
        batch.drop_column("imported")
