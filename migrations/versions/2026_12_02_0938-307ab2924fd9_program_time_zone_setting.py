"""Program time zone: sessions are entered and shown in it (default America/New_York)

Revision ID: 307ab2924fd9
Revises: 2a66faf1f9cd
Create Date: 2026-12-02 09:45:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "307ab2924fd9"
down_revision: str | None = "2a66faf1f9cd"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("program_settings") as batch:
        batch.add_column(
            sa.Column(
                "time_zone",
                sa.String(length=64),
                nullable=False,
                server_default="America/New_York",
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("program_settings") as batch:
        batch.drop_column("time_zone")
