"""Posting vouchers to each accounting target: N vouchers through each adapter against its
emulator, with a baseline of the same requests sent bare in the same run, and the time the
published limits of Xero and QuickBooks Online would impose on the same run.

    .venv/bin/python bench/posting.py --vouchers 10000 [--target kingdee ...]

Throughput: an adapter (in process, through httpx.WSGITransport, pacing and the emulator's
throttling off) posts N three-line vouchers the way core's engine sends them
(`post_like_core`: Kingdee and beancount look each voucher up before posting it; Kingdee then
saves, submits and audits it). Baseline, same run: the exact requests the adapter made,
replayed with a bare httpx client against a fresh emulator of the same kind (its sessions and
tokens carried over), reading the bodies and nothing else; for beancount, the same text
appended and fsynced by hand. The ratio says what the adapter adds over the round trips and
the emulator's own work.

Limits: the same N vouchers to Xero and QBO with pacing on and the emulators enforcing their
published limits (Xero 60 calls a minute, 5,000 a day; QBO 500 a minute), on a VirtualClock,
throttles waited out as the posting job would. Prints the virtual time they took.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx  # noqa: E402

from core.ports import RateLimited, Voucher, VoucherLine  # noqa: E402
from core.testing import VirtualClock, make_context  # noqa: E402
from core.testing.accounting import post_like_core  # noqa: E402
from core.testing.emulator import RecordingTransport  # noqa: E402
from plugins.accounting.beancount.plugin import BeancountTarget  # noqa: E402
from plugins.accounting.kingdee.emulator import KingdeeEmulator  # noqa: E402
from plugins.accounting.kingdee.plugin import KingdeeTarget  # noqa: E402
from plugins.accounting.quickbooks.emulator import QuickBooksEmulator  # noqa: E402
from plugins.accounting.quickbooks.plugin import QuickBooksTarget  # noqa: E402
from plugins.accounting.xero.emulator import XeroEmulator  # noqa: E402
from plugins.accounting.xero.plugin import XeroTarget  # noqa: E402

BASE = "http://accounting-emulator.test"
# target -> (adapter, emulator, codes: receivable, revenue, fee, customer)
TARGETS = {
    "kingdee": (KingdeeTarget, KingdeeEmulator, ("1122", "6001", "6601", "AMZ-US")),
    "quickbooks": (QuickBooksTarget, QuickBooksEmulator, ("84", "79", "90", "58")),
    "xero": (XeroTarget, XeroEmulator, ("610", "200", "404", "")),
    "beancount": (BeancountTarget, None, ("Assets:Receivable:Amazon", "Income:Sales", "Expenses:Fees", "")),
}


def vouchers(name: str, count: int) -> list[Voucher]:
    receivable, revenue, fee, customer = TARGETS[name][2]
    dims = {"customer": customer} if customer else {}
    out = []
    for n in range(count):
        amount = Decimal(100 + n % 900) + Decimal(n % 100) / 100
        cut = (amount * Decimal("0.15")).quantize(Decimal("0.01"))
        ref = f"2026-03/记-{n + 1:05d}"
        out.append(
            Voucher(
                reference=ref,
                number=ref.split("/")[1],
                date=date(2026, 3, 1 + n % 28),
                description=f"Amazon US order {n}",
                currency="CNY",
                lines=(
                    VoucherLine(receivable, amount - cut, Decimal(0), "CNY", "Receivable", dimensions=dims),
                    VoucherLine(fee, cut, Decimal(0), "CNY", "Referral fee"),
                    VoucherLine(revenue, Decimal(0), amount, "CNY", "Sales"),
                ),
            )
        )
    return out


def adapter(name: str, clock: VirtualClock | None = None, pacing: bool = False, throttle: bool = False):
    cls, emulator_cls, _ = TARGETS[name]
    clock = clock or VirtualClock()
    if emulator_cls is None:
        path = Path(tempfile.mkdtemp(prefix="tl-bench-")) / "books.beancount"
        return cls(make_context(cls, {"path": str(path)}, clock=clock)), None, None, path
    emulator = emulator_cls(clock=clock)
    emulator.faults.throttle = throttle
    transport = RecordingTransport(httpx.WSGITransport(app=emulator))
    values = emulator.connection_settings(BASE)
    if "pacing" in {f.name for f in cls.settings}:
        values["pacing"] = pacing
    return cls(make_context(cls, values, transport=transport, clock=clock)), emulator, transport, None


def throughput(name: str, count: int) -> dict[str, float]:
    target, emulator, transport, path = adapter(name)
    batch = vouchers(name, count)
    started = time.perf_counter()
    for v in batch:
        post_like_core(target, v)
    took = time.perf_counter() - started
    if emulator is None:  # beancount: the same text, appended and fsynced by hand
        text = path.read_text(encoding="utf-8")
        chunks = text.split("\n\n")
        bare_path = path.with_name("bare.beancount")
        started = time.perf_counter()
        for chunk in chunks:
            with open(bare_path, "a", encoding="utf-8") as fh:
                fh.write(chunk + "\n\n")
                fh.flush()
                os.fsync(fh.fileno())
        baseline = time.perf_counter() - started
        requests = len(chunks)
    else:
        recorded = list(transport.requests)
        fresh = type(emulator)(clock=emulator.clock)
        fresh.faults.throttle = False
        for attr in ("access_tokens", "sessions"):
            if hasattr(emulator, attr):
                getattr(fresh, attr).update(getattr(emulator, attr))
        bare = httpx.Client(transport=httpx.WSGITransport(app=fresh), base_url=BASE)
        started = time.perf_counter()
        for r in recorded:
            bare.send(bare.build_request(r.method, r.url, headers=r.headers, content=r.content)).read()
        baseline = time.perf_counter() - started
        bare.close()
        requests = len(recorded)
        target_count = {"kingdee": "vouchers", "quickbooks": "entries", "xero": "journals"}[name]
        assert len(getattr(emulator, target_count)) == count, "every voucher once"
    if path is not None:
        assert text.count("\n  ref: ") == count, "every voucher once"
    return {
        "requests": requests,
        "per_s": count / took,
        "baseline_per_s": count / baseline,
        "ratio": took / baseline,
    }


def limited(name: str, count: int) -> dict[str, float]:
    """The run with pacing on and the published limits enforced, on a virtual clock."""
    clock = VirtualClock()
    target, emulator, transport, _ = adapter(name, clock, pacing=True, throttle=True)
    throttles = 0
    for v in vouchers(name, count):
        retried = False
        while True:
            try:
                post_like_core(target, v, uncertain=retried)
                break
            except RateLimited as exc:  # the job waits and tries again, asking first
                throttles += 1
                retried = True
                clock.sleep(exc.retry_after or 60)
    return {"virtual_s": clock.monotonic(), "throttled": throttles, "calls": len(transport.requests)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vouchers", type=int, default=1000)
    parser.add_argument(
        "--limit-vouchers", type=int, default=0, help="vouchers for the limits run (default: --vouchers)"
    )
    parser.add_argument("--target", action="append", choices=sorted(TARGETS))
    parser.add_argument("--limits-only", action="store_true", help="skip the throughput runs")
    args = parser.parse_args()
    names = args.target or list(TARGETS)
    print(f"{args.vouchers} vouchers per target, load average {os.getloadavg()[0]:.1f}")
    print(f"{'target':10} {'requests':>8} {'vouchers/s':>10} {'baseline/s':>10} {'ratio':>6}")
    for name in [] if args.limits_only else names:
        f = throughput(name, args.vouchers)
        print(
            f"{name:10} {f['requests']:8d} {f['per_s']:10.1f} {f['baseline_per_s']:10.1f} {f['ratio']:6.2f}", flush=True
        )
    limit_count = args.limit_vouchers or args.vouchers
    print(f"published limits, virtual clock, {limit_count} vouchers:", flush=True)
    for name in [n for n in names if n in ("xero", "quickbooks")]:
        f = limited(name, limit_count)
        hours = f["virtual_s"] / 3600
        print(
            f"{name:10} {f['virtual_s']:10.0f} s ({hours:.2f} h), {f['calls']} calls, {f['throttled']} throttled",
            flush=True,
        )
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
