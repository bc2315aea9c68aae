"""``$name`` / ``${name}`` / ``${section.name}`` references in values, as oslo.config has them.

``$$`` is a literal ``$``. Any other ``$`` is an error, so that a ``$`` meant
literally (in a password, say) is noticed rather than silently lost.
"""

from __future__ import annotations

import re
from collections.abc import Callable

_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
_REFERENCE = re.compile(
    rf"\$(?:(?P<escaped>\$)|(?P<named>{_NAME})|\{{(?P<braced>{_NAME}(?:\.{_NAME})?)\}}|(?P<bad>))"
)


class SubstitutionError(ValueError):
    """A value holds a ``$`` that is neither ``$$`` nor a well-formed reference."""


def substitute(text: str, lookup: Callable[[str], str]) -> str:
    """Replace every reference in ``text`` by ``lookup(name)``; ``$$`` becomes ``$``."""

    def replace(match: re.Match[str]) -> str:
        if match["escaped"]:
            return "$"
        name = match["named"] or match["braced"]
        if name is None:
            raise SubstitutionError(
                f"has a '$' at position {match.start()} that starts no $name or ${{name}} "
                "reference (write $$ for a literal $)"
            )
        return lookup(name)

    return _REFERENCE.sub(replace, text)
