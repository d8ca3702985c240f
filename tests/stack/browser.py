"""A small HTTP client for the stack (the standard library only): one keep-alive connection, its cookies,
and the headers a TLS-terminating proxy in front of gunicorn adds (X-Forwarded-Proto: https).

The production cookies are Secure and the site believes it is on HTTPS, so this client keeps cookies itself
(an ordinary cookie jar would not send Secure cookies over the plain loopback connection) and sends the
Origin and Referer a browser sends on https:// (Django's CSRF check requires them there).
"""

from __future__ import annotations

import http.client
import json
import re
import secrets
import time
from dataclasses import dataclass
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import urlencode

# Below gunicorn's --keep-alive (30 s in tests/stack/stack.py): an older connection is not used again.
IDLE_SECONDS = 10.0
CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@dataclass
class Response:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def location(self) -> str:
        return self.headers.get("Location", "")

    def csrf_token(self) -> str:
        found = CSRF_FIELD.search(self.text)
        if not found:
            raise AssertionError(f"no CSRF token in the page ({self.status}):\n{self.text[:2000]}")
        return found.group(1)


class Browser:
    def __init__(self, port: int, *, cookies: dict[str, str] | None = None, timeout: float = 120.0) -> None:
        self.port = port
        self.host = f"127.0.0.1:{port}"
        self.origin = f"https://{self.host}"
        self.cookies: dict[str, str] = dict(cookies or {})
        self.timeout = timeout
        self._connection: http.client.HTTPConnection | None = None
        self._last_used = 0.0

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def request(
        self,
        method: str,
        path: str,
        *,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
        https: bool = True,
    ) -> Response:
        sent = {"Host": self.host, "User-Agent": "chiiki-stack-test"}
        if https:
            sent["X-Forwarded-Proto"] = "https"
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        if method != "GET":
            sent |= {"Origin": self.origin, "Referer": f"{self.origin}{path}"}
            if "csrftoken" in self.cookies:
                sent["X-CSRFToken"] = self.cookies["csrftoken"]
        sent |= headers or {}
        if self._connection is not None and time.monotonic() - self._last_used > IDLE_SECONDS:
            self.close()  # gunicorn may have closed it meanwhile, as a server may an idle keep-alive connection
        if self._connection is None:
            self._connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
        try:
            self._connection.request(method, path, body=body, headers=sent)
            answer = self._connection.getresponse()
            content = answer.read()
        except BaseException:
            self.close()  # the next request opens a new connection
            raise
        for header in answer.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                if morsel["max-age"] == "0" or not morsel.value:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        self._last_used = time.monotonic()
        if answer.will_close:
            self.close()
        return Response(answer.status, answer.headers, content)

    def get(self, path: str, **kwargs: Any) -> Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, fields: dict[str, str]) -> Response:
        return self.request(
            "POST",
            path,
            body=urlencode(fields).encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )

    def post_multipart(self, path: str, fields: dict[str, str], files: dict[str, tuple[str, bytes, str]]) -> Response:
        boundary = f"----chiiki{secrets.token_hex(12)}"
        parts: list[bytes] = []
        for name, value in fields.items():
            parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
        for name, (file_name, content, content_type) in files.items():
            head = (
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{file_name}"\r\n'
                f"Content-Type: {content_type}\r\n\r\n"
            )
            parts.append(head.encode() + content + b"\r\n")
        parts.append(f"--{boundary}--\r\n".encode())
        return self.request(
            "POST", path, body=b"".join(parts), headers={"Content-Type": f"multipart/form-data; boundary={boundary}"}
        )
