"""Fixed messages of the catalogue service, marked so this section's catalogue translates them
when a page shows them (the `|t` filter). Messages that carry codes stay in English."""

from __future__ import annotations


def N_(message: str) -> str:
    return message


MESSAGES = (
    N_("cannot be less than the net weight"),
    N_("give a Chinese or an English title"),
    N_("give a Chinese or an English name"),
    N_("a product needs at least one SKU"),
    N_("a kit needs at least one component"),
    N_("set physical or virtual: only kits have components"),
    N_("a kit cannot contain itself"),
    N_("a category cannot move under itself or its descendants"),
    N_("use an http(s) address"),
    N_("upload a PNG, JPEG, GIF or WebP image"),
    N_("the file is empty"),
    N_("this is not a valid XLSX file"),
    N_("old .xls files are not supported; save as .xlsx or .csv"),
    N_("cannot change once the SKU was approved"),
    N_("cannot change once the product was approved"),
    N_("use letters, digits and . _ / - (starting with a letter or digit)"),
    N_("use letters, digits and . _ / - (at most 64)"),
    N_("the product has no variant attributes"),
    N_("use true or false"),
    N_("needs {seq} so that every product gets its own code"),
    N_("needs {seq}, or {spu} with {variant} or {n}, so that every SKU gets its own code"),
    N_("literal text may use letters, digits and . _ / - only"),
    N_("define variant attributes (e.g. colour, size) first"),
)
