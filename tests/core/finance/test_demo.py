"""The embedded demo (SQLite, in-process jobs) keeps books: its business events become
vouchers, and the books prove themselves."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]

RUN = """
import json, sys
from sqlalchemy import func, select
from core.app import create_app
from core.db import db, session
from core.events import EventDelivery, dispatcher
from core.migrate import upgrade
from core.demo import seed_demo
from core.finance.models import Voucher
from core.finance.service.verify import verify
from core.fx.models import ExchangeRate
from tests.support import scope

app = create_app({"MOUNT_EMULATORS": True, "REDIS_URL": None})
upgrade(db.require_engine(), app_role=app.config["DATABASE_APP_ROLE"])
tenant_id, created = seed_demo("demo@tradelane.local", "tradelane-demo", base_url=sys.argv[1])
dispatcher().wait_idle(120)
with scope(tenant_id):
    posted = session.execute(select(func.count()).select_from(Voucher).where(Voucher.status == "posted")).scalar_one()
    rules = sorted(set(session.execute(select(Voucher.rule)).scalars()))
    waiting = session.execute(
        select(func.count()).select_from(Voucher).where(Voucher.status == "waiting_rate")
    ).scalar_one()
    rates = session.execute(select(func.count()).select_from(ExchangeRate)).scalar_one()
    failed = session.execute(
        select(EventDelivery.handler, EventDelivery.last_error).where(
            EventDelivery.handler.like("finance.%"), EventDelivery.status != "done"
        )
    ).all()
    report = verify()
    print("SUMMARY " + json.dumps({"posted": posted, "rules": rules, "waiting": waiting, "rates": rates,
                                   "failed": [list(f) for f in failed],
                                   "problems": [p.to_json() for p in report.problems
                                                if p.check != "stock accounts equal the stock valuation"]}))
"""


def test_the_demo_books_its_events_on_sqlite(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env |= {"DATABASE_URL": f"sqlite:///{tmp_path / 'tradelane.db'}", "TRADELANE_INSTANCE_DIR": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-c", RUN, "http://127.0.0.1:9"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=400,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    (line,) = [x for x in done.stdout.splitlines() if x.startswith("SUMMARY ")]
    summary = json.loads(line[len("SUMMARY ") :])
    assert summary["failed"] == [], summary["failed"]
    assert summary["posted"] > 0 and "purchase.received" in summary["rules"], summary
    assert summary["problems"] == [], summary["problems"]
    # The first rates are seeded in-process (no server listens at the base URL here), so no
    # foreign-currency voucher is left waiting for a rate.
    assert summary["rates"] > 0 and summary["waiting"] == 0, summary
