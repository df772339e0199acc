"""Base URLs typed by a visitor: the server, not the visitor, makes the request, so a typed URL must
not reach what only the server can reach (its loopback, its LAN, the cloud's metadata service).

Two checks, because a name can resolve to one address when checked and another when used: the
URL's host is resolved and refused up front with a clear message, and every connection the SDK
opens for a typed URL (redirects included) checks the address it actually connected to.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

import httpcore2
import httpx2
import openai

from chatbot.errors import InvalidInput
from chatbot.i18n import Msg
from chatbot.policy.redaction import without_userinfo
from chatbot.settings import Settings

# Cloud metadata services outside the ranges `ipaddress` already calls private or link-local.
METADATA = (ipaddress.ip_address("fd00:ec2::254"), ipaddress.ip_address("100.100.100.200"))

def blocked(address: str) -> bool:
    """Loopback, private, link-local (metadata lives there), multicast, reserved, unspecified."""
    try:
        ip = ipaddress.ip_address(address.split("%")[0])
    except ValueError:
        return True
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return (ip.is_loopback or ip.is_private or ip.is_link_local or ip.is_multicast
            or ip.is_reserved or ip.is_unspecified or ip in METADATA)


def resolve(host: str, port: int) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return []
    return [str(info[4][0]) for info in infos]


def _refused(url: str, why: Msg) -> InvalidInput:
    return InvalidInput.keyed("urlguard.refused", "urlguard.hint", url=without_userinfo(url),
                              why=why)


def check_typed_url(settings: Settings, url: str) -> bool:
    """Refuse a visitor's base URL the host's policy forbids; True when the SDK client for it must
    check every address it connects to (the app listens beyond loopback)."""
    shown = without_userinfo(url)
    try:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:  # a port that is not a number, brackets that do not close
        parts, port = None, 0
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInput.keyed("urlguard.shape", url=repr(shown))
    if url.rstrip("/") in settings.allowed_base_urls:
        return False  # the host chose it, wherever it points
    if settings.hosted:
        raise _refused(url, Msg("urlguard.host_allowed_only"))
    if not settings.public_listener:
        return False  # a lab on the student's own machine: their loopback is theirs
    addresses = resolve(parts.hostname, port)
    if not addresses:
        raise _refused(url, Msg("urlguard.no_such_host", host=parts.hostname))
    if any(blocked(a) for a in addresses):
        raise _refused(url, Msg("urlguard.private_address"))
    return True


class GuardedNetwork(httpcore2.NetworkBackend):
    """httpcore's socket layer with one more step: the peer address is checked after connecting."""

    def __init__(self) -> None:
        self._inner = httpcore2.SyncBackend()

    def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                    local_address: str | None = None,
                    socket_options: Iterable[Any] | None = None) -> httpcore2.NetworkStream:
        if any(blocked(a) for a in resolve(host, port)):
            raise httpcore2.ConnectError(f"{host} is a local, private or metadata address")
        stream = self._inner.connect_tcp(host, port, timeout, local_address, socket_options)
        peer = stream.get_extra_info("server_addr")
        if peer is None or blocked(str(peer[0])):
            stream.close()
            raise httpcore2.ConnectError(f"{host} connected to a local or private address")
        return stream

    def connect_unix_socket(self, path: str, timeout: float | None = None,
                            socket_options: Iterable[Any] | None = None
                            ) -> httpcore2.NetworkStream:
        raise httpcore2.ConnectError("unix sockets are not allowed for typed URLs")

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


class GuardedTransport(httpx2.HTTPTransport):
    """httpx's transport on the guarded socket layer; no proxy from the environment, so the peer
    checked is the server itself."""

    def __init__(self) -> None:
        super().__init__(trust_env=False)
        self._pool = httpcore2.ConnectionPool(
            ssl_context=httpx2.create_ssl_context(trust_env=False),
            network_backend=GuardedNetwork())


def guarded_http_client(timeout: float) -> httpx2.Client:
    return openai.DefaultHttpxClient(transport=GuardedTransport(), timeout=timeout,
                                     trust_env=False)
