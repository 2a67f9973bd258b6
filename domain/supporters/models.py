from datetime import date, datetime

from pydantic import EmailStr, StrictBool, StrictInt, field_validator
from sqlmodel import Field, SQLModel

from domain.codes import SupporterStatus
from domain.columns import code_column, timestamp_column, utcnow
from domain.schemas import InputSchema
from domain.types import IsoDate, NonBlankText, RowId

MAX_MONTHLY_CAP = 60


class Supporter(SQLModel, table=True):
    """The peer-supporter profile of a user."""

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="app_user.id", sa_column_kwargs={"unique": True})
    profession_code: str = Field(foreign_key="profession.code", index=True, max_length=60)
    org_unit_id: int | None = Field(default=None, foreign_key="org_unit.id", index=True)
    status: SupporterStatus = Field(
        default=SupporterStatus.candidate, sa_column=code_column(SupporterStatus, index=True)
    )
    trained_on: date | None = Field(default=None, index=True)
    max_encounters_per_month: int
    available: bool = Field(default=True, index=True)
    needs_refresher: bool = Field(default=False, index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column())


class SupporterCreate(InputSchema):
    user_id: RowId
    profession_code: str = Field(max_length=60)
    org_unit_id: RowId | None = None
    status: SupporterStatus = SupporterStatus.candidate
    trained_on: IsoDate | None = None
    max_encounters_per_month: StrictInt | None = Field(default=None, ge=1, le=MAX_MONTHLY_CAP)


class SupporterUpdate(InputSchema):
    """Coordinators may change every field; a supporter only their own `available`."""

    profession_code: str | None = Field(default=None, max_length=60)
    org_unit_id: RowId | None = None
    status: SupporterStatus | None = None
    trained_on: IsoDate | None = None
    max_encounters_per_month: StrictInt | None = Field(default=None, ge=1, le=MAX_MONTHLY_CAP)
    available: StrictBool | None = None
    needs_refresher: StrictBool | None = None


class SupporterPublic(SQLModel):
    id: int
    user_id: int
    display_name: str
    profession_code: str
    org_unit_id: int | None
    status: SupporterStatus
    trained_on: date | None
    max_encounters_per_month: int
    available: bool
    needs_refresher: bool


class SupporterInvite(InputSchema):
    """A new supporter: their account (email, name) and their profile."""

    email: EmailStr
    display_name: NonBlankText = Field(min_length=1, max_length=200)
    profession_code: str = Field(min_length=1, max_length=60)
    org_unit_id: RowId | None = None
    trained_on: IsoDate | None = None

    @field_validator("email", mode="after")
    @classmethod
    def lower_email(cls, value: str) -> str:
        return value.strip().lower()
