"""A local OpenID Connect provider standing in for huggingface.co, so that "Sign in with Hugging Face" runs offline.

On a Space, gradio's `/login/huggingface` sends the browser to the Hub's authorize page, the Hub sends it back to
`/login/callback` with a code, and the server trades the code for tokens (an RS256-signed id_token carrying the
user's name) at the Hub's token endpoint. This provider plays the Hub's three parts with one user and one RSA key:
discovery, authorize (signs the user in at once) and token, plus the key set the id_token is checked against.
"""

import json
import secrets
import threading
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from joserfc import jwt
from joserfc.jwk import RSAKey

HOST = "127.0.0.1"


@dataclass
class FakeHub:
    """The provider's state: its address, the user it signs in, its key and the codes handed out."""

    user: str
    client_id: str
    url: str = ""
    key: RSAKey = field(default_factory=lambda: RSAKey.generate_key(2048, parameters={"kid": "fake-hub"}))
    codes: dict[str, str] = field(default_factory=dict)  # code -> the nonce the authorize request carried

    def discovery(self) -> dict:
        return {
            "issuer": self.url,
            "authorization_endpoint": f"{self.url}/oauth/authorize",
            "token_endpoint": f"{self.url}/oauth/token",
            "userinfo_endpoint": f"{self.url}/oauth/userinfo",
            "jwks_uri": f"{self.url}/oauth/jwks",
            "response_types_supported": ["code"],
            "id_token_signing_alg_values_supported": ["RS256"],
        }

    def authorize(self, query: dict[str, str]) -> str:
        """Sign the user in and return where the browser goes next: the app's callback, with a code."""
        code = secrets.token_urlsafe(16)
        self.codes[code] = query.get("nonce", "")
        answer = urllib.parse.urlencode({"code": code, "state": query["state"]})
        return f"{query['redirect_uri']}{'&' if '?' in query['redirect_uri'] else '?'}{answer}"

    def token(self, form: dict[str, str]) -> dict:
        """Trade a code (once) for an access token and an id_token naming the user."""
        nonce = self.codes.pop(form["code"])  # KeyError: an unknown or reused code, answered with 400
        now = int(time.time())
        claims = {
            "iss": self.url,
            "aud": self.client_id,
            "sub": "42",
            "iat": now,
            "exp": now + 3600,
            "nonce": nonce,
            "name": self.user.title(),
            "preferred_username": self.user,
            "profile": f"https://huggingface.co/{self.user}",
            "picture": "",
        }
        id_token = jwt.encode({"alg": "RS256", "kid": "fake-hub"}, claims, self.key)
        return {
            "access_token": "hf_oauth_" + secrets.token_urlsafe(8),
            "token_type": "bearer",
            "expires_in": 3600,
            "scope": "openid profile",
            "id_token": id_token,
        }


def _handler(hub: FakeHub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _send(self, status: int, body: dict | None = None, location: str | None = None) -> None:
            payload = json.dumps(body or {}).encode()
            self.send_response(status)
            if location:
                self.send_header("Location", location)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def do_GET(self) -> None:  # noqa: N802 (the http.server API)
            parsed = urllib.parse.urlparse(self.path)
            query = dict(urllib.parse.parse_qsl(parsed.query))
            if parsed.path == "/.well-known/openid-configuration":
                self._send(200, hub.discovery())
            elif parsed.path == "/oauth/jwks":
                self._send(200, {"keys": [hub.key.as_dict(private=False)]})
            elif parsed.path == "/oauth/authorize":
                self._send(302, location=hub.authorize(query))
            else:
                self._send(404)

        def do_POST(self) -> None:  # noqa: N802
            form = dict(urllib.parse.parse_qsl(self.rfile.read(int(self.headers["Content-Length"])).decode()))
            if self.path != "/oauth/token" or form.get("code") not in hub.codes:
                self._send(400, {"error": "invalid_grant"})
            else:
                self._send(200, hub.token(form))

        def log_message(self, *args) -> None:  # quiet: the test output is for the test
            pass

    return Handler


@contextmanager
def fake_hub(user: str, client_id: str) -> Iterator[FakeHub]:
    """Serve a FakeHub on a free local port for the duration of the block."""
    hub = FakeHub(user=user, client_id=client_id)
    server = ThreadingHTTPServer((HOST, 0), _handler(hub))
    hub.url = f"http://{HOST}:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield hub
    finally:
        server.shutdown()
        server.server_close()
