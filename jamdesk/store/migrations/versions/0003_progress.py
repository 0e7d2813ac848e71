"""Progress cache per session, and the profile's avatar colour.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the per-session progress cache and the avatar colour."""
    op.create_table(
        "session_stats",
        sa.Column(
            "session_id",
            sa.Integer(),
            sa.ForeignKey("sessions.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("exp", sa.Integer(), nullable=False),
        sa.Column("blocks", sa.Integer(), nullable=False),
        sa.Column("spans", sa.Text(), nullable=False),
        sa.Column("head_seq", sa.Integer(), nullable=False),
    )
    with op.batch_alter_table("profile") as batch:
        batch.add_column(
            sa.Column("avatar_color", sa.String(7), nullable=False, server_default="#4F5BD5")
        )


def downgrade() -> None:
    """Remove them."""
    with op.batch_alter_table("profile") as batch:
        batch.drop_column("avatar_color")
    op.drop_table("session_stats")
