"""The zh_CN catalogues are complete and compiled (python -m web.i18n update|compile)."""

from __future__ import annotations

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import write_po

from web import i18n


def test_no_mo_file_is_stale():
    stale = i18n.stale_mo_files()
    assert not stale, f"run `python -m web.i18n compile`; stale: {[str(p) for p in stale]}"


@pytest.mark.parametrize("owner", sorted(i18n.owners()))
def test_every_string_has_a_chinese_translation(owner):
    missing = i18n.untranslated(owner)
    assert not missing, (
        f"{owner}: run `python -m web.i18n update {owner}`, translate, then "
        f"`python -m web.i18n compile`. Untranslated: {missing}"
    )


def test_the_staleness_check_notices_an_edited_po(tmp_path):
    po = tmp_path / "messages.po"
    catalog = Catalog(locale="zh_Hans_CN")
    catalog.add("Save", "保存")
    with po.open("wb") as f:
        write_po(f, catalog)
    po.with_suffix(".mo").write_bytes(i18n.compiled(po))
    assert i18n.translations(po) == i18n.translations(po.with_suffix(".mo"), "mo") == {"Save": "保存"}
    catalog.add("Cancel", "取消")
    with po.open("wb") as f:
        write_po(f, catalog)
    assert i18n.translations(po) != i18n.translations(po.with_suffix(".mo"), "mo")


def test_no_string_is_translated_two_ways():
    # The catalogues are merged into one (the later section wins), so a string two sections
    # translate differently reads as the other section's word on one of their pages.
    found = i18n.conflicts()
    assert not found, (
        "give each meaning a context (pgettext('purchase order', 'Order')) or make the catalogues agree: "
        + "; ".join(f"{k.replace(chr(4), ' | ')!r}: {v}" for k, v in found.items())
    )


def test_the_conflict_check_notices_two_words_and_lets_contexts_differ(tmp_path):
    def catalogue(name, *messages):
        catalog = Catalog(locale="zh_Hans_CN")
        for msgid, text, context in messages:
            catalog.add(msgid, text, context=context)
        (tmp_path / name).mkdir()
        po = tmp_path / name / "messages.po"
        with po.open("wb") as f:
            write_po(f, catalog)
        return po

    orders = catalogue("orders", ("Order", "订单", None), ("Shipping", "运费", "charge"))
    purchasing = catalogue("purchasing", ("Order", "订单", None), ("Order", "采购单", "purchase order"))
    shipping = catalogue("shipping", ("Shipping", "物流", None), ("Carrier", "承运商", None))
    connections = catalogue("connections", ("Carrier", "物流商", None))
    assert i18n.conflicts([orders, purchasing, shipping]) == {}
    found = i18n.conflicts([orders, purchasing, shipping, connections])
    assert found == {"Carrier": {str(shipping): "承运商", str(connections): "物流商"}}
