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
