"""Validate resolved values into sections; turn pydantic's errors into one-line messages."""

from __future__ import annotations

from collections.abc import Callable

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from novalite.conf.masking import shown_input
from novalite.conf.resolver import DEFAULT_SOURCE, RawConfig, Resolver, Schema
from novalite.conf.schema import OptionInfo, option_info
from novalite.conf.section import OptionProblem, Section
from novalite.conf.types import format_value
from novalite.errors import ConfigError

_PROBLEMS: dict[str, Callable[[OptionInfo, dict[str, object]], str]] = {
    "int_parsing": lambda info, ctx: "is not an integer",
    "int_from_float": lambda info, ctx: "is not an integer",
    "int_type": lambda info, ctx: "is not an integer",
    "float_parsing": lambda info, ctx: "is not a number",
    "float_type": lambda info, ctx: "is not a number",
    "finite_number": lambda info, ctx: "is not a finite number",
    "bool_parsing": lambda info, ctx: "is not a boolean (true/false, yes/no, on/off, 1/0)",
    "bool_type": lambda info, ctx: "is not a boolean (true/false, yes/no, on/off, 1/0)",
    "greater_than_equal": lambda info, ctx: f"is less than the minimum {format_value(ctx['ge'])}",
    "less_than_equal": lambda info, ctx: f"is greater than the maximum {format_value(ctx['le'])}",
    "literal_error": lambda info, ctx: f"is not one of {', '.join(info.choices)}",
    "string_type": lambda info, ctx: "is not a string",
    "tuple_type": lambda info, ctx: "is not a list",
    "value_error": lambda info, ctx: str(ctx["error"]),
}


def validate_sections(schema: Schema, raw: RawConfig) -> dict[str, Section]:
    """Build every section of ``schema`` from ``raw``; the first problem raises ConfigError."""
    resolver = Resolver(schema, raw)
    values = resolver.resolve_all()
    sections: dict[str, Section] = {}
    for name, section_type in schema.items():
        try:
            sections[name] = section_type.model_validate(values[name])
        except ValidationError as exc:
            raise ConfigError(_describe(exc.errors()[0], name, section_type, resolver)) from None
    return sections


def _describe(
    error: ErrorDetails, section: str, section_type: type[Section], resolver: Resolver
) -> str:
    ctx: dict[str, object] = dict(error.get("ctx") or {})
    cause = ctx.get("error")
    if isinstance(cause, OptionProblem):
        option, problem = cause.option, cause.problem
        sources = [resolver.source(section, name) for name in (option, *cause.involving)]
        source = next((s for s in sources if s != DEFAULT_SOURCE), DEFAULT_SOURCE)
    else:
        option = str(error["loc"][0]) if error["loc"] else "?"
        source = resolver.source(section, option)
        problem = _value_problem(error, ctx, option, section_type)
    return " ".join(f"{source}: [{section}] {option}: {problem}".splitlines())


def _value_problem(
    error: ErrorDetails, ctx: dict[str, object], option: str, section_type: type[Section]
) -> str:
    field = section_type.model_fields.get(option)
    if field is None:
        return "unknown option"
    info = option_info(option, field)
    explain = _PROBLEMS.get(error["type"])
    reason = explain(info, ctx) if explain else f"is not valid: {error['msg']}"
    return f"{shown_input(error['input'], info)} {reason}"
