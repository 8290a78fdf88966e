"""Carrier adapters over HTTP: buy N labels and track them, against each carrier's emulator.

    .venv/bin/python bench/carriers.py --labels 500 [--carrier fedex ...]

For each carrier an adapter (in process, through httpx.WSGITransport, pacing and the
emulator's throttling off) quotes once, buys N labels for the cheapest service on its first
lane (domestic where it has one: FedEx, UPS and USPS ship US to US, DHL Express US to DE with
customs data), then tracks them all in its batch size.

Baseline, same run: the exact requests the adapter made, replayed with a bare httpx client
against a fresh emulator of the same carrier, reading the bodies and nothing else. The ratio
says what the adapter adds (building the carrier's JSON, mapping answers to labels and
tracking results, base64 and multipart decoding, UPS's GIF-to-PDF conversion) over the HTTP
round trips and the emulator's own work, which it cannot avoid.

Prints, per carrier: requests, labels per second (adapter and baseline), the ratio, tracking
numbers per second, and peak memory (RSS).
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx  # noqa: E402

from core.testing import CarrierContract, CarrierEmulatorHarness  # noqa: E402
from plugins.carriers.dhl.emulator import DHLExpressEmulator  # noqa: E402
from plugins.carriers.dhl.plugin import DHLExpressAdapter  # noqa: E402
from plugins.carriers.fedex.emulator import FedExEmulator  # noqa: E402
from plugins.carriers.fedex.plugin import FedExAdapter  # noqa: E402
from plugins.carriers.ups.emulator import UPSEmulator  # noqa: E402
from plugins.carriers.ups.plugin import UPSAdapter  # noqa: E402
from plugins.carriers.usps.emulator import USPSEmulator  # noqa: E402
from plugins.carriers.usps.plugin import USPSAdapter  # noqa: E402

CARRIERS = {
    "fedex": (FedExAdapter, FedExEmulator),
    "ups": (UPSAdapter, UPSEmulator),
    "dhl": (DHLExpressAdapter, DHLExpressEmulator),
    "usps": (USPSAdapter, USPSEmulator),
}


def harness(name: str) -> CarrierEmulatorHarness:
    adapter_cls, emulator_cls = CARRIERS[name]
    h = CarrierEmulatorHarness(adapter_cls, emulator_cls, label_path="", quote_path="", settings={"pacing": False})
    h.emulator.faults.throttle = False
    return h


def run(name: str, count: int) -> dict[str, float]:
    h = harness(name)
    contract = CarrierContract()
    international = contract.lanes(h.adapter)[0]
    quotes = h.adapter.quote(contract.request("BENCH", international=international))
    service = min(quotes, key=lambda q: q.amount).service
    started = time.perf_counter()
    numbers = []
    for n in range(count):
        request = contract.request(f"BENCH-{n}", international=international, service=service)
        numbers.append(h.adapter.create_label(request).tracking_number)
    labels_s = time.perf_counter() - started
    label_requests = list(h.transport.requests)
    started = time.perf_counter()
    size = h.adapter.track_batch_size
    for start in range(0, len(numbers), size):
        h.adapter.track(numbers[start : start + size])
    track_s = time.perf_counter() - started

    # Baseline: the label requests again, bare, against a fresh emulator of the same carrier.
    fresh = harness(name)
    fresh.emulator.tokens.update(h.emulator.tokens)  # the recorded bearer tokens stay valid
    if hasattr(h.emulator, "payment_tokens"):
        fresh.emulator.payment_tokens |= h.emulator.payment_tokens
    bare = httpx.Client(transport=httpx.WSGITransport(app=fresh.emulator), base_url="http://carrier-emulator.test")
    started = time.perf_counter()
    for r in label_requests:
        response = bare.send(bare.build_request(r.method, r.url, headers=r.headers, content=r.content))
        response.read()
    baseline_s = time.perf_counter() - started
    bare.close()
    return {
        "requests": len(label_requests),
        "labels_per_s": count / labels_s,
        "baseline_per_s": count / baseline_s,
        "ratio": labels_s / baseline_s,
        "tracked_per_s": count / track_s,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--labels", type=int, default=300)
    parser.add_argument("--carrier", action="append", choices=sorted(CARRIERS))
    args = parser.parse_args()
    print(f"{'carrier':8} {'requests':>8} {'labels/s':>9} {'baseline/s':>10} {'ratio':>6} {'tracked/s':>9}")
    for name in args.carrier or list(CARRIERS):
        f = run(name, args.labels)
        print(
            f"{name:8} {f['requests']:8d} {f['labels_per_s']:9.1f} {f['baseline_per_s']:10.1f} "
            f"{f['ratio']:6.2f} {f['tracked_per_s']:9.1f}"
        )
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
