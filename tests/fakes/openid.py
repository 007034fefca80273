"""A fake Microsoft identity service: OpenID metadata, signing keys and the bot's login endpoint.

botbuilder fetches the metadata and keys with a blocking ``requests.get``, so this server runs in
its own thread (``http.server``), never on a test's event loop. Each instance serves its metadata
under a fresh path, because botbuilder caches metadata process-wide by URL. Tokens are minted
here with our own RSA keys, the way the Bot Connector's tokens look.
"""

from __future__ import annotations

import functools
import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

ISSUER = "https://api.botframework.com"
KEY_ID = "guidebot-test-key"


@functools.cache
def signing_key(name: str) -> rsa.RSAPrivateKey:
    """An RSA key per name, made once per test session (generation is slow)."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


class FakeIdentity:
    """Serves ``/{prefix}/openidconfiguration``, ``/{prefix}/keys`` and ``/{tenant}/oauth2/v2.0/token``."""

    def __init__(self, *, endorsements: tuple[str, ...] = ("msteams", "emulator")) -> None:
        self.key = signing_key("channel")
        self.endorsements = list(endorsements)
        self.token_requests: list[dict[str, str]] = []
        self.issued: list[str] = []
        self._prefix = uuid.uuid4().hex
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self.base = f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def metadata_url(self) -> str:
        """The OpenID metadata URL (fresh for each instance)."""
        return f"{self.base}/{self._prefix}/openidconfiguration"

    @property
    def login_url(self) -> str:
        """What ``GUIDEBOT_TEAMS_LOGIN_URL`` should be."""
        return f"{self.base}/botframework.com"

    def start(self) -> FakeIdentity:
        """Serve in a background thread."""
        self._thread.start()
        return self

    def close(self) -> None:
        """Stop serving."""
        self._server.shutdown()
        self._server.server_close()

    def mint(
        self,
        *,
        audience: str,
        service_url: str,
        issuer: str = ISSUER,
        lifetime: float = 3600,
        key: rsa.RSAPrivateKey | None = None,
        kid: str = KEY_ID,
        **claims: Any,
    ) -> str:
        """A token as the Bot Connector sends it: RS256, with ``serviceurl`` and the app id as audience."""
        now = int(time.time())
        payload = {
            "iss": issuer,
            "aud": audience,
            "serviceurl": service_url,
            "nbf": now - 60,
            "exp": now + int(lifetime),
            **claims,
        }
        return jwt.encode(payload, key or self.key, algorithm="RS256", headers={"kid": kid})

    def document(self, path: str) -> Any | None:
        """The JSON the server answers a GET with."""
        if path == f"/{self._prefix}/openidconfiguration":
            return {
                "issuer": ISSUER,
                "jwks_uri": f"{self.base}/{self._prefix}/keys",
                "id_token_signing_alg_values_supported": ["RS256"],
            }
        if path == f"/{self._prefix}/keys":
            jwk = RSAAlgorithm.to_jwk(self.key.public_key(), as_dict=True)
            jwk.update({"kid": KEY_ID, "use": "sig", "endorsements": self.endorsements})
            return {"keys": [jwk]}
        return None

    def token(self, form: dict[str, str]) -> dict[str, Any]:
        """The login endpoint: a client-credentials grant gets a bearer token."""
        self.token_requests.append(form)
        issued = f"fake-bot-token-{len(self.token_requests)}"
        self.issued.append(issued)
        return {"token_type": "Bearer", "expires_in": 3600, "access_token": issued}


def _handler(identity: FakeIdentity) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            document = identity.document(self.path)
            self._answer(200 if document is not None else 404, document or {"error": "not found"})

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
            if not self.path.endswith("/oauth2/v2.0/token"):
                self._answer(404, {"error": "not found"})
            elif form.get("grant_type") != "client_credentials":
                self._answer(400, {"error": "unsupported_grant_type"})
            else:
                self._answer(200, identity.token(form))

        def _answer(self, status: int, body: Any) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler
