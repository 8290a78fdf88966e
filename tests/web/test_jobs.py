"""Jobs: list, filter, live progress, detail with the error, retry."""

from __future__ import annotations

import re

from sqlalchemy import select, update

from core import jobs
from core.db import session, utcnow
from core.messages import Msg
from tests.web.conftest import visible_text

SHOULD_FAIL = {"value": True}


@jobs.job("web-test.import", max_attempts=1)
def import_job(ctx, source: str) -> dict:
    ctx.progress(40, "reading")
    if SHOULD_FAIL["value"]:
        raise RuntimeError(f"the file {source} is not a spreadsheet")
    return {"imported": 3}


def _job(tenant, kind: str = "web-test.import", **args):
    with tenant.scope():
        row = jobs.enqueue(kind, **args)
        job_id = row.id
    return job_id


def _status(tenant, job_id) -> str:
    with tenant.scope():
        return session.execute(select(jobs.Job.status).where(jobs.Job.id == job_id)).scalar_one()


def test_list_filter_and_tenant_isolation(portal, tenant_a, tenant_b):
    SHOULD_FAIL["value"] = True
    failed = _job(tenant_a, source="orders.csv")
    SHOULD_FAIL["value"] = False
    done = _job(tenant_a, source="stock.csv")
    theirs = _job(tenant_b, source="secret-of-b.csv")
    owner = portal(tenant_a)
    body = owner.get("/jobs/").get_data(as_text=True)
    assert str(failed) in body and str(done) in body and str(theirs) not in body
    only_failed = owner.get("/jobs/?status=failed").get_data(as_text=True)
    assert str(failed) in only_failed and str(done) not in only_failed
    assert "the file orders.csv is not a spreadsheet" in visible_text(only_failed)
    assert owner.get(f"/jobs/{theirs}").status_code == 404
    assert owner.get(f"/jobs/{theirs}/row").status_code == 404
    assert owner.post(f"/jobs/{theirs}/retry").status_code == 404
    assert _status(tenant_b, theirs) == "succeeded"


def test_failed_job_shows_its_error_and_can_be_retried(portal, tenant_a):
    SHOULD_FAIL["value"] = True
    job_id = _job(tenant_a, source="orders.csv")
    owner = portal(tenant_a)
    page = owner.text(f"/jobs/{job_id}")
    assert "Failed" in page and "the file orders.csv is not a spreadsheet" in page and "Retry" in page

    SHOULD_FAIL["value"] = False
    resp = owner.post(f"/jobs/{job_id}/retry")
    assert resp.status_code == 302
    page = owner.text(f"/jobs/{job_id}")
    assert "The job is queued again." in page
    assert "Succeeded" in page and "Imported 3" in page
    # Only failed jobs can be retried: the refusal is shown, nothing changes.
    resp = owner.post(f"/jobs/{job_id}/retry")
    assert resp.status_code == 302
    assert "cannot retry job: it is succeeded" in owner.text(f"/jobs/{job_id}")


def test_readers_cannot_retry(portal, tenant_a):
    SHOULD_FAIL["value"] = True
    job_id = _job(tenant_a, source="x.csv")
    viewer = portal(tenant_a, "viewer")
    page = viewer.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert "Retry" not in visible_text(page)
    assert viewer.post(f"/jobs/{job_id}/retry").status_code == 403
    assert _status(tenant_a, job_id) == "failed"


def test_running_jobs_poll_until_they_finish(portal, tenant_a):
    SHOULD_FAIL["value"] = False
    job_id = _job(tenant_a, source="x.csv")
    with tenant_a.scope():
        session.execute(
            update(jobs.Job)
            .where(jobs.Job.id == job_id)
            .values(status="running", progress=40, message="reading", finished_at=None)
        )
    owner = portal(tenant_a)
    row = re.search(rf'<tr id="job-{job_id}"[^>]*>', owner.get("/jobs/").get_data(as_text=True)).group(0)
    assert f'hx-get="/jobs/{job_id}/row"' in row and 'hx-trigger="every 2s"' in row
    fragment = owner.get(f"/jobs/{job_id}/row").get_data(as_text=True)
    assert "40%" in fragment and "reading" in fragment and "hx-trigger" in fragment
    assert "hx-trigger" in owner.get(f"/jobs/{job_id}/status").get_data(as_text=True)
    with tenant_a.scope():
        session.execute(
            update(jobs.Job).where(jobs.Job.id == job_id).values(status="succeeded", progress=100, finished_at=utcnow())
        )
    fragment = owner.get(f"/jobs/{job_id}/row").get_data(as_text=True)
    assert "hx-trigger" not in fragment and "Succeeded" in fragment
    assert "hx-trigger" not in owner.get(f"/jobs/{job_id}/status").get_data(as_text=True)


def test_a_jobs_progress_and_result_read_in_chinese(portal, tenant_a):
    SHOULD_FAIL["value"] = False
    job_id = _job(tenant_a, source="x.csv")
    progress = str(Msg("jobs.sync_page_rejected", page=2, seen=10, created=3, updated=1, rejected=1))
    with tenant_a.scope():
        session.execute(
            update(jobs.Job)
            .where(jobs.Job.id == job_id)
            .values(status="running", progress=40, message=progress, result={"rejected": 1, "status": "waiting"})
        )
    owner = portal(tenant_a)
    owner.post("/locale", {"locale": "zh_CN"})
    assert progress == "page 2: 10 orders, 3 new, 1 updated, 1 rejected"  # stored as English text
    fragment = visible_text(owner.get(f"/jobs/{job_id}/status").get_data(as_text=True))
    assert "第 2 页：10 个订单，新增 3，更新 1，拒绝 1" in fragment, fragment
    assert "page 2" not in fragment
    with tenant_a.scope():
        session.execute(update(jobs.Job).where(jobs.Job.id == job_id).values(status="succeeded", progress=100))
    text = owner.text(f"/jobs/{job_id}")
    assert "被拒订单" in text and "等待中" in text and "Rejected" not in text, text


def test_every_job_kind_has_a_name_for_people(app):
    """A job kind without a label shows its code (finance.post_vouchers) on the jobs pages."""
    from web.labels import JOB_KINDS

    tradelane = [k for k in jobs.registered_kinds() if not jobs.spec(k).func.__module__.startswith("tests.")]
    assert "finance.post_vouchers" in tradelane
    unnamed = [kind for kind in tradelane if kind not in JOB_KINDS]
    assert unnamed == []


@jobs.job("web-test.refused", max_attempts=1)
def refused_job(ctx) -> dict:
    from core.errors import DomainError

    raise DomainError(Msg("catalog.category_code_already_used", code="BAGS"))


def test_a_failed_jobs_error_reads_in_chinese(portal, tenant_a):
    """The error is stored as "core.errors.DomainError: category code BAGS is already used";
    the pages show the service's message in the viewer's language, without the type."""
    job_id = _job(tenant_a, "web-test.refused")
    assert _status(tenant_a, job_id) == "failed"
    owner = portal(tenant_a)
    owner.post("/locale", {"locale": "zh_CN"})
    for page in (f"/jobs/{job_id}", "/jobs/", f"/jobs/{job_id}/row", f"/jobs/{job_id}/live"):
        text = visible_text(owner.get(page).get_data(as_text=True))
        assert "分类编码 BAGS 已被使用" in text, (page, text)
        assert "is already used" not in text and "DomainError" not in text, (page, text)
