"""Code patterns: how approval names SPUs and SKUs that the seller left without a code.

A pattern is literal text with tokens:

  {seq} {seq:N}   the tenant's next number of this kind, zero-padded to N digits (default 5)
  {spu}           the product's SPU code                       (SKU patterns only)
  {variant}       the variant's option values in ASCII, e.g. RED-L; its position (01, 02...)
                  when a value has no ASCII letters or digits    (SKU patterns only)
  {n}             the variant's position, 01, 02...              (SKU patterns only)
  {category}      the product category's code
  {yyyy} {yy} {mm}  the approval date

A pattern must make codes unique on its own: a SPU pattern needs {seq}; a SKU pattern needs
{seq}, or {spu} with {variant} or {n}.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from core.messages import Msg

TOKEN_RE = re.compile(r"\{(\w+)(?::(\d{1,2}))?\}")
LITERAL_RE = re.compile(r"^[A-Za-z0-9._/\-]*$")
SPU_TOKENS = {"seq", "category", "yyyy", "yy", "mm"}
SKU_TOKENS = SPU_TOKENS | {"spu", "variant", "n"}
MAX_CODE = 64


def check_pattern(pattern: str, kind: str) -> str | None:
    """The problem with a pattern, or None when it is usable. `kind` is "spu" or "sku"."""
    allowed = SPU_TOKENS if kind == "spu" else SKU_TOKENS
    if not pattern or not pattern.strip():
        return Msg("required")
    tokens = set()
    for match in TOKEN_RE.finditer(pattern):
        name = match.group(1)
        if name not in allowed:
            return Msg(
                "catalog.pattern_unknown_token",
                token="{" + name + "}",
                tokens=", ".join("{" + t + "}" for t in sorted(allowed)),
            )
        if match.group(2) and name != "seq":
            return Msg("catalog.pattern_width_seq_only", seq="{seq}", token="{" + name + "}")
        tokens.add(name)
    literal = TOKEN_RE.sub("", pattern)
    if "{" in literal or "}" in literal:
        return Msg("catalog.pattern_unmatched_brace")
    if not LITERAL_RE.match(literal):
        return Msg("catalog.pattern_literal_chars")
    if kind == "spu" and "seq" not in tokens:
        return Msg("catalog.pattern_needs_seq_spu", seq="{seq}")
    if kind == "sku" and "seq" not in tokens and not ("spu" in tokens and tokens & {"variant", "n"}):
        return Msg("catalog.pattern_needs_seq_sku", seq="{seq}", spu="{spu}", variant="{variant}", n="{n}")
    return None


def ascii_slug(value: str) -> str:
    """ "Navy Blue" -> "NAVY-BLUE"; "红色" -> "" (no ASCII to keep)."""
    folded = unicodedata.normalize("NFKD", str(value)).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9]+", "-", folded).strip("-").upper()


@dataclass
class CodeContext:
    spu: str = ""
    category: str = ""
    position: int = 1
    option_values: tuple[str, ...] = ()
    when: datetime | None = None

    def variant(self) -> str:
        slugs = [ascii_slug(v) for v in self.option_values]
        if not slugs or not all(slugs):
            return f"{self.position:02d}"
        return "-".join(slugs)


class PatternError(ValueError):
    pass


def render(pattern: str, ctx: CodeContext, next_seq: Callable[[], int]) -> str:
    """Fill a checked pattern. Raises PatternError when a token has nothing to fill it."""
    when = ctx.when or datetime.now()

    def fill(match: re.Match[str]) -> str:
        name, width = match.group(1), match.group(2)
        if name == "seq":
            return f"{next_seq():0{int(width or 5)}d}"
        if name == "spu":
            return ctx.spu
        if name == "variant":
            return ctx.variant()
        if name == "n":
            return f"{ctx.position:02d}"
        if name == "category":
            if not ctx.category:
                raise PatternError(Msg("catalog.pattern_needs_category", category="{category}"))
            return ctx.category
        return {"yyyy": f"{when:%Y}", "yy": f"{when:%y}", "mm": f"{when:%m}"}[name]

    out = TOKEN_RE.sub(fill, pattern)
    if len(out) > MAX_CODE:
        raise PatternError(Msg("catalog.generated_code_too_long", code=out[:20], max_len=MAX_CODE))
    return out
