from __future__ import annotations

import pytest

from saypro.platform.crypto import SecretBox, SecretUnreadable

KEY = "k" * 40


def test_a_secret_reads_back_with_the_same_key_and_purpose() -> None:
    box = SecretBox(KEY, "sso-client-secret")
    sealed = box.encrypt("s3cr3t")
    assert sealed != "s3cr3t"
    assert SecretBox(KEY, "sso-client-secret").decrypt(sealed) == "s3cr3t"


@pytest.mark.parametrize(
    ("key", "purpose"), [("other" * 8, "sso-client-secret"), (KEY, "totp-seed")]
)
def test_another_key_or_purpose_cannot_read_it(key: str, purpose: str) -> None:
    sealed = SecretBox(KEY, "sso-client-secret").encrypt("s3cr3t")
    with pytest.raises(SecretUnreadable):
        SecretBox(key, purpose).decrypt(sealed)


def test_an_altered_value_is_refused() -> None:
    sealed = SecretBox(KEY, "p").encrypt("s3cr3t")
    tampered = sealed[:-4] + ("AAAA" if not sealed.endswith("AAAA") else "BBBB")
    with pytest.raises(SecretUnreadable):
        SecretBox(KEY, "p").decrypt(tampered)
