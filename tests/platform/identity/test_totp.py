"""The code arithmetic: RFC 6238 test vector, one step of drift either way, never a step
that is not newer than the last accepted one; recovery codes and their hashes."""

from __future__ import annotations

import base64

import pyotp
import segno

from saypro.platform.identity import totp

# RFC 6238 appendix B: the SHA-1 seed is the ASCII "12345678901234567890".
RFC_SEED = base64.b32encode(b"12345678901234567890").decode()


def test_the_rfc_6238_test_vector() -> None:
    # At T = 59 s the 8-digit code is 94287082; six digits are its last six.
    assert totp.matching_step(RFC_SEED, "287082", None, at=59) == 1
    assert totp.matching_step(RFC_SEED, "287082", None, at=1111111109) is None


def test_one_step_of_drift_either_way_and_no_more() -> None:
    seed = totp.new_seed()
    at = 1_800_000_015.0
    step = totp.current_step(at)
    code = _code(seed, step)
    assert totp.matching_step(seed, code, None, at=at) == step
    assert totp.matching_step(seed, code, None, at=at - 30) == step  # the phone runs late
    assert totp.matching_step(seed, code, None, at=at + 30) == step  # the phone runs early
    assert totp.matching_step(seed, code, None, at=at + 60) is None
    assert totp.matching_step(seed, code, None, at=at - 60) is None


def test_a_step_already_accepted_or_older_is_refused() -> None:
    seed = totp.new_seed()
    at = 1_800_000_015.0
    step = totp.current_step(at)
    assert totp.matching_step(seed, _code(seed, step), step, at=at) is None
    assert totp.matching_step(seed, _code(seed, step - 1), step - 1, at=at) is None
    assert totp.matching_step(seed, _code(seed, step + 1), step, at=at) == step + 1


def test_malformed_codes_are_refused() -> None:
    seed = totp.new_seed()
    for code in ("", "12345", "1234567", "abcdef", "12 34 5x"):
        assert totp.matching_step(seed, code, None) is None
    code = _code(seed, totp.current_step())
    assert totp.matching_step(seed, f" {code[:3]} {code[3:]} ", None) is not None


def test_recovery_codes_are_random_and_hashed_without_formatting() -> None:
    codes = totp.new_recovery_codes()
    assert len(codes) == len(set(codes)) == totp.RECOVERY_CODE_COUNT
    assert all(len(code) == 11 and code[5] == "-" for code in codes)
    digest = totp.hash_recovery_code(codes[0])
    assert digest == totp.hash_recovery_code(codes[0].upper().replace("-", " "))
    assert codes[0] not in digest and len(digest) == 64


def test_the_qr_code_carries_the_provisioning_uri() -> None:
    seed = totp.new_seed()
    uri = totp.provisioning_uri(seed, "thandi@example.gov.za")
    assert uri.startswith("otpauth://totp/")
    assert f"secret={seed}" in uri and "issuer=SayPro" in uri
    data_uri = totp.qr_data_uri(uri)
    assert data_uri.startswith("data:image/svg+xml")
    assert "%3Cpath" in data_uri or "<path" in data_uri
    # A QR code of this version holds the whole URI at the chosen error correction level.
    assert segno.make(uri, error="m").designator.endswith("M")


def _code(seed: str, step: int) -> str:
    return pyotp.TOTP(seed).generate_otp(step)
