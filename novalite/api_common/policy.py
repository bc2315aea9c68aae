"""The policy engine: oslo.policy's semantics for deciding who may do what.

Services register their :class:`RuleDefault` list with an :class:`Enforcer`; an operator's
policy file (YAML or JSON, ``"rule name": "check string"``) overrides defaults by name. The
rule language is in :mod:`novalite.api_common.policy_language`.

Behaviour kept from oslo.policy:

* rules are parsed once (when the enforcer is built or the file is reloaded);
* names in the policy file that no default registers are logged and kept (other rules may
  refer to them with ``rule:``), never fatal; a rule that does not parse is logged and denies;
* with ``enforce_new_defaults=False`` a default carrying ``deprecated_check_str`` passes when
  either the new or the deprecated check string passes, unless the file overrides the rule;
* with ``enforce_scope=True`` a rule with ``scope_types`` refuses a token of another scope
  (system, domain or project) with the same 403 as a failed check; with ``enforce_scope=False``
  the mismatch is only logged.

A context with no scope at all that is marked ``is_admin`` (a service's own internal
context, :meth:`RequestContext.admin`) is not refused for its scope.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml

from novalite.api_common.policy_language import (
    Check,
    FalseCheck,
    OrCheck,
    PolicyParseError,
    parse_rule,
)
from novalite.context import RequestContext
from novalite.errors import ConfigError, PolicyNotAuthorized, PolicyNotRegistered

LOG = logging.getLogger(__name__)

__all__ = [
    "Enforcer",
    "PolicyNotAuthorized",
    "PolicyNotRegistered",
    "PolicyParseError",
    "RuleDefault",
    "credentials",
    "token_scope",
]

_SCOPES = ("system", "domain", "project")


@dataclasses.dataclass(frozen=True)
class RuleDefault:
    """A rule as the code registers it: its default check string and accepted scopes."""

    name: str
    check_str: str
    description: str = ""
    scope_types: tuple[str, ...] = ()
    deprecated_check_str: str | None = None

    def __post_init__(self) -> None:
        for scope in self.scope_types:
            if scope not in _SCOPES:
                raise ValueError(f"policy rule {self.name}: unknown scope type {scope!r}")


def credentials(ctx: RequestContext) -> dict[str, Any]:
    """What rules see: oslo.context's ``to_policy_values()`` plus nova's ``is_admin``."""
    return {
        "user_id": ctx.user_id,
        "user_name": ctx.user_name,
        "user_domain_id": ctx.user_domain_id,
        "project_id": ctx.project_id,
        "project_name": ctx.project_name,
        "project_domain_id": ctx.project_domain_id,
        "domain_id": ctx.domain_id,
        "system_scope": ctx.system_scope,
        "roles": list(ctx.roles),
        "is_admin": ctx.is_admin,
        "is_admin_project": True,
    }


def token_scope(ctx: RequestContext) -> str | None:
    """The scope of the caller's token: ``system``, ``domain``, ``project`` or None (unscoped)."""
    if ctx.system_scope:
        return "system"
    if ctx.domain_id:
        return "domain"
    if ctx.project_id:
        return "project"
    return None


def _read_policy_file(path: Path) -> dict[str, str]:
    """Read an oslo policy file (YAML, of which JSON is a subset)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(reason=f"cannot read policy file {path}: {exc.strerror}") from exc
    try:
        data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as exc:
        raise ConfigError(reason=f"policy file {path} is not valid YAML/JSON: {exc}") from exc
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(reason=f"policy file {path} must map rule names to check strings")
    rules: dict[str, str] = {}
    for name, value in data.items():
        if not isinstance(value, str):
            LOG.error("Policy file %s: rule %s is not a string; ignoring it", path, name)
            continue
        rules[str(name)] = value
    return rules


class Enforcer:
    """Decides policy rules for request contexts."""

    def __init__(
        self,
        defaults: Iterable[RuleDefault],
        *,
        policy_file: Path | None = None,
        enforce_scope: bool = True,
        enforce_new_defaults: bool = True,
    ) -> None:
        self._defaults: dict[str, RuleDefault] = {}
        for default in defaults:
            if default.name in self._defaults:
                raise ValueError(f"policy rule {default.name} is registered twice")
            self._defaults[default.name] = default
        self.policy_file = policy_file
        self.enforce_scope = enforce_scope
        self.enforce_new_defaults = enforce_new_defaults
        self._default_checks = {d.name: self._default_check(d) for d in self._defaults.values()}
        self._rules: dict[str, Check] = {}
        self._check_strs: dict[str, str] = {}
        self.load_rules()

    def _default_check(self, default: RuleDefault) -> Check:
        # Defaults are code: a bad one is a bug, so it raises PolicyParseError here.
        check = parse_rule(default.check_str)
        if default.deprecated_check_str is not None and not self.enforce_new_defaults:
            check = OrCheck((check, parse_rule(default.deprecated_check_str)))
        return check

    def load_rules(self) -> None:
        """(Re)build the effective rules from the defaults and the policy file, if any.

        Reads the file synchronously: call it at start-up (or from a worker thread).
        """
        rules = dict(self._default_checks)
        check_strs = {name: d.check_str for name, d in self._defaults.items()}
        if self.policy_file is not None and self.policy_file.exists():
            for name, check_str in _read_policy_file(self.policy_file).items():
                if name not in self._defaults:
                    LOG.warning("Policy file %s overrides unknown rule %s", self.policy_file, name)
                try:
                    rules[name] = parse_rule(check_str)
                except PolicyParseError as exc:
                    LOG.error(
                        "Policy file %s: rule %s does not parse (%s); it denies",
                        self.policy_file,
                        name,
                        exc,
                    )
                    rules[name] = FalseCheck()
                check_strs[name] = check_str
        elif self.policy_file is not None:
            LOG.info("Policy file %s does not exist; using the default rules", self.policy_file)
        self._rules = rules
        self._check_strs = check_strs

    @property
    def defaults(self) -> Mapping[str, RuleDefault]:
        """The registered defaults by name."""
        return self._defaults

    def rule_string(self, name: str) -> str | None:
        """The effective check string of a rule (file override or default), if any."""
        return self._check_strs.get(name)

    def _resolve(self, name: str) -> Check | None:
        return self._rules.get(name)

    def _scope_allowed(self, action: str, ctx: RequestContext) -> bool:
        default = self._defaults[action]
        if not default.scope_types:
            return True
        scope = token_scope(ctx)
        if scope in default.scope_types or (scope is None and ctx.is_admin):
            return True
        if self.enforce_scope:
            LOG.debug(
                "Policy %s refuses a %s-scoped token (allows %s)",
                action,
                scope,
                default.scope_types,
            )
            return False
        LOG.warning(
            "Policy %s was called with a %s-scoped token but allows only %s; "
            "this will be refused once [oslo_policy] enforce_scope is on",
            action,
            scope,
            ", ".join(default.scope_types),
        )
        return True

    def check(self, action: str, target: Mapping[str, Any], ctx: RequestContext) -> bool:
        """True if ``ctx`` may perform ``action`` on ``target``.

        Raises :class:`PolicyNotRegistered` when no default registers ``action``.
        """
        if action not in self._defaults:
            raise PolicyNotRegistered(action=action)
        if not self._scope_allowed(action, ctx):
            return False
        rule = self._rules[action]
        allowed = rule(target, credentials(ctx), self._resolve)
        if not allowed:
            LOG.debug(
                "Policy %s denied for user %s project %s", action, ctx.user_id, ctx.project_id
            )
        return allowed

    def authorize(self, action: str, target: Mapping[str, Any], ctx: RequestContext) -> None:
        """Raise :class:`PolicyNotAuthorized` (403) unless ``ctx`` may perform ``action``."""
        if not self.check(action, target, ctx):
            raise PolicyNotAuthorized(action=action)
