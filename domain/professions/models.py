from datetime import datetime

from pydantic import ConfigDict, field_validator
from sqlmodel import Field, SQLModel

from domain.columns import timestamp_column, utcnow

CODE_PATTERN = r"^[a-z][a-z0-9_]{1,59}$"


class Profession(SQLModel, table=True):
    code: str = Field(primary_key=True, max_length=60)
    name: str = Field(max_length=120)
    active: bool = Field(default=True, index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column())


class ProfessionCreate(SQLModel):
    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]

    code: str = Field(
        schema_extra={"pattern": CODE_PATTERN}, description="lower_snake_case, unique"
    )
    name: str = Field(min_length=1, max_length=120)

    @field_validator("name")
    @classmethod
    def strip_name(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("the name cannot be blank")
        return value.strip()


class ProfessionUpdate(SQLModel):
    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]

    name: str | None = Field(default=None, min_length=1, max_length=120)
    active: bool | None = None


class ProfessionPublic(SQLModel):
    code: str
    name: str
    active: bool
