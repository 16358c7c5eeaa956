"""Which characters are Chinese characters (Han ideographs), defined once for every layer.

The blocks: CJK Unified Ideographs (U+4E00–U+9FFF), Extension A (U+3400–U+4DBF), and the
Supplementary Ideographic Plane (U+20000–U+2FFFF: Extensions B to F and the compatibility
ideographs). Compatibility ideographs of the BMP (U+F900–U+FAFF) are left out: NFKC folding turns
them into unified ones first. Imports nothing of the project: any layer may use it.
"""

from __future__ import annotations

import re

HAN_RANGES: tuple[tuple[int, int], ...] = (
    (0x4E00, 0x9FFF),
    (0x3400, 0x4DBF),
    (0x20000, 0x2FFFF),
)
# the ranges as the inside of a regular expression's [...]
HAN_CLASS = "".join(f"{chr(lo)}-{chr(hi)}" for lo, hi in HAN_RANGES)
HAN = re.compile(f"[{HAN_CLASS}]")  # one Han character


def is_han(ch: str) -> bool:
    """Whether `ch` (one character) is a Han character."""
    code = ord(ch)
    return any(lo <= code <= hi for lo, hi in HAN_RANGES)
