"""Keystone's default rules, evaluated by the shared policy engine."""

from __future__ import annotations

import pytest

from novalite.api_common.policy import Enforcer
from novalite.builtin.identity.policies import RULES
from novalite.context import RequestContext
from novalite.errors import PolicyNotAuthorized

ADMIN = RequestContext(user_id="a", project_id="pa", roles=("admin", "member", "reader"))
MEMBER = RequestContext(user_id="d", project_id="pd", roles=("member", "reader"))
SYSTEM_READER = RequestContext(user_id="r", system_scope="all", roles=("reader",))
SERVICE = RequestContext(user_id="n", project_id="ps", roles=("service",))


@pytest.fixture(scope="module")
def enforcer() -> Enforcer:
    return Enforcer(RULES)


def _t(**target: object) -> dict[str, object]:
    return {"target": target}


@pytest.mark.parametrize(
    ("ctx", "action", "target", "allowed"),
    [
        (ADMIN, "identity:create_project", {}, True),
        (ADMIN, "identity:delete_user", {"user": {"id": "x"}}, True),
        (MEMBER, "identity:create_project", {}, False),
        (MEMBER, "identity:list_users", {}, False),
        (MEMBER, "identity:get_project", {"project": {"id": "pd"}}, True),
        (MEMBER, "identity:get_project", {"project": {"id": "pa"}}, False),
        (MEMBER, "identity:get_user", {"user": {"id": "d"}}, True),
        (MEMBER, "identity:get_user", {"user": {"id": "a"}}, False),
        (SYSTEM_READER, "identity:list_users", {}, True),
        (SYSTEM_READER, "identity:create_user", {}, False),
        (MEMBER, "identity:list_regions", {}, True),
        (MEMBER, "identity:create_application_credential", {"user": {"id": "d"}}, True),
        (MEMBER, "identity:create_application_credential", {"user": {"id": "a"}}, False),
        (ADMIN, "identity:create_application_credential", {"user": {"id": "d"}}, False),
        (ADMIN, "identity:delete_application_credential", {"user": {"id": "d"}}, True),
        (MEMBER, "identity:validate_token", {"token": {"user_id": "d"}}, True),
        (MEMBER, "identity:validate_token", {"token": {"user_id": "a"}}, False),
        (SERVICE, "identity:validate_token", {"token": {"user_id": "a"}}, True),
        (SYSTEM_READER, "identity:revoke_token", {"token": {"user_id": "a"}}, False),
    ],
)
def test_rules(
    enforcer: Enforcer, ctx: RequestContext, action: str, target: dict[str, object], allowed: bool
) -> None:
    if allowed:
        enforcer.authorize(action, _t(**target), ctx)
    else:
        with pytest.raises(PolicyNotAuthorized):
            enforcer.authorize(action, _t(**target), ctx)


def test_unscoped_token_refused(enforcer: Enforcer) -> None:
    unscoped = RequestContext(user_id="d", roles=())
    with pytest.raises(PolicyNotAuthorized):
        enforcer.authorize("identity:validate_token", _t(token={"user_id": "d"}), unscoped)
