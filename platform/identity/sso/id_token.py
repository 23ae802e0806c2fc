"""Verifying an ID token, kept apart from the HTTP flow so it can be checked on its own.

The token must be signed by one of the provider's published keys (asymmetric algorithms
only, so a token "signed" with the public key as an HMAC secret, or not signed at all, is
refused), issued by the configured issuer, for this client (audience and authorised
party), carry the nonce this browser's flow sent, and be current: not expired and not
issued in the future, within ``leeway`` seconds of ``now``.
"""

from __future__ import annotations

import time
from typing import Any

from authlib.oidc.core import CodeIDToken
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

SIGNING_ALGORITHMS = (
    "RS256",
    "RS384",
    "RS512",
    "PS256",
    "PS384",
    "PS512",
    "ES256",
    "ES384",
    "ES512",
    "EdDSA",
)
DEFAULT_LEEWAY_SECONDS = 60


class IdTokenRejected(Exception):
    """The ID token is not valid for this sign-in; the message says which check failed."""


def verify_id_token(
    id_token: str,
    *,
    jwks: dict[str, Any],
    issuer: str,
    client_id: str,
    nonce: str,
    now: int | None = None,
    leeway: int = DEFAULT_LEEWAY_SECONDS,
) -> dict[str, Any]:
    """The token's claims when every check passes; raises :class:`IdTokenRejected` otherwise."""
    try:
        keys = KeySet.import_key_set(jwks)  # type: ignore[arg-type]
        token = jwt.decode(id_token, keys, algorithms=list(SIGNING_ALGORITHMS))
    except (JoseError, ValueError) as error:
        raise IdTokenRejected(f"signature not verified: {error}") from error
    claims = CodeIDToken(
        token.claims,
        token.header,
        options={
            "iss": {"essential": True, "value": issuer},
            "aud": {"essential": True, "value": client_id},
            "sub": {"essential": True},
            "nonce": {"essential": True, "value": nonce},
        },
        params={"nonce": nonce, "client_id": client_id},
    )
    try:
        claims.validate(now=int(time.time()) if now is None else now, leeway=leeway)
    except JoseError as error:
        raise IdTokenRejected(f"claims not accepted: {error}") from error
    return dict(claims)
