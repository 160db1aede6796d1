"""The HTTP session: the key as an auth object, proxies and extra CAs from the environment,
and never ``~/.netrc``.

requests reads netrc, proxies and ``REQUESTS_CA_BUNDLE`` all under one switch (``trust_env``).
We turn the switch off and read the two we want ourselves, so that no netrc entry can ever
replace the bearer key, and a loopback target (bctrl's local gateway) never goes through a
proxy, which would see the key. CA bundles named in the environment (and SSL_CERT_DIR's folders)
are trusted in addition to the usual public CAs, so naming a private CA's file does not break
public hosts.
"""

from __future__ import annotations

import os
import ssl
from dataclasses import dataclass
from typing import Any, NoReturn
from urllib.parse import urlsplit

import certifi
import requests
from requests.adapters import HTTPAdapter
from requests.utils import get_environ_proxies, select_proxy

from bctrl_tail.config import is_loopback
from bctrl_tail.errors import TLSFailure

CA_BUNDLE_VARIABLES = ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE")
CA_DIR_VARIABLE = "SSL_CERT_DIR"
POOL_SIZE = 64  # pooled connections per host: one per followed run (at most 50)


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
    """How one URL is reached: through which proxy (None: directly); and, for messages, which
    variables named extra CA bundles."""

    proxy: str | None
    ca_bundles: tuple[tuple[str, str], ...] = ()  # (variable, path)
    proxy_variable: str = "HTTPS_PROXY"  # the variable the proxy came from, for messages

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

    @property
    def proxy_has_credentials(self) -> bool:
        return self.proxy is not None and "@" in self.proxy.split("://", 1)[-1].split("/")[0]


def route(url: str) -> Route:
    """The proxy for ``url``, as requests would pick it from HTTP(S)_PROXY, ALL_PROXY and
    NO_PROXY — except that loopback is always direct."""
    parts = urlsplit(url)
    proxy = None
    if not is_loopback(parts.hostname or ""):
        proxy = select_proxy(url, get_environ_proxies(url, no_proxy=None))
    if not proxy:
        return Route(None, ca_bundles())
    return Route(proxy, ca_bundles(), proxy_variable(parts.scheme, proxy))


def proxy_variable(scheme: str, proxy: str) -> str:
    """Which variable named ``proxy`` for ``scheme`` (lower case wins, as in urllib)."""
    for base in (f"{scheme}_proxy", "all_proxy"):
        for name in (base, base.upper()):
            if os.environ.get(name) == proxy:
                return name
    return f"{scheme.upper()}_PROXY"


def ca_bundles() -> tuple[tuple[str, str], ...]:
    """The CA bundles the environment names, as (variable, path), each path once: files (or
    folders) from the CA_BUNDLE_VARIABLES, and the folders of SSL_CERT_DIR (a list, as
    OpenSSL reads it, of folders of certificates named by their hash: `openssl rehash`)."""
    found: dict[str, str] = {}
    named = [(name, os.environ.get(name, "")) for name in CA_BUNDLE_VARIABLES]
    named += [
        (CA_DIR_VARIABLE, path) for path in os.environ.get(CA_DIR_VARIABLE, "").split(os.pathsep)
    ]
    for name, path in named:
        if path and path not in found:
            found[path] = name
    return tuple((name, path) for path, name in found.items())


def trust_context() -> ssl.SSLContext:
    """The public CAs (the bundle requests ships) plus every bundle the environment names."""
    context = ssl.create_default_context(cafile=certifi.where())
    for variable, path in ca_bundles():
        if variable == CA_DIR_VARIABLE and not os.path.isdir(path):
            _unreadable(variable, path, "is not a folder")
        try:
            if os.path.isdir(path):
                context.load_verify_locations(capath=path)  # read when a certificate is checked
            else:
                context.load_verify_locations(cafile=path)
        except (OSError, ssl.SSLError):
            problem = "holds no PEM certificate" if os.path.exists(path) else "does not exist"
            _unreadable(variable, path, problem)
    return context


def _unreadable(variable: str, path: str, problem: str) -> NoReturn:
    what = "a PEM file of the CA certificates to trust"
    if variable == CA_DIR_VARIABLE:
        what = "a folder of CA certificates, after `openssl rehash FOLDER`"
    raise TLSFailure(
        f"{variable} names {path}, which {problem}", hint=f"point it at {what}, or unset it"
    )


class _TrustAdapter(HTTPAdapter):
    """Every connection, direct or through a proxy's tunnel, verifies with one context."""

    def __init__(self, context: ssl.SSLContext) -> None:
        self._context = context
        super().__init__(pool_maxsize=POOL_SIZE)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        kwargs["ssl_context"] = self._context
        super().init_poolmanager(*args, **kwargs)

    def proxy_manager_for(self, proxy: str, **kwargs: Any) -> Any:
        kwargs["ssl_context"] = self._context
        return super().proxy_manager_for(proxy, **kwargs)


def new_session() -> requests.Session:
    """A session that takes nothing from the environment by itself (see the module doc).

    Its pools keep a connection per followed run: with urllib3's default of 10, following
    more runs than that from one host would drop (and log) connections.
    """
    session = requests.Session()
    session.trust_env = False
    session.mount("http://", HTTPAdapter(pool_maxsize=POOL_SIZE))
    return session


def prepare_https(session: requests.Session) -> None:
    """Give the session its trust context before its first https request (built only then:
    plain-http use, the demo included, never reads a CA bundle). Raises TLSFailure when a
    named bundle cannot be read."""
    if not isinstance(session.get_adapter("https://x"), _TrustAdapter):
        session.mount("https://", _TrustAdapter(trust_context()))
