"""The AliExpress emulator driven over real HTTP the way AliExpress's own IOP Python SDK calls
the gateway (shared/reference/channels.md §4.1, §4.6): no maintained SDK installs from PyPI, so
this test signs as the SDK's `IopClient.execute` does -- its system parameters (`partner_id`,
`simplify`, `format`, `access_token` rather than `session`), HMAC-SHA256 over the sorted
name+value pairs, uppercase hex -- and posts the form with `requests`, as the SDK does. Nothing
here is shared with the adapter's client."""

import hashlib
import hmac
import json
import time

import requests

from core.testing.channel_server import served
from plugins.channels.aliexpress.emulator import AliExpressEmulator


def execute(server_url, emulator, api, params, *, simplify=False, secret=None):
    """One IOP call as IopClient(server_url, app_key, app_secret).execute(request, access_token)."""
    system = {
        "app_key": emulator.app_key,
        "sign_method": "sha256",
        "timestamp": str(int(round(time.time()))) + "000",
        "partner_id": "iop-sdk-python-20220609",
        "method": api,
        "simplify": "true" if simplify else "false",
        "format": "json",
        "access_token": emulator.access_token,
    }
    signed = {**system, **params}
    text = ("" if "/" not in api else api) + "".join(f"{k}{signed[k]}" for k in sorted(signed))
    key = (secret or emulator.app_secret).encode()
    signed["sign"] = hmac.new(key, text.encode(), hashlib.sha256).hexdigest().upper()
    return requests.post(server_url, signed, timeout=10).json()


def test_signed_calls_page_fetch_fulfil_and_update_stock():
    emulator = AliExpressEmulator(seed=6)
    ids = emulator.generate_orders(23)
    with served(emulator) as base_url:
        gateway = f"{base_url}/sync"
        query = {"order_status_list": ["WAIT_SELLER_SEND_GOODS", "PLACE_ORDER_SUCCESS", "IN_CANCEL"], "page_size": 10}
        seen, page, pages = [], 1, 1
        while page <= pages:
            answer = execute(
                gateway,
                emulator,
                "aliexpress.solution.order.get",
                {"param0": json.dumps({**query, "current_page": page})},
            )
            result = answer["aliexpress_solution_order_get_response"]["result"]
            assert result["success"], result
            seen.extend(str(o["order_id"]) for o in result["target_list"]["order_dto"])
            pages, page = result["total_page"], page + 1
        assert pages == 3 and sorted(seen) == sorted(
            i for i in ids if emulator.orders[int(i)]["status"] in query["order_status_list"]
        )

        oid = next(i for i in ids if emulator.orders[int(i)]["status"] == "WAIT_SELLER_SEND_GOODS")
        detail = execute(
            gateway, emulator, "aliexpress.solution.order.info.get", {"param1": json.dumps({"order_id": oid})}
        )
        assert str(detail["aliexpress_solution_order_info_get_response"]["result"]["data"]["id"]) == oid

        fulfilled = execute(
            gateway,
            emulator,
            "aliexpress.solution.order.fulfill",
            {"service_name": "CAINIAO_STANDARD", "logistics_no": "LP0001", "send_type": "all", "out_ref": oid},
        )
        assert fulfilled["aliexpress_solution_order_fulfill_response"]["result"]["result_success"] is True
        assert emulator.orders[int(oid)]["status"] == "WAIT_BUYER_ACCEPT_GOODS"

        product_id, product = next(iter(emulator.products.items()))
        sku = next(iter(product["skus"]))
        updates = [{"product_id": product_id, "multiple_sku_update_list": [{"sku_code": sku, "inventory": 5}]}]
        stock = execute(
            gateway,
            emulator,
            "aliexpress.solution.batch.product.inventory.update",
            {"mutiple_product_update_list": json.dumps(updates)},
        )
        assert stock["aliexpress_solution_batch_product_inventory_update_response"]["update_success"] is True
        assert emulator.quantities()[sku] == 5

        refused = execute(gateway, emulator, "aliexpress.solution.order.get", {"param0": "{}"}, secret="wrong")
        assert refused["error_response"]["code"] == "IncompleteSignature"


def test_simplify_drops_the_wrapper_objects():
    emulator = AliExpressEmulator(seed=6)
    emulator.generate_orders(3)
    with served(emulator) as base_url:
        query = {"param0": json.dumps({"order_status_list": ["WAIT_SELLER_SEND_GOODS"], "page_size": 50})}
        plain = execute(f"{base_url}/sync", emulator, "aliexpress.solution.order.get", query)
        simple = execute(f"{base_url}/sync", emulator, "aliexpress.solution.order.get", query, simplify=True)
    wrapped = plain["aliexpress_solution_order_get_response"]["result"]
    assert "aliexpress_solution_order_get_response" not in simple and simple["request_id"]
    orders = simple["result"]["target_list"]
    assert [o["order_id"] for o in orders] == [o["order_id"] for o in wrapped["target_list"]["order_dto"]]
    lines = orders[0]["product_list"]
    assert lines == wrapped["target_list"]["order_dto"][0]["product_list"]["order_product_dto"]
