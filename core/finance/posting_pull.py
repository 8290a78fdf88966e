"""Purchase requisitions pulled from an accounting target (Kingdee's 采购申请) become stocking
requests in Tradelane, through the purchasing service (docs/accounting.md).

Each requisition line is pulled once (`finance_requisition_pulls`, unique per connection and
line): the target's material and warehouse codes are mapped back through the tenant's mapping
(materials per SKU, the target's warehouses per warehouse: FStockId is a stock location,
BD_STOCK, not a department); a line whose material or warehouse is not mapped, or that
purchasing refuses (a date in the past), is kept as skipped with the reason.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy import select

from core import connections
from core.db import session
from core.errors import Conflict, DomainError
from core.finance import posting
from core.finance.posting_models import RequisitionPull


def pull_query(connection_id: uuid.UUID) -> Any:
    return (
        select(RequisitionPull)
        .where(RequisitionPull.connection_id == connection_id)
        .order_by(RequisitionPull.created_at.desc(), RequisitionPull.id.desc())
    )


def pull_requisitions(connection_id: uuid.UUID, since: date) -> list[RequisitionPull]:
    """Pull the target's approved requisition lines from `since`; returns the lines pulled now."""
    from core.purchasing.service.requests import create_request

    conn = posting.connection(connection_id)
    if not posting.target_class(conn).pulls_requisitions:
        raise Conflict(f"{conn.display_name} keeps no purchase requisitions to pull")
    with connections.using(conn, "accounting", retry=connections.INTERACTIVE_RETRY) as target:
        lines = target.list_requisitions(since)
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
    for line in lines:
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
