"""Issuing and validating Fernet tokens against the current state of the database.

A token is valid while: a key decrypts it, it has not expired, no revocation
event matches it, its user (and the user's domain) exists and is enabled, its
project or domain exists and is enabled, the user still holds a role there and,
for application-credential tokens, the credential still exists and is unexpired.
"""

from __future__ import annotations

import dataclasses
import datetime
import os

from cryptography.fernet import MultiFernet
from sqlalchemy.ext.asyncio import AsyncSession

from novalite.builtin.identity import fernet_keys, revocation, roles, store, tokens
from novalite.builtin.identity import models as m
from novalite.builtin.identity.options import IdentityOptions
from novalite.builtin.identity.tokens import Scope, TokenPayload


class TokenInvalid(Exception):
    """A token is not (or no longer) valid; the reason is for logs, never for clients."""


@dataclasses.dataclass(slots=True)
class ValidatedToken:
    """A valid token's payload and the entities it refers to, as they are now."""

    token_id: str
    payload: TokenPayload
    user: m.User
    user_domain: m.Domain
    project: m.Project | None = None
    domain: m.Domain | None = None
    roles: list[m.Role] = dataclasses.field(default_factory=list)
    app_cred: m.ApplicationCredential | None = None

    @property
    def system(self) -> bool:
        """True for a system-scoped token."""
        return self.payload.scope == (roles.SYSTEM, roles.SYSTEM_ALL)


def utcnow() -> datetime.datetime:
    """The current time, timezone-aware in UTC."""
    return datetime.datetime.now(datetime.UTC)


class TokenProvider:
    """Issues tokens and validates them (keys reloaded when the repository changes)."""

    def __init__(self, options: IdentityOptions) -> None:
        self.options = options
        self._fernet: MultiFernet | None = None
        self._stamp: tuple[float, int] | None = None

    def _keys(self) -> MultiFernet:
        repo = self.options.key_repository
        stat = os.stat(repo)
        stamp = (stat.st_mtime, stat.st_ino)
        if self._fernet is None or stamp != self._stamp:
            self._fernet = fernet_keys.multi_fernet(repo)
            self._stamp = stamp
        return self._fernet

    def issue(
        self,
        user_id: str,
        methods: tuple[str, ...],
        scope: Scope,
        *,
        parent_audit_id: str | None = None,
        expires_at: datetime.datetime | None = None,
        app_cred_id: str | None = None,
    ) -> tuple[str, TokenPayload]:
        """A new token id and its payload."""
        now = utcnow()
        lifetime = now + datetime.timedelta(seconds=self.options.expiration)
        expiry = min(lifetime, expires_at) if expires_at else lifetime
        audit_ids: tuple[str, ...] = (tokens.new_audit_id(),)
        if parent_audit_id:
            audit_ids = (*audit_ids, parent_audit_id)
        payload = TokenPayload(
            user_id=user_id,
            methods=methods,
            scope=scope,
            issued_at=now,
            expires_at=expiry,
            audit_ids=audit_ids,
            app_cred_id=app_cred_id,
        )
        return tokens.encode(self._keys(), payload), payload

    async def validate(
        self, session: AsyncSession, token_id: str, *, allow_expired: bool = False
    ) -> ValidatedToken:
        """The validated token, or :class:`TokenInvalid`."""
        payload = tokens.decode(self._keys(), token_id)
        if payload is None:
            raise TokenInvalid("cannot decrypt")
        grace = self.options.allow_expired_window if allow_expired else 0
        if payload.is_expired(utcnow(), grace):
            raise TokenInvalid("expired")
        return await self.resolve(session, token_id, payload)

    async def resolve(
        self, session: AsyncSession, token_id: str, payload: TokenPayload
    ) -> ValidatedToken:
        """Check ``payload`` against the database and load what it refers to."""
        user = await store.find(session, m.User, payload.user_id)
        if user is None or not user.enabled:
            raise TokenInvalid("user gone or disabled")
        user_domain = await store.find(session, m.Domain, user.domain_id)
        if user_domain is None or not user_domain.enabled:
            raise TokenInvalid("user's domain gone or disabled")
        if await revocation.is_revoked(session, payload):
            raise TokenInvalid("revoked")
        result = ValidatedToken(token_id, payload, user, user_domain)
        if payload.scope is None:
            return result
        kind, target = payload.scope
        if kind == roles.PROJECT:
            project = await store.find(session, m.Project, target)
            if project is None or not project.enabled:
                raise TokenInvalid("project gone or disabled")
            result.project = project
            result.domain = await store.find(session, m.Domain, project.domain_id)
        elif kind == roles.DOMAIN:
            result.domain = await store.find(session, m.Domain, target)
        if result.domain is None and kind != roles.SYSTEM:
            raise TokenInvalid("domain gone")
        if result.domain is not None and not result.domain.enabled:
            raise TokenInvalid("domain disabled")
        result.roles = await roles.effective_roles(session, user.id, kind, target)
        if payload.app_cred_id:
            await self._restrict_to_app_cred(session, result, payload.app_cred_id)
        if not result.roles:
            raise TokenInvalid("no role on the scope any more")
        return result

    async def _restrict_to_app_cred(
        self, session: AsyncSession, result: ValidatedToken, app_cred_id: str
    ) -> None:
        cred = await store.find(session, m.ApplicationCredential, app_cred_id)
        if cred is None or cred.user_id != result.user.id:
            raise TokenInvalid("application credential gone")
        if cred.expires_at is not None and cred.expires_at <= utcnow():
            raise TokenInvalid("application credential expired")
        held = {role.id for role in result.roles}
        granted = [rid for rid in cred.role_ids.split(",") if rid in held]
        expanded = roles.expand(granted, await roles.implications(session))
        result.roles = await roles.roles_by_ids(session, expanded & held)
        result.app_cred = cred
