"""全国地方公共団体コード (local government codes): 5 digits plus a check digit."""

from __future__ import annotations

import re

_CODE_RE = re.compile(r"[0-9]{6}")  # ASCII only: \\d would accept full-width digits
_WEIGHTS = (6, 5, 4, 3, 2)


def check_digit(code5: str) -> int:
    """Check digit of a 5-digit code: (11 - (Σ dᵢ·wᵢ mod 11)) mod 10, weights 6,5,4,3,2.

    >>> check_digit("13104")  # 新宿区 → 131041
    1
    """
    if not re.fullmatch(r"[0-9]{5}", code5):
        raise ValueError(f"expected 5 digits, got {code5!r}")
    remainder = sum(int(d) * w for d, w in zip(code5, _WEIGHTS, strict=True)) % 11
    return (11 - remainder) % 10


def with_check_digit(code5: str) -> str:
    """The 6-digit code for a 5-digit one (e.g. MLIT's ``N03_007``)."""
    return f"{code5}{check_digit(code5)}"


def code_problem(code: str) -> str | None:
    """What is wrong with a 6-digit municipality code, or None when it is well formed."""
    if not isinstance(code, str) or not _CODE_RE.fullmatch(code):
        return "must be 6 digits (5-digit code plus check digit), written as text"
    expected = check_digit(code[:5])
    if int(code[5]) != expected:
        return f"check digit is {code[5]}, expected {expected} (correct code: {code[:5]}{expected})"
    return None
