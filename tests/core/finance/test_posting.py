"""Posting the books to an accounting target through the API, with two tenants present: the
beancount target (a file, checked by beancount's own loader) stands for any target here; each
plugin's own behaviour is in tests/plugins/accounting."""

from __future__ import annotations

import uuid
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from beancount import loader
from beancount.core import data

from tests.core.finance.helpers import shipped, shop, sku_line
from tests.support import body

TODAY = date.today().isoformat()
START = date(2000, 1, 1).isoformat()


def beancount_target(tenant: Any, path: Path, name: str = "Books file") -> str:
    resp = tenant.api.post(
        "connections",
        {"kind": "accounting", "plugin": "beancount", "display_name": name, "settings": {"path": str(path)}},
    )
    assert resp.status_code == 201, body(resp)
    return body(resp)["id"]


def items(tenant: Any, conn: str) -> list[dict[str, Any]]:
    resp = tenant.api.get(f"finance/posting/targets/{conn}/mappings")
    assert resp.status_code == 200, body(resp)
    return body(resp)


def beancount_name(code: str) -> str:
    root = {"1": "Assets", "2": "Liabilities", "3": "Equity", "4": "Equity", "5": "Expenses", "6": "Income"}
    top = root.get(code[0], "Expenses")
    if code.startswith(("64", "66", "67", "68", "69")):
        top = "Expenses"
    return f"{top}:A{code.replace('.', '-')}"


def map_all(tenant: Any, conn: str, name=beancount_name) -> None:
    rows = [
        {"kind": i["kind"], "local_key": i["local_key"], "external_code": name(i["local_key"])}
        for i in items(tenant, conn)
        if i["kind"] == "account"
    ]
    resp = tenant.api.put(f"finance/posting/targets/{conn}/mappings", {"mappings": rows})
    assert resp.status_code == 200, body(resp)


def run(tenant: Any, conn: str, start: str = START) -> dict[str, Any]:
    resp = tenant.api.post(f"finance/posting/targets/{conn}/runs", {"start_date": start})
    assert resp.status_code == 202, body(resp)
    out = tenant.api.get(f"finance/posting/runs/{body(resp)['id']}")
    return body(out)


def results(tenant: Any, conn: str, **query: str) -> list[dict[str, Any]]:
    q = "&".join(f"{k}={v}" for k, v in query.items())
    resp = tenant.api.get(f"finance/posting/results?connection_id={conn}&page_size=100&{q}")
    assert resp.status_code == 200, body(resp)
    return body(resp)


def transactions(path: Path) -> list[Any]:
    entries, errors, _ = loader.load_file(str(path))
    assert errors == [], errors
    return [e for e in entries if isinstance(e, data.Transaction)]


def test_unmapped_items_are_listed_first_and_block_posting(tenant_a, tmp_path):
    s = shop(tenant_a)
    shipped(s, sku_line(s, s.tee, 2, "30.00"))
    conn = beancount_target(tenant_a, tmp_path / "a.beancount")
    listed = items(tenant_a, conn)
    assert listed and all(i["kind"] == "account" and not i["mapped"] for i in listed)
    assert all(i["vouchers"] >= 1 for i in listed)
    refused = tenant_a.api.post(f"finance/posting/targets/{conn}/runs", {"start_date": START})
    assert refused.status_code == 409
    assert {u["local_key"] for u in body(refused)["errors"]["unmapped"]} == {i["local_key"] for i in listed}
    assert not (tmp_path / "a.beancount").exists(), "nothing is posted while items are unmapped"
    # One mapped: it moves after the unmapped ones.
    first = listed[0]["local_key"]
    resp = tenant_a.api.put(
        f"finance/posting/targets/{conn}/mappings",
        {"mappings": [{"kind": "account", "local_key": first, "external_code": beancount_name(first)}]},
    )
    assert resp.status_code == 200
    again = items(tenant_a, conn)
    assert [i["mapped"] for i in again] == sorted(i["mapped"] for i in again)
    assert again[-1]["local_key"] == first and again[-1]["external_code"] == beancount_name(first)


def test_bad_mapping_rows_are_422_naming_the_field(tenant_a, tmp_path):
    conn = beancount_target(tenant_a, tmp_path / "x.beancount")
    resp = tenant_a.api.put(
        f"finance/posting/targets/{conn}/mappings",
        {"mappings": [{"kind": "customer", "local_key": "not-an-id", "external_code": "X"}]},
    )
    assert resp.status_code == 422 and "mappings.0.kind" in body(resp)["errors"], body(resp)
    resp = tenant_a.api.put(f"finance/posting/targets/{conn}/mappings", {"mappings": [{"kind": "account"}]})
    assert resp.status_code == 422


def test_post_once_then_nothing_new_then_a_reversal(tenant_a, tenant_b, tmp_path):
    s = shop(tenant_a)
    order = shipped(s, sku_line(s, s.tee, 2, "30.00"))
    path = tmp_path / "books.beancount"
    conn = beancount_target(tenant_a, path)
    map_all(tenant_a, conn)
    first = run(tenant_a, conn)
    assert first["status"] == "done" and first["total"] >= 1 and first["posted"] == first["total"], first
    posted = results(tenant_a, conn)
    assert posted and all(p["status"] == "posted" and p["external_id"] and p["external_number"] for p in posted)
    txns = transactions(path)
    assert sorted(t.meta["ref"] for t in txns) == sorted(p["reference"] for p in posted)

    # Again: nothing new is sent.
    second = run(tenant_a, conn)
    assert second["status"] == "done" and second["total"] == 0
    assert len(transactions(path)) == len(txns)

    # Where each voucher went, from the voucher.
    vid = posted[0]["voucher_id"]
    where = body(tenant_a.api.get(f"finance/vouchers/{vid}/postings"))
    assert [(w["connection"], w["status"], w["external_number"]) for w in where] == [
        ("Books file", "posted", posted[0]["external_number"])
    ]

    # A reversal posts as a transaction of its own naming the reversed one.
    vouchers = body(tenant_a.api.get(f"finance/vouchers?source_type=sales_order&source_id={order.id}"))
    sale = vouchers[0]
    rev = tenant_a.api.post(f"finance/vouchers/{sale['id']}/reverse", {})
    assert rev.status_code == 201, body(rev)
    third = run(tenant_a, conn)
    assert third["posted"] == 1, third
    after = transactions(path)
    assert len(after) == len(txns) + 1
    red = after[-1]
    original = next(t for t in after if t.meta["voucher"] == sale["number"])
    assert red.meta["reverses"] == original.meta["ref"] and (red.links & original.links)
    assert [str(p.units) for p in original.postings] == [str(p.units) for p in txns_by_ref(txns, original.meta["ref"])]

    # The other tenant sees none of it.
    assert tenant_b.api.get(f"finance/posting/targets/{conn}/mappings").status_code == 404
    assert body(tenant_b.api.get("finance/posting/results?page_size=100")) == []
    assert tenant_b.api.get(f"finance/posting/runs/{first['id']}").status_code == 404


def txns_by_ref(txns: list[Any], ref: str) -> list[Any]:
    return next(t for t in txns if t.meta["ref"] == ref).postings


def test_refused_vouchers_say_why_and_are_retried(tenant_a, tmp_path):
    s = shop(tenant_a)
    shipped(s, sku_line(s, s.tee, 1, "30.00"))
    path = tmp_path / "r.beancount"
    conn = beancount_target(tenant_a, path)
    bad = {i["local_key"] for i in items(tenant_a, conn)}.pop()
    map_all(tenant_a, conn, name=lambda code: "not a beancount name" if code == bad else beancount_name(code))
    done = run(tenant_a, conn)
    assert done["refused"] >= 1, done
    refused = results(tenant_a, conn, status="refused")
    assert refused and all("not a beancount account" in r["message"] for r in refused)
    # Fixed mapping, then "retry all refused".
    map_all(tenant_a, conn)
    resp = tenant_a.api.post(f"finance/posting/targets/{conn}/retry", {})
    assert resp.status_code == 202, body(resp)
    assert results(tenant_a, conn, status="refused") == []
    assert all(r["status"] == "posted" for r in results(tenant_a, conn))
    assert len(transactions(path)) == len(results(tenant_a, conn))
    # Nothing refused is left to retry.
    assert tenant_a.api.post(f"finance/posting/targets/{conn}/retry", {}).status_code == 409
    one = results(tenant_a, conn)[0]
    assert tenant_a.api.post(f"finance/posting/results/{one['id']}/retry").status_code == 409


@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
def test_a_send_interrupted_after_the_write_is_found_not_sent_again(tenant_a, tmp_path, monkeypatch):
    """The worker died in the call (the row kept its uncertain mark): the next run asks the
    target first and finds the voucher there."""
    from sqlalchemy import select

    from core.db import session
    from core.finance import posting
    from core.finance.posting_models import Posting
    from plugins.accounting.beancount.client import LedgerFile

    s = shop(tenant_a)
    shipped(s, sku_line(s, s.tee, 1, "30.00"))
    path = tmp_path / "i.beancount"
    conn = beancount_target(tenant_a, path)
    map_all(tenant_a, conn)
    original = LedgerFile.append
    calls = {"n": 0}

    def dies_after_writing(self, text):
        original(self, text)
        calls["n"] += 1
        if calls["n"] == 1:
            raise SystemExit("worker killed after the write")  # not an Exception: nothing records a result

    monkeypatch.setattr(LedgerFile, "append", dies_after_writing)
    resp = tenant_a.api.post(f"finance/posting/targets/{conn}/runs", {"start_date": START})
    assert resp.status_code == 202
    with tenant_a.scope():
        rows = list(session.execute(select(Posting)).scalars())
        assert [r.uncertain for r in rows].count(True) == 1, "the send was marked before it went out"
    assert len(transactions(path)) == 1
    monkeypatch.setattr(LedgerFile, "append", original)
    with tenant_a.scope():  # what the job's next attempt does
        posting.execute(uuid.UUID(body(resp)["id"]))
    posted = results(tenant_a, conn)
    assert posted and all(r["status"] == "posted" for r in posted)
    refs = [t.meta["ref"] for t in transactions(path)]
    assert sorted(refs) == sorted(r["reference"] for r in posted), "a voucher was written twice or not at all"
    found = [r for r in posted if "interrupted" in r["message"]]
    assert len(found) == 1


@pytest.mark.parametrize("kind", ["customer"])
def test_a_target_without_that_mapping_kind_refuses_it(tenant_a, tmp_path, kind):
    conn = beancount_target(tenant_a, tmp_path / "k.beancount")
    resp = tenant_a.api.put(
        f"finance/posting/targets/{conn}/mappings",
        {"mappings": [{"kind": kind, "local_key": str(uuid.uuid4()), "external_code": "X"}]},
    )
    assert resp.status_code == 422


def pull(tenant: Any, conn: str) -> dict[str, Any]:
    """Start a requisition pull (202, a job) and read the job back; the test worker runs it
    as the request commits."""
    started = tenant.api.post(f"finance/posting/targets/{conn}/requisitions", {"since": TODAY})
    assert started.status_code == 202, body(started)
    assert body(started)["kind"] == "finance.pull_requisitions"
    got = tenant.api.get(f"jobs/{body(started)['job_id']}")
    assert got.status_code == 200, body(got)
    return body(got)


def test_kingdee_purchase_requisitions_become_stocking_requests_once(tenant_a, tenant_b):
    """The purchase-plan pull: approved requisition lines on Kingdee's emulator become stocking
    requests through purchasing, each once; lines whose material is not mapped are kept as
    skipped with the reason; a draft requisition is not pulled."""
    from datetime import timedelta

    import httpx

    from core import connections
    from core.plugins import registry

    s = shop(tenant_a)
    emulator = registry().emulators["kingdee"]
    base = "http://kingdee-pull.test"
    connections.route(base, transport=httpx.WSGITransport(app=emulator))
    try:
        created = tenant_a.api.post(
            "connections",
            {
                "kind": "accounting",
                "plugin": "kingdee",
                "display_name": "Kingdee pull",
                "settings": emulator.connection_settings(base),
            },
        )
        assert created.status_code == 201, body(created)
        conn = body(created)["id"]
        soon = (date.today() + timedelta(days=20)).isoformat()
        number = emulator.add_requisition(
            [("TEE-01", 120, soon, "CK001"), ("CAP-01", 40, soon, "CK001")], applied=TODAY
        )
        emulator.add_requisition([("TEE-01", 999, soon, "CK001")], applied=TODAY, status="A")  # a draft
        mapped = tenant_a.api.put(
            f"finance/posting/targets/{conn}/mappings",
            {
                "mappings": [
                    {"kind": "material", "local_key": str(s.tee), "external_code": "TEE-01"},
                    # FStockId is a warehouse (BD_STOCK): the warehouse mapping, not the department's.
                    {"kind": "department", "local_key": str(s.wh), "external_code": "SZ"},
                    {"kind": "warehouse", "local_key": str(s.wh), "external_code": "CK001"},
                ]
            },
        )
        assert mapped.status_code == 200, body(mapped)
        job = pull(tenant_a, conn)
        assert job["status"] == "succeeded" and job["queue"] == "finance", job
        assert job["progress"] == 100
        assert job["result"] == {"requests_created": 1, "skipped": 1, "lines_pulled": 2}
        pulled = body(tenant_a.api.get(f"finance/posting/targets/{conn}/requisitions"))
        rows = {r["material"]: r for r in pulled}
        assert set(rows) == {"TEE-01", "CAP-01"} and all(r["number"] == number for r in rows.values())
        assert rows["TEE-01"]["status"] == "created" and rows["CAP-01"]["status"] == "skipped"
        assert "material CAP-01" in rows["CAP-01"]["reason"]
        got = tenant_a.api.get(f"stocking-requests/{rows['TEE-01']['stocking_request_id']}")
        assert got.status_code == 200, (rows, body(got))
        request = body(got)
        assert request["quantity"] == 120 and request["sku_id"] == str(s.tee) and request["warehouse_id"] == str(s.wh)
        assert request["needed_by"] == soon
        # Run twice: the second job finds every line pulled, and creates nothing.
        again = pull(tenant_a, conn)
        assert again["id"] != job["id"] and again["result"] == {"requests_created": 0, "skipped": 0, "lines_pulled": 0}
        listed = body(tenant_a.api.get(f"finance/posting/targets/{conn}/requisitions"))
        assert len(listed) == 2
        assert len(body(tenant_a.api.get("stocking-requests?per_page=100"))) == 1
        # The same job run again (a retry after a crash before its result was kept) too.
        from core.finance import posting_pull

        with tenant_a.scope():
            assert posting_pull.pull_requisitions(uuid.UUID(conn), date.fromisoformat(TODAY)) == []
        assert tenant_b.api.get(f"finance/posting/targets/{conn}/requisitions").status_code == 404
    finally:
        connections.unroute(base)


def test_a_target_that_cannot_be_reached_is_a_502_naming_it(tenant_a, tmp_path):
    created = tenant_a.api.post(
        "connections",
        {
            "kind": "accounting",
            "plugin": "kingdee",
            "display_name": "Kingdee nowhere",
            "settings": {
                "base_url": "http://127.0.0.1:9/k3cloud/",
                "acct_id": "x",
                "user_name": "u",
                "app_id": "1_2",
                "app_secret": "s",
            },
        },
    )
    assert created.status_code == 201, body(created)
    conn = body(created)["id"]
    codes = tenant_a.api.get(f"finance/posting/targets/{conn}/codes?kind=account")
    assert codes.status_code == 502 and "Kingdee nowhere" in body(codes)["message"]
    # The pull is a job: it fails naming the connection, and is tried again later.
    job = pull(tenant_a, conn)
    assert job["status"] in ("retrying", "failed") and "Kingdee nowhere" in job["error"], job
    beancount = beancount_target(tenant_a, tmp_path / "n.beancount")
    assert tenant_a.api.post(f"finance/posting/targets/{beancount}/requisitions", {"since": TODAY}).status_code == 409
