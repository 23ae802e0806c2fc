"""Encryption for the few secrets the platform must read back (an identity provider's
client secret, a TOTP seed). Passwords and tokens are never stored this way: only their
hashes are kept.

The key is derived from ``SECRET_KEY`` with HKDF, one derived key per purpose, so a value
encrypted for one purpose cannot be decrypted as another. Fernet authenticates what it
decrypts: a tampered or foreign value raises :class:`SecretUnreadable`.
"""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


class SecretUnreadable(ValueError):
    """The value was not encrypted with this key for this purpose, or was altered."""


class SecretBox:
    def __init__(self, secret_key: str, purpose: str) -> None:
        derived = HKDF(
            algorithm=hashes.SHA256(),
            length=32,
            salt=None,
            info=f"saypro:{purpose}".encode(),
        ).derive(secret_key.encode())
        self._fernet = Fernet(base64.urlsafe_b64encode(derived))

    def encrypt(self, plaintext: str) -> str:
        return self._fernet.encrypt(plaintext.encode()).decode("ascii")

    def decrypt(self, ciphertext: str) -> str:
        try:
            return self._fernet.decrypt(ciphertext.encode("ascii")).decode()
        except (InvalidToken, ValueError) as error:
            raise SecretUnreadable("the stored secret cannot be read with this key") from error
