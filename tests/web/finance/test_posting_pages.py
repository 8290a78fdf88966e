"""The posting pages of the portal, in English and Chinese: accounting connections with test
connection, the mapping with unmapped items first, a run with its progress and per-voucher
results, retry of refused vouchers, and on the voucher where it was posted."""

from __future__ import annotations

from tests.core.finance.helpers import shipped, shop, sku_line
from tests.core.finance.test_posting import beancount_name, beancount_target, items, transactions


def test_connect_map_post_and_retry_from_the_portal(tenant_a, tenant_b, portal, tmp_path):
    s = shop(tenant_a)
    shipped(s, sku_line(s, s.tee, 2, "30.00"))
    path = tmp_path / "portal.beancount"
    conn = beancount_target(tenant_a, path, "Books file")
    client = portal(tenant_a, "finance")

    listing = client.text("/finance/posting")
    assert "Books file" in listing and "Test connection" in listing
    tested = client.post(f"/finance/posting/{conn}/test", {"next": f"/finance/posting/{conn}"})
    assert tested.status_code == 302
    assert "answered" in client.text(f"/finance/posting/{conn}")

    page = client.text(f"/finance/posting/{conn}")
    assert "are not mapped" in page and "Not mapped" in page
    listed = items(tenant_a, conn)
    refused_code = listed[0]["local_key"]
    form = {"action": "map"}
    for i in listed:
        bad = i["local_key"] == refused_code
        form[f"code:{i['kind']}:{i['local_key']}"] = "not a name" if bad else beancount_name(i["local_key"])
    assert client.post(f"/finance/posting/{conn}", form).status_code == 302
    assert "are not mapped" not in client.text(f"/finance/posting/{conn}")

    assert client.post(f"/finance/posting/{conn}", {"action": "run", "start_date": "2000-01-01"}).status_code == 302
    page = client.text(f"/finance/posting/{conn}?status=refused")
    assert "Refused" in page and "not a beancount account" in page and "Retry all refused" in page

    form[f"code:account:{refused_code}"] = beancount_name(refused_code)
    assert client.post(f"/finance/posting/{conn}", form).status_code == 302
    assert client.post(f"/finance/posting/{conn}", {"action": "retry_all"}).status_code == 302
    page = client.text(f"/finance/posting/{conn}")
    assert "not a beancount account" not in page and "portal.beancount:" in page
    assert "Done" in page and f"{len(transactions(path))} / " in page  # the runs with their progress
    txns = transactions(path)
    assert txns

    # The voucher page says where it went.
    from tests.core.finance.test_posting import results

    posted = results(tenant_a, conn)
    voucher = client.text(f"/finance/vouchers/{posted[0]['voucher_id']}")
    assert "Posted to" in voucher and posted[0]["external_number"] in voucher

    # In Chinese.
    client.post("/locale", {"locale": "zh_CN", "next": "/finance/posting"})
    zh = client.text("/finance/posting")
    assert "账务过账" in zh and "测试连接" in zh
    assert "过账任务" in client.text(f"/finance/posting/{conn}")

    # The other tenant sees none of it.
    other = portal(tenant_b, "finance")
    assert "Books file" not in other.text("/finance/posting")
    assert other.get(f"/finance/posting/{conn}").status_code == 404


def test_a_viewer_reads_but_cannot_post(tenant_a, portal, tmp_path):
    conn = beancount_target(tenant_a, tmp_path / "v.beancount")
    viewer = portal(tenant_a, "viewer")
    page = viewer.get(f"/finance/posting/{conn}")
    if page.status_code == 200:
        assert "Post vouchers" not in page.get_data(as_text=True)
        assert viewer.post(f"/finance/posting/{conn}", {"action": "run", "start_date": "2000-01-01"}).status_code in (
            302,
            403,
        )
    else:
        assert page.status_code == 403


def test_starting_a_run_says_what_it_is_now_and_shows_it(tenant_a, tenant_b, portal, tmp_path):
    """The message after "Post vouchers" is the run's status once its job was handed over
    (here the inline worker has finished it), not "queued"; the page opens on that run, with
    its job's panel and its row marked, and a run id of another connection shows nothing."""
    from tests.core.finance.test_posting import map_all

    s = shop(tenant_a)
    shipped(s, sku_line(s, s.tee, 2, "30.00"))
    path = tmp_path / "flash.beancount"
    conn = beancount_target(tenant_a, path, "Flash books")
    map_all(tenant_a, conn)
    client = portal(tenant_a, "finance")
    started = client.post(f"/finance/posting/{conn}", {"action": "run", "start_date": "2000-01-01"})
    assert started.status_code == 302
    location = started.headers["Location"]
    run_id = location.split("run=")[1].split("#")[0]
    assert location.endswith(f"#run-{run_id}")
    page = client.text(location.split("#")[0])
    n = len(transactions(path))
    assert n and f"The posting run is done: {n} posted, 0 refused of {n}." in page
    assert "queued" not in page.lower()
    html = client.get(location.split("#")[0]).get_data(as_text=True)
    assert f'id="run-{run_id}" class="selected"' in html and 'class="panel job-live"' in html

    client.post("/locale", {"locale": "zh_CN", "next": f"/finance/posting/{conn}"})
    assert client.post(f"/finance/posting/{conn}", {"action": "run", "start_date": "2000-01-01"}).status_code == 302
    assert "过账任务已完成" in client.text(f"/finance/posting/{conn}")

    # Another tenant's client naming this run sees neither it nor the connection.
    other = portal(tenant_b, "finance")
    assert other.get(f"/finance/posting/{conn}?run={run_id}").status_code == 404


def test_the_run_message_follows_the_runs_status(app):
    from types import SimpleNamespace

    from web.finance.posting import run_message

    def run(status: str, message: str = "") -> SimpleNamespace:
        return SimpleNamespace(status=status, posted=3, refused=1, total=9, message=message)

    with app.test_request_context("/"):
        assert "is queued" in run_message(run("queued"))
        assert "4 of 9 sent so far" in run_message(run("running"))
        assert "done: 3 posted, 1 refused of 9" in run_message(run("done"))
        assert "tries again by itself: QuickBooks throttled" in run_message(run("waiting", "QuickBooks throttled"))
        assert "failed: the token was refused" in run_message(run("failed", "the token was refused"))


def test_the_seller_pulls_kingdee_requisitions_and_sees_the_stocking_requests(tenant_a, portal, tmp_path):
    """The requisitions page starts the pull job, shows its live panel and the lines with the
    stocking requests they became, in English and Chinese; pulling again creates nothing."""
    from datetime import date, timedelta

    import httpx

    from core import connections
    from plugins.accounting.kingdee.emulator import KingdeeEmulator
    from tests.support import body

    s = shop(tenant_a)
    emulator = KingdeeEmulator()  # its own: no requisitions of other tests
    base = "http://kingdee-pull-page.test"
    connections.route(base, transport=httpx.WSGITransport(app=emulator))
    try:
        created = tenant_a.api.post(
            "connections",
            {
                "kind": "accounting",
                "plugin": "kingdee",
                "display_name": "KD page",
                "settings": emulator.connection_settings(base),
            },
        )
        conn = body(created)["id"]
        today = date.today().isoformat()
        soon = (date.today() + timedelta(days=15)).isoformat()
        number = emulator.add_requisition([("TEE-01", 70, soon, "CK001"), ("NOPE-9", 5, soon, "CK001")], applied=today)
        mapped = tenant_a.api.put(
            f"finance/posting/targets/{conn}/mappings",
            {
                "mappings": [
                    {"kind": "material", "local_key": str(s.tee), "external_code": "TEE-01"},
                    {"kind": "warehouse", "local_key": str(s.wh), "external_code": "CK001"},
                ]
            },
        )
        assert mapped.status_code == 200, body(mapped)
        client = portal(tenant_a)
        assert "Purchase requisitions: pull them as stocking requests" in client.text(f"/finance/posting/{conn}")
        page = client.text(f"/finance/posting/{conn}/requisitions")
        assert "Pull requisitions" in page and "Nothing was pulled yet." in page

        started = client.post(f"/finance/posting/{conn}/requisitions/pull", {"since": today})
        assert started.status_code == 302 and "job=" in started.headers["Location"]
        html = client.get(started.headers["Location"]).get_data(as_text=True)
        assert 'class="panel job-live"' in html and "Pull purchase requisitions" in html
        assert "Stocking requests created" in html  # the job's result, labelled
        assert number in html and "Stocking request created" in html and "material NOPE-9" in html
        request_id = next(
            r["stocking_request_id"]
            for r in body(tenant_a.api.get(f"finance/posting/targets/{conn}/requisitions"))
            if r["stocking_request_id"]
        )
        assert f"/purchasing/requests/{request_id}" in html

        again = client.post(f"/finance/posting/{conn}/requisitions/pull", {"since": today})
        assert again.status_code == 302
        assert len(body(tenant_a.api.get(f"finance/posting/targets/{conn}/requisitions"))) == 2
        assert len(body(tenant_a.api.get("stocking-requests?per_page=100"))) == 1

        bad = client.post(f"/finance/posting/{conn}/requisitions/pull", {"since": "not a date"})
        assert bad.status_code == 302
        assert "Give the date to pull requisitions from." in client.text(f"/finance/posting/{conn}/requisitions")

        client.post("/locale", {"locale": "zh_CN", "next": "/finance/posting"})
        zh = client.text(f"/finance/posting/{conn}/requisitions")
        assert "拉取采购申请" in zh and "已创建备货申请" in zh

        viewer = portal(tenant_a, "finance")
        refused = viewer.post(f"/finance/posting/{conn}/requisitions/pull", {"since": today})
        assert refused.status_code == 403
    finally:
        connections.unroute(base)

    books = beancount_target(tenant_a, tmp_path / "r.beancount", "No requisitions")
    assert portal(tenant_a).get(f"/finance/posting/{books}/requisitions").status_code == 404
