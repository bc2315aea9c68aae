"""The base of every configuration section and the ``opt()`` helper that declares an option.

A section is a frozen pydantic model whose fields are its options::

    class ConductorSection(Section):
        \"\"\"Conductor service.\"\"\"

        workers: int | None = opt(None, "Number of conductor worker processes.", ge=1)
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import cache
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from novalite.conf.masking import masked_repr_value
from novalite.conf.schema import SAMPLE_KEY, accepts_none, option_info


def opt(
    default: Any,
    help: str,
    *,
    ge: float | None = None,
    le: float | None = None,
) -> Any:
    """Declare an option: its default, its help text and its inclusive bounds, if any."""
    return Field(default, description=help, ge=ge, le=le)


def dynamic_opt(factory: Callable[[], Any], help: str, *, sample: str) -> Any:
    """Declare an option whose default is computed at load time.

    ``sample`` stands for the default in the sample file (``"<hostname>"``).
    """
    return Field(default_factory=factory, description=help, json_schema_extra={SAMPLE_KEY: sample})


class OptionProblem(ValueError):
    """Raised by a section's cross-option check to say which option is wrong and why.

    ``involving`` lists the other options the check reads; the error names the
    file that set any of them when ``option`` itself kept its default.
    """

    def __init__(self, option: str, problem: str, *, involving: tuple[str, ...] = ()) -> None:
        super().__init__(problem)
        self.option = option
        self.problem = problem
        self.involving = involving


class Section(BaseModel):
    """One ``[section]`` of the configuration file.

    The class docstring describes the section in the sample file. An empty value
    (``option =``) sets an option that may be unset to ``None``.
    """

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        validate_default=True,
        allow_inf_nan=False,
        hide_input_in_errors=True,
    )

    @model_validator(mode="before")
    @classmethod
    def _blank_means_unset(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        nullable = _nullable_options(cls)
        return {
            name: None if name in nullable and _is_blank(value) else value
            for name, value in data.items()
        }

    def __repr_args__(self) -> Iterator[tuple[str | None, Any]]:
        for name, field in type(self).model_fields.items():
            yield name, masked_repr_value(getattr(self, name), option_info(name, field))


def _is_blank(value: object) -> bool:
    return isinstance(value, str) and not value.strip()


@cache
def _nullable_options(cls: type[Section]) -> frozenset[str]:
    return frozenset(
        name for name, field in cls.model_fields.items() if accepts_none(field.annotation)
    )
