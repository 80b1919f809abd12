"""Validation errors read as sentences: the field, and what is wrong, without pydantic's wording."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, ConfigDict, Field, field_validator

from casework_common.problems import Problem
from casework_common.web import validate


class Query(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True)
    q: str = Field(min_length=1)
    on: str = "2026-03-03"

    @field_validator("on")
    @classmethod
    def _year(cls, value: str) -> str:
        if value.count(" ") == 1:
            raise ValueError("Give the year too, such as 3 March 2026.")
        return value


def messages(data: dict[str, str]) -> dict[str, str]:
    with pytest.raises(Problem) as caught:
        validate(Query, data)
    return {e["field"]: e["message"] for e in caught.value.extra["errors"]}


def test_our_own_sentence_comes_without_pydantics_prefix() -> None:
    assert messages({"q": "hearing", "on": "3 March"}) == {"on": "Give the year too, such as 3 March 2026."}


def test_a_blank_value_is_said_to_be_empty() -> None:
    assert messages({"q": "   "}) == {"q": "This cannot be empty."}
