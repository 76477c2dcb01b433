"""Twenty coders deciding at once against a real uvicorn server: every accepted write is in the
history exactly as acknowledged, none was made on a stale view (those got 409), nothing is lost."""

from __future__ import annotations

import random
import re
import threading
from collections import defaultdict

import httpx
import pytest

from combcoder.records import DOMAINS
from combcoder.review import create_app
from combcoder.store import add_coder, add_member, history

from review_helpers import PASSWORD, LiveServer, add_suggestions, build_project, unit

CODERS = 20
ROUNDS = 5


def _login(client: httpx.Client, name: str) -> None:
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text).group(1)
    response = client.post("/login", data={"name": name, "password": PASSWORD, "csrf_token": csrf, "next": "/"})
    assert response.status_code in (200, 303)
    client.headers["X-CSRF-Token"] = client.get("/api/session").json()["csrf_token"]


@pytest.mark.slow
def test_twenty_coders_at_once_lose_nothing(store, tmp_path):
    project = build_project(store, tmp_path)
    add_suggestions(store, project.id, {k: ("none", 0.3 + 0.05 * i, "neutral", unit(1, i))
                                        for i, k in enumerate(project.keys)})
    names = [f"coder{i:02d}" for i in range(CODERS)]
    for name in names:
        add_coder(store, name, PASSWORD, "coder")
        add_member(store, "clinic", name, "assisted")
    hot = project.keys[:2]  # everyone fights over these two
    accepted: list[tuple[dict, int | None]] = []
    conflicts: list[str] = []
    errors: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(CODERS)
    api = f"/api/projects/{project.id}"

    def coder(name: str, seed: int) -> None:
        rng = random.Random(seed)
        try:
            with httpx.Client(base_url=server.url, timeout=60) as client:
                _login(client, name)
                start.wait()
                for _ in range(ROUNDS):
                    key = rng.choice(hot)
                    for _attempt in range(2):
                        base = client.get(f"{api}/utterances/{key}").json()["token"]
                        body = {"utterance": key, "domain": rng.choice(DOMAINS[:-1]),
                                "polarity": rng.choice(["barrier", "facilitator"]), "base": base}
                        response = client.post(f"{api}/annotations", json=body)
                        with lock:
                            if response.status_code == 201:
                                accepted.append((response.json()["annotation"], base))
                                break
                            if response.status_code == 409:
                                conflicts.append(name)
                            else:
                                errors.append(f"{response.status_code} {response.text}")
                    item = client.get(f"{api}/next", params={"order": "active"}).json()["item"]
                    if item is not None:
                        response = client.post(f"{api}/annotations", json={
                            "utterance": item["utterance"]["key"], "action": "accept", "base": item["token"]})
                        with lock:
                            if response.status_code == 201:
                                accepted.append((response.json()["annotation"], item["token"]))
                            elif response.status_code == 409:
                                conflicts.append(name)
                            else:
                                errors.append(f"{response.status_code} {response.text}")
        except Exception as exc:  # surfaced by the assertion below, with the coder's name
            with lock:
                errors.append(f"{name}: {type(exc).__name__}: {exc}")

    with LiveServer(create_app(store)) as server:
        threads = [threading.Thread(target=coder, args=(n, i)) for i, n in enumerate(names)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(240)
    assert errors == []
    assert conflicts, "the coders never collided, so the test proved nothing"
    rows = {r.id: r for r in history(store, project.id)}
    acknowledged = {a["id"]: a for a, _ in accepted}
    assert len(acknowledged) == len(accepted)  # every 201 got its own row id
    assert set(rows) == set(acknowledged)  # nothing lost, nothing extra
    for row_id, a in acknowledged.items():
        r = rows[row_id]
        assert (r.coder, r.utterance, r.kind, r.domain, r.polarity, r.supersedes) == (
            a["coder"], a["utterance"], a["kind"], a["domain"], a["polarity"], a["supersedes"])
    # Every accepted write was based on the newest row of its utterance: none overwrote unseen work.
    by_utterance = defaultdict(list)
    for r in sorted(rows.values(), key=lambda r: r.id):
        by_utterance[r.utterance].append(r.id)
    base_of = {a["id"]: base for a, base in accepted}
    for ids in by_utterance.values():
        assert [base_of[i] for i in ids] == [None] + ids[:-1]
    # Each coder's rows on an utterance form one chain through ``supersedes``.
    chains = defaultdict(list)
    for r in sorted(rows.values(), key=lambda r: r.id):
        chains[(r.coder, r.utterance)].append(r)
    for chain in chains.values():
        assert [r.supersedes for r in chain] == [None] + [r.id for r in chain[:-1]]
