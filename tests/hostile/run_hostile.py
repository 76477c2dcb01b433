"""Read every hostile file and report what happened; run in a subprocess by the tests.

    python tests/hostile/run_hostile.py FOLDER [FOLDER...]  -> one JSON object on stdout

Each folder has an EXPECTED.json naming its files and readers. Memory: tracemalloc's peak
per file (Python allocations) and the process's peak resident size (VmHWM) after each file.
"""

from __future__ import annotations

import json
import resource
import signal
import sys
import time
import tracemalloc
from pathlib import Path

TIME_LIMIT_S = 60
ADDRESS_LIMIT = 3 * 1024 ** 3  # a runaway reader fails with MemoryError instead of taking the machine


def read(path: Path, reader: str) -> dict:
    from combcoder.errors import InputError

    try:
        if reader == "document":
            from combcoder.ingest import read_document

            document = read_document(path)
            bad = [t.index for t in document.turns
                   if not (0 <= t.start < t.end <= len(document.text)) or not document.text[t.start:t.end].strip()]
            return {"outcome": "ok", "units_read": document.metadata.get("units_read"), "turns": len(document.turns),
                    "text": document.text, "warnings": document.metadata.get("warnings", []), "bad_turns": bad}
        if reader == "qdpx":
            from combcoder.export import read_qdpx

            project, summary = read_qdpx(path)
            buckets = sum(summary.codings.values())
            return {"outcome": "ok", "documents": len(project.documents), "annotations": len(project.annotations),
                    "codings_read": summary.codings_read, "buckets": buckets,
                    "text": "\n".join(d.text for d in project.documents), "warnings": summary.warnings}
        if reader == "manifest":
            from combcoder.ingest import load_manifest

            return {"outcome": "ok", "entries": len(load_manifest(path)), "text": "", "warnings": []}
        raise ValueError(f"unknown reader {reader}")
    except InputError as error:
        return {"outcome": "error", "error_type": type(error).__name__, "message": str(error)}
    except TimeoutError:
        return {"outcome": "timeout"}
    except BaseException as error:  # anything else is a crash the tests report
        return {"outcome": "crash", "error_type": type(error).__name__, "message": str(error)[:500]}


def peak_rss_mb() -> float:
    """Peak resident size of this process. VmHWM, not ru_maxrss: on Linux ru_maxrss keeps the
    parent's peak across fork and exec, so a child of a big pytest process would report it."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _alarm(signum, frame):
    raise TimeoutError


def main(folders: list[str]) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_LIMIT, ADDRESS_LIMIT))
    signal.signal(signal.SIGALRM, _alarm)
    import combcoder.export  # noqa: F401  (imports before measuring)
    import combcoder.ingest  # noqa: F401
    import docx  # noqa: F401

    results = {}
    tracemalloc.start()
    for folder in map(Path, folders):
        expected = json.loads((folder / "EXPECTED.json").read_text(encoding="utf-8"))
        for name, expectation in expected.items():
            tracemalloc.reset_peak()
            started = time.perf_counter()
            signal.alarm(TIME_LIMIT_S)
            try:
                result = read(folder / name, expectation["reader"])
            finally:
                signal.alarm(0)
            result["seconds"] = round(time.perf_counter() - started, 3)
            result["peak_mb"] = round(tracemalloc.get_traced_memory()[1] / 2 ** 20, 1)
            result["rss_after_mb"] = round(peak_rss_mb(), 1)
            results[name] = result
    tracemalloc.stop()
    max_rss_mb = peak_rss_mb()
    json.dump({"results": results, "max_rss_mb": round(max_rss_mb, 1)}, sys.stdout, ensure_ascii=True)


if __name__ == "__main__":
    main(sys.argv[1:])
