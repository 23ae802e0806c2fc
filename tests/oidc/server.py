"""Running the test OpenID provider (tests/oidc/provider.mjs, Panva's oidc-provider) on
loopback, and acting as a person's browser on its pages."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import secrets
import selectors
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx

PROVIDER_SCRIPT = Path(__file__).with_name("provider.mjs")
REPO_ROOT = PROVIDER_SCRIPT.parent.parent.parent
START_TIMEOUT_S = 30.0
FORM_ACTION = re.compile(r'<form[^>]*action="([^"]+)"')


@dataclass(frozen=True)
class Client:
    client_id: str
    client_secret: str
    redirect_uri: str


@dataclass(frozen=True)
class Account:
    sub: str
    login: str
    password: str
    email: str


class OidcProvider:
    def __init__(self, process: subprocess.Popen[str], issuer: str) -> None:
        self.process = process
        self.issuer = issuer

    def discovery(self) -> dict[str, Any]:
        response = httpx.get(f"{self.issuer}/.well-known/openid-configuration", timeout=5)
        response.raise_for_status()
        document: dict[str, Any] = response.json()
        return document

    def jwks(self) -> dict[str, Any]:
        response = httpx.get(self.discovery()["jwks_uri"], timeout=5)
        response.raise_for_status()
        keys: dict[str, Any] = response.json()
        return keys

    def register_client(self, redirect_uri: str) -> Client:
        """A new client through the provider's dynamic client registration (RFC 7591)."""
        response = httpx.post(
            f"{self.issuer}/reg", json={"redirect_uris": [redirect_uri]}, timeout=5
        )
        assert response.status_code == 201, response.text
        body = response.json()
        return Client(body["client_id"], body["client_secret"], redirect_uri)

    def add_account(
        self,
        email: str,
        *,
        email_verified: bool = True,
        name: str = "Provider Person",
        sub: str | None = None,
        login: str | None = None,
    ) -> Account:
        """An account at the provider (or a changed one, when ``sub`` and ``login`` repeat)."""
        account = Account(
            sub=sub or f"sub-{secrets.token_hex(8)}",
            login=login or f"login-{secrets.token_hex(5)}",
            password=secrets.token_urlsafe(12),
            email=email,
        )
        payload = {
            "sub": account.sub,
            "login": account.login,
            "password": account.password,
            "email": email,
            "email_verified": email_verified,
            "name": name,
        }
        response = httpx.post(f"{self.issuer}/_test/accounts", json=payload, timeout=5)
        assert response.status_code == 204, response.text
        return account

    def sign_in(
        self, authorization_url: str, account: Account, *, password: str | None = None
    ) -> str:
        """Be the person's browser at the provider: open the authorization URL, fill in the
        provider's own sign-in form, and follow the provider's redirects. Returns the URL it
        finally sends the browser to (the relying party's redirect URI with the code)."""
        with httpx.Client(timeout=10, follow_redirects=False) as browser:
            response = browser.get(authorization_url)
            for _ in range(10):
                if response.is_redirect:
                    location = str(response.next_request.url) if response.next_request else ""
                    if not location.startswith(self.issuer):
                        return location
                    response = browser.get(location)
                    continue
                form = FORM_ACTION.search(response.text)
                assert response.status_code == 200 and form, response.text
                response = browser.post(
                    f"{self.issuer}{form.group(1)}",
                    data={"login": account.login, "password": password or account.password},
                )
                if response.status_code == 401:
                    raise AssertionError("the provider refused the credentials")
            raise AssertionError("the provider did not redirect back")

    def issue_id_token(self, client: Client, account: Account, *, nonce: str) -> str:
        """A real ID token for ``client``: the whole authorization-code flow with PKCE,
        done directly against the provider."""
        discovery = self.discovery()
        verifier = secrets.token_urlsafe(48)
        challenge = (
            base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
            .rstrip(b"=")
            .decode()
        )
        query = urlencode(
            {
                "response_type": "code",
                "client_id": client.client_id,
                "redirect_uri": client.redirect_uri,
                "scope": "openid email profile",
                "state": secrets.token_urlsafe(16),
                "nonce": nonce,
                "code_challenge": challenge,
                "code_challenge_method": "S256",
            }
        )
        back = self.sign_in(f"{discovery['authorization_endpoint']}?{query}", account)
        code = parse_qs(urlsplit(back).query)["code"][0]
        response = httpx.post(
            discovery["token_endpoint"],
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": client.redirect_uri,
                "code_verifier": verifier,
            },
            auth=(client.client_id, client.client_secret),
            timeout=10,
        )
        assert response.status_code == 200, response.text
        token: str = response.json()["id_token"]
        return token

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)


def start_provider(
    clients: list[dict[str, Any]] | None = None, accounts: list[dict[str, Any]] | None = None
) -> OidcProvider:
    """Start provider.mjs on a free loopback port; returns once its discovery answers."""
    node = shutil.which("node")
    assert node, "node is needed to run the test OpenID provider"
    env = {
        **os.environ,
        "OIDC_CLIENTS": json.dumps(clients or []),
        "OIDC_ACCOUNTS": json.dumps(accounts or []),
        "OIDC_PORT": "0",
    }
    process = subprocess.Popen(
        [node, str(PROVIDER_SCRIPT)],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert process.stdout is not None
    deadline = time.monotonic() + START_TIMEOUT_S
    issuer = None
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        while issuer is None and time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"the OpenID provider exited with {process.returncode}")
            if selector.select(timeout=0.2):
                line = process.stdout.readline()
                if line.startswith("listening "):
                    issuer = line.split(" ", 1)[1].strip()
    if issuer is None:
        process.kill()
        raise RuntimeError("the OpenID provider did not start in time")
    provider = OidcProvider(process, issuer)
    while True:
        try:
            provider.discovery()
            return provider
        except httpx.HTTPError:
            if time.monotonic() > deadline:
                provider.stop()
                raise
            time.sleep(0.1)
