"""The policy engine: rule language, overrides, deprecated rules, scope."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest

from novalite.api_common.policy import Enforcer, RuleDefault, credentials
from novalite.api_common.policy_language import PolicyParseError, parse_rule, tokenize
from novalite.context import RequestContext
from novalite.errors import PolicyNotAuthorized, PolicyNotRegistered

BASE = [
    RuleDefault("context_is_admin", "role:admin"),
    RuleDefault(
        "project_member_or_admin",
        "(role:member and project_id:%(project_id)s) or rule:context_is_admin",
    ),
    RuleDefault(
        "project_reader_or_admin",
        "(role:reader and project_id:%(project_id)s) or rule:context_is_admin",
    ),
]


def ctx(**kw: Any) -> RequestContext:
    kw.setdefault("user_id", "u1")
    kw.setdefault("project_id", "p1")
    return RequestContext(**kw)


def decide(check_str: str, target: dict[str, Any] | None = None, **kw: Any) -> bool:
    rule = parse_rule(check_str)
    rules = {"yes": parse_rule("@"), "no": parse_rule("!")}
    return rule(target or {}, credentials(ctx(**kw)), rules.get)


@pytest.mark.parametrize(
    ("check_str", "expected"),
    [
        ("@", True),
        ("!", False),
        ("", True),
        ("role:member", True),
        ("role:MEMBER", True),
        ("role:admin", False),
        ("rule:yes", True),
        ("rule:no", False),
        ("rule:missing", False),
        ("not role:admin", True),
        ("not not role:admin", False),
        ("role:admin or role:member", True),
        ("role:admin and role:member", False),
        # "and" binds tighter than "or".
        ("role:member or role:admin and !", True),
        ("(role:member or role:admin) and !", False),
        ("! and role:member or @", True),
        ("not role:admin and role:member", True),
        ("not (role:admin or role:member)", False),
        ("((role:member))", True),
        ("role:member AND NOT role:admin", True),
        ("user_id:u1", True),
        ("user_id:u2", False),
        ("project_id:%(project_id)s", True),
        ("project_id:%(missing)s", False),
        ("user_id:%(target.user.id)s", True),
        ("user_id:%(owner.id)s", True),
        ("is_admin:True", False),
        ("system_scope:all", False),
        ("'p1':%(project_id)s", True),
        ("'p2':%(project_id)s", False),
        ("role:%(role)s", True),
        ("nonsense:x", False),
    ],
)
def test_grammar(check_str: str, expected: bool) -> None:
    target = {"project_id": "p1", "target.user.id": "u1", "owner": {"id": "u1"}, "role": "Member"}
    assert decide(check_str, target, roles=("member",)) is expected


def test_is_admin_and_system_scope() -> None:
    assert decide("is_admin:True", is_admin=True)
    assert decide("system_scope:all", system_scope="all")


def test_none_credential_never_matches() -> None:
    assert not decide("project_id:%(project_id)s", {"project_id": None}, project_id=None)


def test_list_credentials_match_any_element() -> None:
    rule = parse_rule("groups.id:g2")
    creds = {"groups": [{"id": "g1"}, {"id": "g2"}]}
    assert rule({}, creds, lambda _: None)


@pytest.mark.parametrize(
    "bad", ["(role:a", "role:a)", "role:a and", "or role:a", "noColon", "http:x"]
)
def test_parse_errors(bad: str) -> None:
    with pytest.raises(PolicyParseError):
        parse_rule(bad)


def test_tokenize_keeps_substitutions() -> None:
    assert tokenize("(project_id:%(project_id)s)") == ["(", "project_id:%(project_id)s", ")"]


def test_rule_loop_denies() -> None:
    enforcer = Enforcer([RuleDefault("a", "rule:b"), RuleDefault("b", "rule:a")])
    assert not enforcer.check("a", {}, ctx())


def test_authorize_raises_403() -> None:
    enforcer = Enforcer([*BASE, RuleDefault("servers:delete", "rule:project_member_or_admin")])
    enforcer.authorize("servers:delete", {"project_id": "p1"}, ctx(roles=("member",)))
    with pytest.raises(PolicyNotAuthorized) as info:
        enforcer.authorize("servers:delete", {"project_id": "p2"}, ctx(roles=("member",)))
    assert info.value.http_status == 403
    assert info.value.code == "novalite.policy.not_authorized"
    assert info.value.message == "Policy doesn't allow servers:delete to be performed."
    enforcer.authorize("servers:delete", {"project_id": "p2"}, ctx(roles=("admin",)))


def test_not_registered() -> None:
    enforcer = Enforcer(BASE)
    with pytest.raises(PolicyNotRegistered):
        enforcer.check("nope", {}, ctx())


def test_duplicate_and_bad_defaults() -> None:
    with pytest.raises(ValueError, match="twice"):
        Enforcer([RuleDefault("a", "@"), RuleDefault("a", "!")])
    with pytest.raises(PolicyParseError):
        Enforcer([RuleDefault("a", "(role:x")])
    with pytest.raises(ValueError, match="scope"):
        RuleDefault("a", "@", scope_types=("tenant",))


@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_policy_file_overrides(
    tmp_path: Path, suffix: str, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / f"policy{suffix}"
    if suffix == ".json":
        path.write_text(
            '{"servers:show": "role:reader", "custom": "role:auditor", "broken": "(x:y"}'
        )
    else:
        path.write_text('"servers:show": "role:reader"\ncustom: "role:auditor"\nbroken: "(x:y"\n')
    defaults = [*BASE, RuleDefault("servers:show", "!"), RuleDefault("servers:list", "rule:custom")]
    with caplog.at_level(logging.WARNING):
        enforcer = Enforcer(defaults, policy_file=path)
    assert "custom" in caplog.text
    assert enforcer.check("servers:show", {}, ctx(roles=("reader",)))
    assert enforcer.check("servers:list", {}, ctx(roles=("auditor",)))
    assert not enforcer.check("servers:list", {}, ctx(roles=("reader",)))
    assert enforcer.rule_string("servers:show") == "role:reader"
    # Reload picks up changes.
    path.write_text('{"servers:show": "!"}' if suffix == ".json" else "servers:show: '!'\n")
    enforcer.load_rules()
    assert not enforcer.check("servers:show", {}, ctx(roles=("reader",)))


def test_missing_policy_file_uses_defaults(tmp_path: Path) -> None:
    enforcer = Enforcer([RuleDefault("a", "@")], policy_file=tmp_path / "none.yaml")
    assert enforcer.check("a", {}, ctx())


def test_deprecated_rules() -> None:
    default = RuleDefault("servers:show", "role:reader", deprecated_check_str="role:legacy")
    new = Enforcer([default])
    old = Enforcer([default], enforce_new_defaults=False)
    legacy = ctx(roles=("legacy",))
    reader = ctx(roles=("reader",))
    assert not new.check("servers:show", {}, legacy)
    assert old.check("servers:show", {}, legacy)
    assert old.check("servers:show", {}, reader)


def test_deprecated_ignored_when_overridden(tmp_path: Path) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text("servers:show: role:custom\n")
    default = RuleDefault("servers:show", "role:reader", deprecated_check_str="role:legacy")
    old = Enforcer([default], policy_file=path, enforce_new_defaults=False)
    assert not old.check("servers:show", {}, ctx(roles=("legacy",)))
    assert old.check("servers:show", {}, ctx(roles=("custom",)))


def test_scope_types() -> None:
    rules = [
        RuleDefault("p", "@", scope_types=("project",)),
        RuleDefault("s", "@", scope_types=("system",)),
    ]
    strict = Enforcer(rules)
    lax = Enforcer(rules, enforce_scope=False)
    project = ctx()
    system = ctx(project_id=None, system_scope="all")
    domain = ctx(project_id=None, domain_id="d1")
    assert strict.check("p", {}, project)
    assert not strict.check("p", {}, system)
    assert not strict.check("p", {}, domain)
    assert strict.check("s", {}, system)
    assert not strict.check("s", {}, project)
    with pytest.raises(PolicyNotAuthorized):
        strict.authorize("s", {}, project)
    assert lax.check("s", {}, project)
    # A service's own unscoped admin context is not refused for its scope.
    assert strict.check("p", {}, RequestContext.admin())
    assert not strict.check("p", {}, RequestContext(user_id="u"))
