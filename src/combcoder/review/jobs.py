"""Background jobs started from the web page: one retrain at a time, in a thread of the server.

The job's row in the store says whether it is running, done or failed, and keeps the retrain
report; its log lines are kept in memory so the admin page can show progress while it runs.
"""

from __future__ import annotations

import threading
from datetime import datetime, timezone
from typing import Any

from ..errors import ConflictError
from ..store.accounts import CoderInfo
from ..store.annotations import iso_utc
from ..store.db import Store
from ..store.models import Job, Project


class RetrainRunner:
    """Runs :func:`combcoder.retrain.retrain` for one project at a time."""

    def __init__(self, store: Store, settings) -> None:
        self.store = store
        self.settings = settings
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self.log: dict[int, list[str]] = {}

    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self, project: Project, coder: CoderInfo) -> int:
        """Record a job and start the retrain; ConflictError if one is already running."""
        with self._lock:
            if self.running():
                raise ConflictError("a retrain is already running: wait for it to finish")
            with self.store.writing() as session:
                job = Job(project_id=project.id, coder_id=coder.id, kind="retrain", status="running")
                session.add(job)
                session.flush()
                job_id = job.id
            self.log[job_id] = []
            self._thread = threading.Thread(target=self._run, args=(job_id, project.name), daemon=True,
                                            name=f"retrain-{job_id}")
            self._thread.start()
        return job_id

    def _run(self, job_id: int, project: str) -> None:
        from ..retrain import retrain

        lines = self.log[job_id]
        try:
            report = retrain(self.store, project, config=self.settings.retrain_config,
                             models_root=self.settings.models_root, log=lines.append,
                             **self.settings.retrain_options)
            status, result, error = "done", report.to_dict(), None
        except Exception as exc:  # any failure is shown on the admin page, not lost in a thread
            status, result, error = "failed", None, f"{type(exc).__name__}: {exc}"
        with self.store.writing() as session:
            job = session.get(Job, job_id)
            job.status, job.report, job.error = status, result, error
            job.finished_at = datetime.now(timezone.utc)

    def wait(self, timeout: float | None = None) -> None:
        thread = self._thread
        if thread is not None:
            thread.join(timeout)


def job_dict(job: Job, log: list[str] | None = None) -> dict[str, Any]:
    return {
        "id": job.id, "kind": job.kind, "status": job.status, "report": job.report, "error": job.error,
        "started_at": iso_utc(job.started_at), "finished_at": iso_utc(job.finished_at) if job.finished_at else None,
        "log": (log or [])[-20:],
    }
