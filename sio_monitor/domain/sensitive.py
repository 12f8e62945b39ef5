"""Which named values carry credentials, and how they look when they must not be read.

Header and query values are typed into free-text boxes ("Authorization:
Bearer …"), so the boxes, the probe's handshake preview and every writer
must agree on which of them are secrets: one rule, kept here.
"""

from __future__ import annotations

from collections.abc import Callable

#: Shown instead of a secret: always the same length, so it tells nothing of the value's.
MASK = "••••••••"
# Header or query names containing one of these carry credentials more often than not.
_SENSITIVE_PARTS = (
    "auth", "token", "key", "secret", "password", "passwd", "cookie", "session",
    "signature", "credential", "jwt", "bearer",
)  # fmt: skip


def is_sensitive_name(name: str) -> bool:
    """Whether a header or query value named ``name`` is treated as a secret."""
    lowered = name.lower()
    return any(part in lowered for part in _SENSITIVE_PARTS)


def masked_pairs(text: str, separator: str, secret: Callable[[str], bool]) -> str:
    """``name<separator>value`` lines with the values of secret names masked.

    Lines without the separator (being typed, or wrong) are shown as they are:
    they are not sent, and the box says what is wrong with them.
    """
    lines = []
    for line in text.split("\n"):
        name, sep, value = line.partition(separator)
        if sep and value.strip() and secret(name.strip()):
            line = f"{name}{sep}{' ' if value.startswith(' ') else ''}{MASK}"
        lines.append(line)
    return "\n".join(lines)


def every_name(_name: str) -> bool:
    """Header values: any of them may be a token (``X-Api-Key``, a gateway's own name)."""
    return True
