"""The RQ worker loop of `tradelane worker` (DESIGN §7), which outlives Redis outages.

RQ's own loop retries a lost connection while it waits for work, but not around a job: the
heartbeat it sends while a work horse runs, or the bookkeeping after the horse exits, raises
`redis.ConnectionError`, and `Worker.work()` then logs "unhandled exception, quitting" and
returns as if asked to stop. Here:

- the heartbeat sent while a job runs tolerates Redis being away (the job needs only the
  database; its row has a heartbeat of its own, core.jobs);
- when RQ's loop quits for any reason but a stop request, a new worker is started once Redis
  answers again, after a backoff from 1 to 30 seconds;
- a stop request (SIGTERM, SIGINT) ends the process normally after the current job (a second
  one, at once); anything unforeseen ends it with a non-zero status, for the supervisor
  (systemd, docker, kubernetes) to restart it: see the README's production section.

Jobs Redis lost meanwhile are submitted again by the scheduler's sweep (`core.jobs.recover`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from typing import Any

import redis
from rq import SimpleWorker, Worker
from rq.serializers import JSONSerializer

log = logging.getLogger("tradelane.worker")

MAX_BACKOFF = 30.0
REDIS_ERRORS = (redis.ConnectionError, redis.TimeoutError)


class _Resilient:
    """Mixed into RQ's worker classes."""

    stop_requested = False

    def request_stop(self, signum: Any, frame: Any) -> None:
        self.stop_requested = True
        super().request_stop(signum, frame)  # type: ignore[misc]

    def maintain_heartbeats(self, job: Any, execution: Any) -> None:
        try:
            super().maintain_heartbeats(job, execution)  # type: ignore[misc]
        except REDIS_ERRORS as exc:
            log.warning("Redis is unreachable while job %s runs (%s); the job goes on", job.id, exc)


class TradelaneWorker(_Resilient, Worker):
    """Forks a work horse per job (production)."""


class TradelaneSimpleWorker(_Resilient, SimpleWorker):
    """Runs jobs in its own process (tests)."""


def work(
    backend: Any,
    queues: Iterable[str],
    *,
    burst: bool = False,
    with_scheduler: bool = True,
    simple: bool = False,
) -> None:
    """Serve `queues` until asked to stop (or, with `burst`, until they are empty)."""
    from core.jobs import TIMING

    # Its own connection: blocking reads wait longer than the submitters' timeouts allow.
    connection = redis.Redis.from_url(backend.redis_url, socket_connect_timeout=5, health_check_interval=30)
    cls = TradelaneSimpleWorker if simple else TradelaneWorker
    names = list(queues)
    backoff = 1.0
    while True:
        worker = None
        started = time.monotonic()
        try:
            worker = cls(
                [backend.queue(name, connection) for name in names],
                connection=connection,
                serializer=JSONSerializer,
                # RQ's own job heartbeat: a killed worker's key leaves RQ's registry a minute
                # after its last beat, which frees the ids of the jobs it held (core.jobs).
                job_monitoring_interval=max(1, int(TIMING.heartbeat)),
            )
            worker.work(burst=burst, with_scheduler=with_scheduler)
        except REDIS_ERRORS as exc:
            if burst:
                raise
            log.error("worker: Redis is unreachable (%s)", exc)
        if burst or (worker is not None and worker.stop_requested):
            return
        if time.monotonic() - started > 60:
            backoff = 1.0  # it worked for a while: this is a new outage
        log.error("worker: RQ's loop ended without a stop request; starting again once Redis answers")
        backoff = _wait_for(connection, backoff)


def _wait_for(connection: redis.Redis, backoff: float) -> float:
    """Sleep `backoff` seconds, doubling up to MAX_BACKOFF, until Redis answers a PING.
    Returns the backoff to use after the next failure."""
    while True:
        time.sleep(backoff)
        backoff = min(MAX_BACKOFF, backoff * 2)
        try:
            connection.ping()
            return backoff
        except REDIS_ERRORS as exc:
            log.warning("worker: Redis still unreachable (%s); next try in %.0f s", exc, backoff)
