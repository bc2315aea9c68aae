"""Server group bodies per microversion (2.13 owner ids, 2.64 ``policy`` and ``rules``)."""

from __future__ import annotations

from collections.abc import Container
from typing import Any

from novalite.api.wsgi import Call
from novalite.domain.server_group import ServerGroup


def server_group(call: Call, group: ServerGroup, live: Container[str]) -> dict[str, Any]:
    """One group as nova shows it: ``id`` is the uuid, members the ``live`` instances' uuids.

    Before 2.64 the policy is a one-item ``policies`` list next to an always empty
    ``metadata``; from 2.64 it is ``policy`` with its ``rules``.
    """
    body: dict[str, Any] = {"id": group.uuid, "name": group.name}
    if call.version >= (2, 64):
        body["policy"] = group.policy
        body["rules"] = dict(group.rules)
    else:
        body["policies"] = [group.policy] if group.policy else []
        body["metadata"] = {}
    body["members"] = [uuid for uuid in group.members if uuid in live]
    if call.version >= (2, 13):
        body["project_id"] = group.project_id
        body["user_id"] = group.user_id
    return body
