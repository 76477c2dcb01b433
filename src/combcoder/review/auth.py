"""Logins, sessions and CSRF tokens for the review app.

A session is a random 256-bit token in an HttpOnly, SameSite=Strict cookie; the store keeps only
its SHA-256, so a copy of the database cannot be used to log in. Every state-changing request
must carry the session's CSRF token (header ``X-CSRF-Token`` or form field ``csrf_token``), and
the login form its own double-submit token. Repeated failed logins for one name or one client
address are slowed down with HTTP 429.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from datetime import datetime, timedelta, timezone

from sqlalchemy import delete, select

from ..store.accounts import CoderInfo
from ..store.db import Store
from ..store.models import Coder, LoginSession

SESSION_COOKIE = "cc_session"
LOGIN_CSRF_COOKIE = "cc_login_csrf"
CSRF_HEADER = "x-csrf-token"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(32)


def tokens_match(a: str | None, b: str | None) -> bool:
    return bool(a) and bool(b) and hmac.compare_digest(str(a), str(b))


def start_session(store: Store, coder: CoderInfo, hours: float) -> tuple[str, str]:
    """Create a session for ``coder``; return (cookie token, CSRF token)."""
    token, csrf = new_token(), new_token()
    now = datetime.now(timezone.utc)
    with store.writing() as session:
        session.execute(delete(LoginSession).where(LoginSession.expires_at < now))
        session.add(LoginSession(token_hash=_digest(token), coder_id=coder.id, csrf_token=csrf,
                                 created_at=now, expires_at=now + timedelta(hours=hours)))
    return token, csrf


def lookup_session(store: Store, token: str | None) -> tuple[CoderInfo, str] | None:
    """Return (coder, CSRF token) for a live session cookie, else None."""
    if not token or len(token) > 100:
        return None
    with store.reading() as session:
        row = session.execute(
            select(LoginSession.expires_at, LoginSession.csrf_token, Coder.id, Coder.name, Coder.role)
            .join(Coder, Coder.id == LoginSession.coder_id)
            .where(LoginSession.token_hash == _digest(token), Coder.active.is_(True))
        ).first()
    if row is None:
        return None
    expires = row.expires_at if row.expires_at.tzinfo else row.expires_at.replace(tzinfo=timezone.utc)
    if expires < datetime.now(timezone.utc):
        return None
    return CoderInfo(row.id, row.name, row.role), row.csrf_token


def end_session(store: Store, token: str | None) -> None:
    if token:
        with store.writing() as session:
            session.execute(delete(LoginSession).where(LoginSession.token_hash == _digest(token)))


class LoginThrottle:
    """Refuse logins for a name or address after ``limit`` failures within ``window`` seconds."""

    def __init__(self, limit: int = 10, window: float = 300.0) -> None:
        self.limit, self.window = limit, window
        self._lock = threading.Lock()
        self._failures: dict[str, list[float]] = {}

    def _recent(self, key: str, now: float) -> list[float]:
        times = [t for t in self._failures.get(key, []) if now - t < self.window]
        self._failures[key] = times
        return times

    def blocked(self, *keys: str) -> bool:
        now = time.monotonic()
        with self._lock:
            return any(len(self._recent(k, now)) >= self.limit for k in keys)

    def failed(self, *keys: str) -> None:
        now = time.monotonic()
        with self._lock:
            for k in keys:
                self._recent(k, now).append(now)

    def succeeded(self, *keys: str) -> None:
        with self._lock:
            for k in keys:
                self._failures.pop(k, None)
