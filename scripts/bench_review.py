"""Latency of the review app under 20 concurrent coders, on SQLite and on PostgreSQL.

Starts the real server (`combcoder serve`) in its own process on 127.0.0.1, logs in N coders,
and has each of them do the review loop as fast as it can: ask for the next utterance
(active-learning order, the heavier query) and save a decision based on what it was shown.
Reports p50/p95/p99 of "next item" and "save" per backend, decisions per second, 409s and errors.

The project holds real utterance texts (the seed corpus, cycled) with synthetic suggestions and
embeddings, so the numbers measure the app and the database, not the model.

    python scripts/bench_review.py                     # both backends, 20 coders
    python scripts/bench_review.py --backends sqlite --coders 5 --decisions 10
    python scripts/bench_review.py --pg postgresql://postgres@127.0.0.1:5432/test --json out.json

Loops are bounded (coders x decisions requests each way) and only 127.0.0.1 is contacted.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import ExitStack
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
PASSWORD = "benchmark password only"


def _seed_texts() -> list[str]:
    texts = []
    for path in sorted((REPO / "data" / "seed").glob("*.jsonl")):
        texts += [json.loads(line)["text"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return texts


def build_store(url: str, utterances: int, coders: int, seed: int = 0) -> int:
    """Create a project with ``utterances`` codable utterances, suggestions and coders; return its id."""
    from combcoder import records
    from combcoder.records import DOMAINS, POLARITIES
    from combcoder.store import add_coder, add_document, add_member, create_project, open_store, register_model_version
    from combcoder.store.models import Project, Suggestion, Utterance

    rng = np.random.default_rng(seed)
    texts = _seed_texts()
    with open_store(url) as store:
        project = create_project(store, "bench")
        per_doc = 50
        for d in range(0, utterances, per_doc):
            chunk = [texts[(d + i) % len(texts)] for i in range(min(per_doc, utterances - d))]
            doc_id = f"doc{d // per_doc:04d}"
            text, units, pos = "", [], 0
            for i, t in enumerate(chunk):
                start = len(text)
                text += t + "\n\n"
                units.append(records.Utterance(f"{doc_id}:t{i:03d}:u1", doc_id, i, start, start + len(t), t,
                                               speaker=f"P{i % 5 + 1}", role="participant", group="bench"))
                pos += 1
            document = records.Document(doc_id, f"{doc_id}.txt", text, [], group="bench", source_type="focus_group")
            add_document(store, project.id, document, units)
        model_id = register_model_version(store, "bench-synthetic", "synthetic")
        with store.writing() as session:
            ids = session.scalars(
                Utterance.__table__.select().with_only_columns(Utterance.id).where(Utterance.project_id == project.id)
            ).all()
            probs = rng.dirichlet(np.ones(len(DOMAINS)) * 0.6, size=len(ids))
            vectors = rng.normal(size=(len(ids), 384)).astype(np.float32)
            vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
            for uid, p, v in zip(ids, probs, vectors, strict=True):
                order = np.argsort(-p)
                session.add(Suggestion(
                    utterance_id=uid, model_version_id=model_id, domain=DOMAINS[order[0]],
                    domain_score=float(p[order[0]]), polarity_score=0.6,
                    polarity="neutral" if DOMAINS[order[0]] == "none" else POLARITIES[int(rng.integers(3))],
                    top=[{"domain": DOMAINS[k], "score": round(float(p[k]), 4)} for k in order[:3]],
                    embedding=v.tobytes(),
                ))
            session.get(Project, project.id).active_model_id = model_id
        for i in range(coders):
            add_coder(store, f"coder{i:02d}", PASSWORD, "coder")
            add_member(store, "bench", f"coder{i:02d}", "assisted")
        return project.id


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(url: str, port: int) -> subprocess.Popen:
    combcoder = Path(sys.executable).with_name("combcoder")
    command = [str(combcoder), "serve", "--db", url, "--port", str(port)]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    import httpx

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/login", timeout=2).status_code == 200:
                return server
        except httpx.HTTPError:
            time.sleep(0.2)
        if server.poll() is not None:
            raise RuntimeError(f"server exited: {server.stderr.read().decode()[-2000:]}")
    server.terminate()
    raise RuntimeError("server did not start within 60 s")


def run_coders(base: str, project_id: int, coders: int, decisions: int, order: str, think: float = 0.0) -> dict:
    import random

    import httpx

    lock = threading.Lock()
    next_ms: list[float] = []
    save_ms: list[float] = []
    counts = {"saved": 0, "conflicts": 0, "errors": 0, "empty": 0}
    errors: list[str] = []
    conflicts: list[str] = []
    ready = threading.Barrier(coders + 1)

    def coder(i: int) -> None:
        with httpx.Client(base_url=base, timeout=120) as client:
            page = client.get("/login").text
            csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
            client.post("/login", data={"name": f"coder{i:02d}", "password": PASSWORD, "csrf_token": csrf})
            client.headers["X-CSRF-Token"] = client.get("/api/session").json()["csrf_token"]
            ready.wait()
            pause = random.Random(i)
            for _ in range(decisions):
                if think:
                    time.sleep(think * pause.uniform(0.5, 1.5))  # a person reading the utterance
                t0 = time.perf_counter()
                response = client.get(f"/api/projects/{project_id}/next", params={"order": order})
                t1 = time.perf_counter()
                item = response.json().get("item") if response.status_code == 200 else None
                if item is None:
                    with lock:
                        counts["empty" if response.status_code == 200 else "errors"] += 1
                    continue
                saved = client.post(f"/api/projects/{project_id}/annotations", json={
                    "utterance": item["utterance"]["key"], "action": "accept", "base": item["token"]})
                t2 = time.perf_counter()
                with lock:
                    next_ms.append((t1 - t0) * 1000)
                    save_ms.append((t2 - t1) * 1000)
                    if saved.status_code == 201:
                        counts["saved"] += 1
                    elif saved.status_code == 409:
                        counts["conflicts"] += 1
                        conflicts.append(f"coder{i:02d} {item['utterance']['key']} base={item['token']}: "
                                         f"{saved.json()['current']}")
                    else:
                        counts["errors"] += 1
                        errors.append(f"{saved.status_code} {saved.text[:200]}")

    threads = [threading.Thread(target=coder, args=(i,)) for i in range(coders)]
    for t in threads:
        t.start()
    ready.wait()
    started = time.perf_counter()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started

    def stats(values: list[float]) -> dict:
        a = np.array(values)
        return {"n": len(a), "p50_ms": round(float(np.percentile(a, 50)), 1),
                "p95_ms": round(float(np.percentile(a, 95)), 1), "p99_ms": round(float(np.percentile(a, 99)), 1),
                "mean_ms": round(float(a.mean()), 1)} if len(a) else {"n": 0}

    return {"next_item": stats(next_ms), "save": stats(save_ms), **counts,
            "decisions_per_s": round(counts["saved"] / elapsed, 1), "seconds": round(elapsed, 1),
            "error_samples": errors[:3], "conflict_samples": conflicts[:3]}


def bench_backend(backend: str, args) -> dict:
    from combcoder.store.db import scratch_schema

    with ExitStack() as stack:
        if backend == "sqlite":
            folder = stack.enter_context(tempfile.TemporaryDirectory(prefix="combcoder-bench-"))
            url = str(Path(folder) / "bench.db")
        else:
            url = stack.enter_context(scratch_schema(args.pg))
        project_id = build_store(url, args.utterances, args.coders)
        port = _free_port()
        server = start_server(url, port)
        try:
            result = run_coders(f"http://127.0.0.1:{port}", project_id, args.coders, args.decisions, args.order,
                                args.think)
        finally:
            server.terminate()
            try:
                server.wait(20)
            except subprocess.TimeoutExpired:
                server.kill()
        return {"backend": backend, "coders": args.coders, "decisions_per_coder": args.decisions,
                "utterances": args.utterances, "order": args.order, "think_s": args.think, **result}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backends", default="sqlite,postgresql", help="comma-separated: sqlite, postgresql")
    parser.add_argument("--pg", default=os.environ.get("COMBCODER_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test"),
                        help="PostgreSQL database; the benchmark works in a scratch schema it drops afterwards")
    parser.add_argument("--coders", type=int, default=20, help="concurrent coders")
    parser.add_argument("--decisions", type=int, default=25, help="next+save cycles per coder")
    parser.add_argument("--utterances", type=int, default=2000, help="codable utterances in the project")
    parser.add_argument("--order", default="active", choices=["active", "document"], help="queue order")
    parser.add_argument("--think", type=float, default=0.0,
                        help="mean seconds a coder reads before each decision (0: back-to-back, the worst case)")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    results = []
    for backend in [b.strip() for b in args.backends.split(",") if b.strip()]:
        print(f"benchmarking {backend} ...", file=sys.stderr)
        results.append(bench_backend(backend, args))
    print(f"\n{'backend':11} {'op':10} {'n':>5} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}   decisions/s  409s  errors")
    for r in results:
        for op in ("next_item", "save"):
            s = r[op]
            extra = f"   {r['decisions_per_s']:>11} {r['conflicts']:>5} {r['errors']:>7}" if op == "save" else ""
            print(f"{r['backend']:11} {op:10} {s['n']:>5} {s.get('p50_ms', 0):>8} {s.get('p95_ms', 0):>8} "
                  f"{s.get('p99_ms', 0):>8}{extra}")
    print(f"\n{args.coders} coders x {args.decisions} decisions, {args.utterances} utterances, {args.order} order, "
          f"think time {args.think} s; "
          f"machine: {os.cpu_count()} CPUs")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
