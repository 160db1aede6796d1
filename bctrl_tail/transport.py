"""The HTTP session: the key as an auth object, proxies and CA bundles from the environment,
and never ``~/.netrc``.

requests reads netrc, proxies and ``REQUESTS_CA_BUNDLE`` all under one switch (``trust_env``).
We turn the switch off and read the two we want ourselves, so that no netrc entry can ever
replace the bearer key, and a loopback target (bctrl's local gateway) never goes through a
proxy, which would see the key.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests
from requests.utils import get_environ_proxies, select_proxy

from bctrl_tail.config import is_loopback
from bctrl_tail.errors import TLSFailure

CA_BUNDLE_VARIABLES = ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE")


class BearerAuth(requests.auth.AuthBase):
    """``Authorization: Bearer KEY``. Being an auth object, it also keeps requests from
    looking for netrc credentials; its repr never shows the key."""

    def __init__(self, key: str) -> None:
        self._key = key

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self._key}"
        return request

    def __repr__(self) -> str:
        return "BearerAuth(<redacted>)"


@dataclass(frozen=True)
class Route:
    """How one URL is reached: through which proxy (None: directly), trusting which CAs."""

    proxy: str | None
    verify: bool | str
    ca_variable: str | None  # the variable that named the CA bundle, for messages

    @property
    def proxies(self) -> dict[str, str]:
        return {} if self.proxy is None else {"http": self.proxy, "https": self.proxy}

    @property
    def proxy_address(self) -> str:
        """``host:port`` of the proxy, never its credentials."""
        if self.proxy is None:
            return ""
        parts = urlsplit(self.proxy if "://" in self.proxy else "http://" + self.proxy)
        try:
            port = parts.port
        except ValueError:
            port = None
        return f"{parts.hostname}:{port or 80}"


def route(url: str) -> Route:
    """The proxy and CA bundle for ``url``, as requests would pick them from HTTP(S)_PROXY,
    ALL_PROXY, NO_PROXY and REQUESTS_CA_BUNDLE — except that loopback is always direct."""
    host = urlsplit(url).hostname or ""
    proxy = None
    if not is_loopback(host):
        proxy = select_proxy(url, get_environ_proxies(url, no_proxy=None))
    env = os.environ
    variable = next((name for name in CA_BUNDLE_VARIABLES if env.get(name)), None)
    if variable is None:
        return Route(proxy or None, True, None)
    bundle = env[variable]
    if not os.path.exists(bundle):
        raise TLSFailure(
            f"{variable} names {bundle}, which does not exist",
            hint="point it at a PEM file of the CA certificates to trust, or unset it",
        )
    return Route(proxy or None, bundle, variable)


def new_session() -> requests.Session:
    """A session that takes nothing from the environment by itself (see the module doc)."""
    session = requests.Session()
    session.trust_env = False
    return session
