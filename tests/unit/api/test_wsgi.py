"""Request plumbing: nova's validation messages, links, schema lookup, policy defaults."""

from __future__ import annotations

import pytest
from starlette.requests import Request

from novalite.api.policies import RULES
from novalite.api.schemas import handler_schema
from novalite.api.wsgi import check, join_url
from novalite.api_common.microversion import Version
from novalite.api_common.policy import Enforcer
from novalite.context import RequestContext
from novalite.errors import PolicyNotAuthorized, RequestInvalid


def _request(root_path: str) -> Request:
    return Request(
        {
            "type": "http",
            "method": "GET",
            "scheme": "http",
            "server": ("h", 80),
            "path": root_path + "/flavors",
            "root_path": root_path,
            "headers": [(b"host", b"h")],
            "query_string": b"",
        }
    )


@pytest.mark.parametrize("root", ["/v2.1", "/compute/v2.1"])
def test_links_follow_the_mount_point(root: str) -> None:
    outer = root[: -len("/v2.1")]
    request = _request(root)
    assert join_url(request, "flavors", "1") == f"http://h{outer}/v2.1/flavors/1"
    assert join_url(request, "flavors", "1", versioned=False) == f"http://h{outer}/flavors/1"


def test_nova_validation_messages() -> None:
    body_schema = handler_schema(
        "flavors", "FlavorsController.create", "request_body", Version(2, 1)
    )
    assert body_schema is not None
    with pytest.raises(RequestInvalid) as info:
        check({"flavor": {"name": "a", "ram": "x", "vcpus": 1, "disk": 1}}, body_schema)
    assert info.value.message == (
        "Invalid input for field/attribute ram. Value: x. 'x' does not match '^[0-9]+$'"
    )
    with pytest.raises(RequestInvalid) as info:
        check({}, body_schema)
    assert info.value.message == "'flavor' is a required property"
    query = handler_schema("keypairs", "KeypairController.index", "query", Version(2, 35))
    assert query is not None
    with pytest.raises(RequestInvalid) as info:
        check({"limit": ["x"]}, query, query=True)
    assert info.value.message.startswith("Invalid input for query parameters limit. Value: x.")


def test_schema_ranges() -> None:
    show = "FlavorsController.show"
    assert handler_schema("flavors", show, "response_body", Version(2, 54)) is not None
    assert (
        handler_schema("flavors", "FlavorsController.update", "request_body", Version(2, 54))
        is None
    )
    with pytest.raises(ValueError):
        handler_schema("flavors", show, "bogus", Version(2, 1))


def test_default_policies() -> None:
    enforcer = Enforcer(RULES)
    member = RequestContext(user_id="u", project_id="p", roles=("member", "reader"))
    admin = RequestContext(user_id="a", project_id="p", roles=("admin",), is_admin=True)
    with pytest.raises(PolicyNotAuthorized):
        enforcer.authorize("os_compute_api:os-flavor-manage:create", {}, member)
    enforcer.authorize("os_compute_api:os-flavor-manage:create", {}, admin)
    target = {"project_id": "p", "user_id": "u"}
    enforcer.authorize("os_compute_api:os-flavor-extra-specs:index", target, member)
    enforcer.authorize("os_compute_api:os-keypairs:show", {"user_id": "u"}, member)
    assert not enforcer.check("os_compute_api:os-keypairs:show", {"user_id": "x"}, member)
    assert enforcer.check("os_compute_api:os-keypairs:show", {"user_id": "x"}, admin)
