"""Fair progress: the time zone a jam was held in, and when each credited block ended and
whether the log's times add up (issue 13).

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add ``sessions.time_zone`` ("" for jams recorded before: the current zone is used) and
    ``session_stats.block_ends`` (JSON list of ms) and ``session_stats.set_aside`` (why the
    log does not add up, "" when it does). The cached figures are recomputed on next start."""
    with op.batch_alter_table("sessions") as batch:
        batch.add_column(sa.Column("time_zone", sa.String(64), nullable=False, server_default=""))
    with op.batch_alter_table("session_stats") as batch:
        batch.add_column(sa.Column("block_ends", sa.Text(), nullable=False, server_default="[]"))
        batch.add_column(sa.Column("set_aside", sa.Text(), nullable=False, server_default=""))
    op.execute("DELETE FROM session_stats")  # derived figures: recomputed from the logs


def downgrade() -> None:
    """Remove them."""
    with op.batch_alter_table("session_stats") as batch:
        batch.drop_column("set_aside")
        batch.drop_column("block_ends")
    with op.batch_alter_table("sessions") as batch:
        batch.drop_column("time_zone")
