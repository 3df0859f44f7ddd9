"""The one loopback rule: which host names are this machine.

The mock admits its admin API without a token only from loopback (the Host header's host, and
the interface it binds), and a conformance run may turn redaction off only against a loopback
target: both ask this one function, so a spelling one accepts the other never refuses.
"""

from __future__ import annotations

import ipaddress

# Names that resolve to loopback on the systems we run on; anything else (`localhost.example`,
# `127.0.0.1.nip.io`) is a DNS name someone else controls.
LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost"})


def is_loopback(host: str) -> bool:
    """`host` (a name or an address, IPv6 with or without brackets, any case) is this machine."""
    host = host.strip("[]").lower()
    if host in LOOPBACK_NAMES:
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped.is_loopback  # ::ffff:127.0.0.1 is 127.0.0.1
    return address.is_loopback
