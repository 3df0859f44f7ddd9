"""Spellings of one production host that some client of a run might send there: what the
guard is fed. Generated from the host, so every dot and every label gets each trick."""

from __future__ import annotations

PRODUCTION = "dapi.newdaytechnology.net"
STAGING = "staging.example.test"  # the target a run is allowed to reach, in these tests
DOT_LIKES = {
    "ideographic full stop": "\u3002",
    "fullwidth full stop": "\uff0e",
    "halfwidth ideographic full stop": "\uff61",
    "one dot leader": "\u2024",
    "small full stop": "\ufe52",
    "stenographic full stop": "\u2e3c",
    "hyphenation point": "\u2027",
    "middle dot": "\u00b7",
}


def _fullwidth(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if c.isalnum() else c for c in text)


def _percent(text: str) -> str:
    return "".join(f"%{ord(c):02x}" for c in text)


def host_spellings(host: str = PRODUCTION) -> dict[str, str]:
    """name -> a host spelling that DNS, IDNA or some URL parser may read as `host`."""
    labels = host.split(".")
    found: dict[str, str] = {
        "upper case": host.upper(),
        "mixed case": "".join(c.upper() if i % 2 else c for i, c in enumerate(host)),
        "trailing dot": host + ".",
        "two trailing dots": host + "..",
        "trailing %2e": host + "%2e",
        "trailing %2E": host + "%2E",
        "all percent-encoded": _percent(host),
        "percent-encoded dots": host.replace(".", "%2e"),
        "percent-encoded dots, upper": host.replace(".", "%2E"),
        "fullwidth letters": _fullwidth(host),
        "fullwidth first label": _fullwidth(labels[0]) + "." + ".".join(labels[1:]),
        "leading dot": "." + host,
        "double dot inside": host.replace(".", "..", 1),
        "soft hyphen": labels[0] + "\u00ad." + ".".join(labels[1:]),
        "zero-width joiner": labels[0][:1] + "\u200d" + host[1:],
        "zero-width space": labels[0][:1] + "\u200b" + host[1:],
        "brackets": f"[{host}]",
        "xn-- of a hyphen label": "xn--" + labels[0] + "-." + ".".join(labels[1:]),
        "xn-- of nothing": "xn--." + host,
        "idna of fullwidth": "xn--" + "dapi-u8a." + ".".join(labels[1:]),
        "upper XN--": "XN--" + labels[0] + "-." + ".".join(labels[1:]),
        "tab inside": labels[0] + "\t." + ".".join(labels[1:]),
        "trailing space": host + " ",
        "null byte": host + "\x00",
        "newline": host + "\n",
    }
    for i, label in enumerate(labels):
        found[f"first letter of label {i} percent-encoded"] = host.replace(
            label, _percent(label[0]) + label[1:], 1
        )
        found[f"label {i} percent-encoded"] = host.replace(label, _percent(label), 1)
        found[f"label {i} upper-case percent-encoded"] = host.replace(
            label, _percent(label).upper().replace("%", "%"), 1
        )
    for name, dot in DOT_LIKES.items():
        found[f"{name} for every dot"] = host.replace(".", dot)
        found[f"{name} for the first dot"] = host.replace(".", dot, 1)
        found[f"{name} trailing"] = host + dot
    return found


def url_spellings(host: str = PRODUCTION, allowed: str = STAGING) -> dict[str, str]:
    """name -> a whole URL that some client of a run may send to `host`."""
    found = {
        f"host: {name}": f"https://{spelt}/customer-service"
        for name, spelt in host_spellings(host).items()
    }
    found.update(
        {
            "plain": f"https://{host}/customer-service",
            "plain http": f"http://{host}/",
            "explicit port": f"https://{host}:443/",
            "other port": f"https://{host}:8443/",
            "port twice": f"https://{host}:443:443/",
            "leading zeros in the port": f"https://{host}:0443/",
            "empty port": f"https://{host}:/",
            "signed port": f"https://{host}:+443/",
            "userinfo before the host": f"https://{allowed}@{host}/",
            "userinfo with a password": f"https://user:secret@{host}/",
            "userinfo with an encoded at": f"https://{allowed}%40@{host}/",
            "two at signs": f"https://a@{allowed}@{host}/",
            "backslash before at": f"https://{host}\\@{allowed}/",
            "backslash as a separator": f"https://{host}\\.{allowed}/",
            "backslash after the host": f"https://{host}\\/x",
            "backslashes for slashes": f"https:\\\\{host}/",
            "one slash": f"https:/{host}/",
            "no slashes": f"https:{host}/",
            "three slashes": f"https:///{host}/",
            "upper-case scheme": f"HTTPS://{host}/",
            "scheme with spaces": f" https://{host}/",
            "fragment before the host": f"https://#@{host}/",
            "question mark before at": f"https://{allowed}?@{host}/",
            "encoded slash in the host": f"https://{host}%2f{allowed}/",
            "bracketed with a port": f"https://[{host}]:443/",
            "bracketed IPv6 then host": f"https://[::1]{host}/",
        }
    )
    return found


def loopback_spellings(port: int) -> dict[str, str]:
    """name -> a URL reaching 127.0.0.1:`port` under another spelling (IPv4 and IPv6 forms)."""
    return {
        name: f"http://{spelt}:{port}/"
        for name, spelt in {
            "decimal integer": "2130706433",
            "hex integer": "0x7f000001",
            "hex dotted": "0x7f.0x0.0x0.0x1",
            "octal first part": "0177.0.0.1",
            "short form": "127.1",
            "two parts": "127.0.1",
            "leading zeros": "127.000.000.001",
            "trailing dot": "127.0.0.1.",
            "percent-encoded": "%31%32%37.0.0.1",
            "fullwidth digits": "\uff11\uff12\uff17.0.0.1",
            "ideographic dots": "127\u30020\u30020\u30021",
            "IPv4-mapped IPv6": "[::ffff:127.0.0.1]",
            "IPv4-mapped IPv6, hex": "[::ffff:7f00:1]",
            "IPv4-mapped IPv6, long": "[0:0:0:0:0:ffff:127.0.0.1]",
            "IPv4-compatible IPv6": "[::127.0.0.1]",
            "NAT64 of loopback": "[64:ff9b::7f00:1]",
            "IPv6 with a zone": "[::ffff:127.0.0.1%25eth0]",
            "unclosed bracket": "[::ffff:127.0.0.1",
        }.items()
    }
