"""Where outgoing webhooks may go. Pure checks (no Django): refuse non-http(s) URLs, plain http and private,
loopback, link-local or reserved addresses unless allowed — an organization admin must not be able to make the
server POST into its own network (SSRF). Checked when an endpoint is saved and again, after DNS resolution, before
every attempt (a name can change address). A residual race between our resolution and the connection's remains.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit


class DestinationRefused(ValueError):
    pass


def _is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def _literal(host: str) -> str | None:
    try:
        return str(ipaddress.ip_address(host.strip("[]")))
    except ValueError:
        return None


def check_url(url: str, *, allow_private: bool, allow_http: bool) -> tuple[str, int]:
    """Validate the URL's form; return (host, port). Literal private addresses and localhost names are refused."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise DestinationRefused("the URL must be http(s) with a host")
    if parts.username or parts.password:
        raise DestinationRefused("credentials in the URL are not accepted; use the signing secret")
    if parts.scheme == "http" and not allow_http:
        raise DestinationRefused("webhook URLs must use https")
    host = parts.hostname
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise DestinationRefused("invalid port") from None
    if not allow_private:
        literal = _literal(host)
        if literal is not None and not _is_public(literal):
            raise DestinationRefused("private, loopback and reserved addresses are not accepted")
        if host == "localhost" or host.endswith((".localhost", ".local", ".internal")):
            raise DestinationRefused("local host names are not accepted")
    return host, port


def check_resolved(host: str, port: int, *, allow_private: bool) -> None:
    """Resolve ``host``; refuse when any of its addresses is not public (unless allowed)."""
    if allow_private:
        return
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise DestinationRefused(f"cannot resolve {host}: {exc}") from None
    for info in infos:
        if not _is_public(str(info[4][0])):
            raise DestinationRefused(f"{host} resolves to a non-public address")
