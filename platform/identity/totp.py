"""Time-based one-time passwords (RFC 6238) and recovery codes, without storage.

Codes are six digits over 30-second steps, SHA-1, as every authenticator app expects.
A code is accepted for the current step and one step either side (clocks drift); the
caller keeps the last accepted step so that no code is accepted twice.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

import pyotp
import segno

ISSUER = "SayPro Municipal Platform"
STEP_SECONDS = 30
DIGITS = 6
DRIFT_STEPS = 1
RECOVERY_CODE_COUNT = 10
# Lower-case letters and digits without look-alikes (0/o, 1/l/i): easy to copy from paper.
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
_RECOVERY_GROUP = 5


def new_seed() -> str:
    """A random 160-bit seed in base32 (the length RFC 4226 recommends)."""
    return pyotp.random_base32(length=32)


def _totp(seed: str) -> pyotp.TOTP:
    return pyotp.TOTP(seed, digits=DIGITS, interval=STEP_SECONDS)


def current_step(at: float | None = None) -> int:
    return int((time.time() if at is None else at) // STEP_SECONDS)


def provisioning_uri(seed: str, account: str) -> str:
    return _totp(seed).provisioning_uri(name=account, issuer_name=ISSUER)


def qr_data_uri(uri: str) -> str:
    """The ``otpauth://`` URI as an SVG QR code in a data URI (the content security
    policy allows ``data:`` images and no scripts)."""
    return str(segno.make(uri, error="m").svg_data_uri(scale=5, border=2, title="QR code"))


def looks_like_totp_code(code: str) -> bool:
    cleaned = normalise_totp_code(code)
    return len(cleaned) == DIGITS and cleaned.isdigit()


def normalise_totp_code(code: str) -> str:
    return "".join(code.split())


def matching_step(
    seed: str, code: str, after_step: int | None, at: float | None = None
) -> int | None:
    """The time step ``code`` belongs to (current ±1), if it is newer than ``after_step``;
    ``None`` when the code is wrong, or was already used (a replay)."""
    cleaned = normalise_totp_code(code)
    if not (len(cleaned) == DIGITS and cleaned.isdigit()):
        return None
    totp = _totp(seed)
    now_step = current_step(at)
    found: int | None = None
    # Check every candidate step (no early exit), so timing does not tell which matched.
    for step in range(now_step - DRIFT_STEPS, now_step + DRIFT_STEPS + 1):
        expected = totp.generate_otp(step)
        if hmac.compare_digest(expected, cleaned) and (after_step is None or step > after_step):
            found = step if found is None else max(found, step)
    return found


def new_recovery_codes(count: int = RECOVERY_CODE_COUNT) -> list[str]:
    """Codes like ``k7m2p-x9qrt``: 50 random bits each, shown once, stored as hashes."""

    def group() -> str:
        return "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(_RECOVERY_GROUP))

    return [f"{group()}-{group()}" for _ in range(count)]


def hash_recovery_code(code: str) -> str:
    """SHA-256 of the code without spaces, dashes or case. The codes are random and long,
    so a fast hash is enough; what is stored cannot be turned back into a code."""
    cleaned = "".join(ch for ch in code.lower() if ch.isalnum())
    return hashlib.sha256(cleaned.encode()).hexdigest()


def display_seed(seed: str) -> str:
    """The seed in groups of four, for typing it into an app by hand."""
    return " ".join(seed[i : i + 4] for i in range(0, len(seed), 4))
