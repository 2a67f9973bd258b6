from datetime import datetime

from pydantic import StrictBool
from sqlmodel import Field, SQLModel

from domain.columns import timestamp_column, utcnow
from domain.schemas import InputSchema
from domain.types import NonBlankText

CODE_PATTERN = r"^[a-z][a-z0-9_]{1,59}$"


class Profession(SQLModel, table=True):
    code: str = Field(primary_key=True, max_length=60)
    name: str = Field(max_length=120)
    active: bool = Field(default=True, index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column())


class ProfessionCreate(InputSchema):
    code: str = Field(
        schema_extra={"pattern": CODE_PATTERN}, description="lower_snake_case, unique"
    )
    name: NonBlankText = Field(min_length=1, max_length=120)


class ProfessionUpdate(InputSchema):
    name: NonBlankText | None = Field(default=None, min_length=1, max_length=120)
    active: StrictBool | None = None


class ProfessionPublic(SQLModel):
    code: str
    name: str
    active: bool
