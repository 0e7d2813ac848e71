"""Personal tasks, kept on this computer across sessions.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the personal task list."""
    op.create_table(
        "personal_tasks",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("done", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("created_at_ms", sa.Integer(), nullable=False),
        sa.Column("done_at_ms", sa.Integer(), nullable=True),
    )


def downgrade() -> None:
    """Drop it."""
    op.drop_table("personal_tasks")
