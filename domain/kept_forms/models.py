"""A form posted after its session ended, kept for its person until they sign in again."""

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from domain.columns import timestamp_column, utcnow

MAX_ADDRESS_LENGTH = 200


class KeptForm(SQLModel, table=True):
    """One per person and form address: a newer post replaces the older (the unique
    constraint decides, see `domain.kept_forms.service.keep_form`). Bound to the user, not to
    the ended session, so purging sessions leaves it."""

    __tablename__ = "kept_form"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(
        sa_column=sa.Column(sa.ForeignKey("app_user.id", ondelete="CASCADE"), nullable=False)
    )
    address: str = Field(max_length=MAX_ADDRESS_LENGTH)
    # The submitted fields in their order, as [name, value] pairs (checkbox groups repeat a name).
    fields: list[list[str]] = Field(sa_column=sa.Column(sa.JSON(), nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column())
    expires_at: datetime = Field(sa_column=timestamp_column(index=True))

    __table_args__ = (sa.UniqueConstraint("user_id", "address", name="uq_kept_form_user_address"),)
