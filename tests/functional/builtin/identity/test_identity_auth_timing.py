"""A failed login takes as long whatever the reason, so timing does not reveal which."""

from __future__ import annotations

import statistics
import time

import httpx

from .harness import DEMO_PASSWORD, IdentityServer

ROUNDS = 7


async def _median_401(client: httpx.AsyncClient, identity: IdentityServer, body: object) -> float:
    times = []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        resp = await client.post(f"{identity.url}/v3/auth/tokens", json=body)
        times.append(time.perf_counter() - start)
        assert resp.status_code == 401, resp.text
        assert resp.json()["error"]["message"] == (
            "The request you have made requires authentication."
        )
    return statistics.median(times)


async def test_unknown_user_wrong_password_and_disabled_user_look_alike(
    identity: IdentityServer, client: httpx.AsyncClient
) -> None:
    admin = await identity.token(client)
    users = (
        await client.get(f"{identity.url}/v3/users?name=demo", headers={"X-Auth-Token": admin})
    ).json()["users"]
    demo_id = users[0]["id"]
    wrong_password = await _median_401(
        client, identity, identity.password_auth("demo", "not-the-password", "demo")
    )
    unknown_user = await _median_401(
        client, identity, identity.password_auth("nobody-at-all", "whatever", "demo")
    )
    resp = await client.patch(
        f"{identity.url}/v3/users/{demo_id}",
        headers={"X-Auth-Token": admin},
        json={"user": {"enabled": False}},
    )
    assert resp.status_code == 200, resp.text
    disabled_user = await _median_401(
        client, identity, identity.password_auth("demo", DEMO_PASSWORD, "demo")
    )
    medians = [wrong_password, unknown_user, disabled_user]
    # Every path verifies one argon2 hash; what is left is noise (SQL, scheduling).
    assert max(medians) < 2.0 * min(medians), medians
