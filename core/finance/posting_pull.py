"""Purchase requisitions pulled from an accounting target (Kingdee's 采购申请) become stocking
requests in Tradelane, through the purchasing service (docs/accounting.md).

A pull runs as the job `finance.pull_requisitions` on the `finance` queue (`start_pull`), with
its progress on the job; the portal's posting page starts it and shows it live.

Each requisition line is pulled once (`finance_requisition_pulls`, unique per connection and
line; the stocking request and its pull row are written in the job's one transaction, so a
pull run again, or a job retried after a crash, creates nothing twice). The target's material
and warehouse codes are mapped back through the tenant's mapping (materials per SKU, the
target's warehouses per warehouse: FStockId is a stock location, BD_STOCK, not a department);
a line whose material or warehouse is not mapped, or that purchasing refuses (a date in the
past), is kept as skipped with the reason.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy import select

from core import connections
from core.db import session
from core.errors import Conflict, DomainError, ExternalServiceError
from core.finance import posting
from core.finance.posting_models import RequisitionPull
from core.messages import Msg
from core.ports import AdapterError


def pull_query(connection_id: uuid.UUID) -> Any:
    return (
        select(RequisitionPull)
        .where(RequisitionPull.connection_id == connection_id)
        .order_by(RequisitionPull.created_at.desc(), RequisitionPull.id.desc())
    )


JOB = "finance.pull_requisitions"


def _job_key(connection_id: Any) -> str:
    return f"{JOB}:{connection_id}"


def start_pull(connection_id: uuid.UUID, since: date) -> Any:
    """Queue a pull of the target's requisitions from `since` (after commit); a pull of the
    connection still waiting to run is returned instead of a second one. Refused (409) for a
    target that keeps no requisitions or a connection switched off."""
    from core import jobs

    conn = _pulling(connection_id)
    return jobs.enqueue(JOB, dedupe_key=_job_key(conn.id), connection_id=str(conn.id), since=since.isoformat())


def latest_job(connection_id: uuid.UUID) -> Any:
    """The connection's latest pull job (None before any)."""
    from core import jobs

    return session.execute(
        select(jobs.Job)
        .where(jobs.Job.dedupe_key == _job_key(connection_id))
        .order_by(jobs.Job.created_at.desc())
        .limit(1)
    ).scalar_one_or_none()


def _pulling(connection_id: uuid.UUID) -> Any:
    conn = posting.connection(connection_id)
    if not posting.target_class(conn).pulls_requisitions:
        raise Conflict(Msg("finance.keeps_no_purchase_requisitions", display_name=conn.display_name))
    if not conn.enabled:
        raise Conflict(Msg("finance.connection_switched_off", display_name=conn.display_name))
    return conn


def pull_requisitions(connection_id: uuid.UUID, since: date, progress: Any = None) -> list[RequisitionPull]:
    """Pull the target's approved requisition lines from `since` (the job's body); returns the
    lines pulled now. A target that cannot be read raises ExternalServiceError naming it."""
    from core.purchasing.service.requests import create_request

    conn = _pulling(connection_id)
    if progress is not None:
        progress(5, f"reading the requisitions of {conn.display_name}")
    try:
        with connections.using(conn, "accounting") as target:
            lines = target.list_requisitions(since)
    except AdapterError as exc:
        raise ExternalServiceError(
            Msg("finance.requisitions_unreadable", display_name=conn.display_name, detail=connections.describe(exc))
        ) from exc
    seen = set(
        session.execute(
            select(RequisitionPull.external_id).where(
                RequisitionPull.connection_id == conn.id,
                RequisitionPull.external_id.in_([ln.external_id for ln in lines] or [""]),
            )
        ).scalars()
    )
    back: dict[str, dict[str, str]] = {"material": {}, "warehouse": {}}
    for (kind, local), m in posting.mappings(conn.id).items():
        if kind in back:
            back[kind].setdefault(m.external_code, local)
    out = []
    for i, line in enumerate(lines):
        if progress is not None and i % 50 == 0:
            progress(10 + 85 * i // max(len(lines), 1), f"{i} of {len(lines)} requisition lines")
        if line.external_id in seen:
            continue
        row = RequisitionPull(
            connection_id=conn.id,
            external_id=line.external_id[:100],
            number=line.number[:100],
            material=line.material[:200],
            quantity=line.quantity,
            needed_by=line.needed_by,
            status="skipped",
        )
        sku, warehouse = back["material"].get(line.material), back["warehouse"].get(line.warehouse)
        if sku is None or warehouse is None:
            missing = [
                f"material {line.material}" if sku is None else "",
                f"warehouse {line.warehouse}" if warehouse is None else "",
            ]
            row.reason = "not mapped: " + ", ".join(m for m in missing if m)
        else:
            try:
                with session.begin_nested():
                    req = create_request(
                        sku_id=sku,
                        warehouse_id=warehouse,
                        quantity=line.quantity,
                        needed_by=line.needed_by,
                        note=f"{conn.display_name} {line.number}",
                        source="accounting",
                    )
                row.status, row.stocking_request_id = "created", req.id
            except DomainError as exc:
                row.reason = exc.message[:2000]
        session.add(row)
        out.append(row)
    session.flush()
    return out


def pull_summary(lines: list[RequisitionPull]) -> dict[str, Any]:
    """The job's result: what the pull did, in counts."""
    created = sum(1 for r in lines if r.status == "created")
    return {"requests_created": created, "skipped": len(lines) - created, "lines_pulled": len(lines)}
