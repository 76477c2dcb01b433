"""Helpers for the review tests: a small real project, suggestions as test data, logins, a live server."""

from __future__ import annotations

import re
import socket
import threading
import time
from dataclasses import dataclass, field

import numpy as np

from combcoder.segment import Segmenter
from combcoder.store import add_coder, add_document, add_member, create_project, register_model_version

PASSWORD = "a long test password"

CLINIC = """Interviewer: How do you manage your tablets at home?

P1: My daughter sorts them into a box every Sunday, otherwise I would forget half of them.

P2: The pharmacy keeps changing the brand so I never know which pill is which.

Interviewer: Mm.

P1: I get so out of breath on the stairs that I can't get to the clinic on the second floor.

P2: <script>alert("owned")</script> is what my grandson typed into the portal, and it still let him in.

P3: The nurse phoned me every week and that made me feel I could ask anything.
"""

WARD = """Interviewer: What helps on the ward?

N1: We have no time at discharge to go through the medicines properly with families.

N2: The heart failure nurse runs a clinic that patients trust, they come back because of her.

N1: Some patients simply don't believe the tablets work, so they stop them when they feel fine.
"""


@dataclass
class Project:
    """The test project: its id, coders by name, codable utterance keys in document order."""

    store: object
    id: int
    coders: dict
    keys: list[str]
    texts: dict[str, str] = field(default_factory=dict)


def build_project(store, tmp_path, name: str = "clinic") -> Project:
    """Ingest two transcripts (really read and segmented) and add coders: ada (admin), cody
    (assisted member), bea (blind member), olga (coder, not a member)."""
    from combcoder.ingest import read_document
    from combcoder.store.models import Utterance
    from sqlalchemy import select

    row = create_project(store, name)
    for doc_id, text, group in (("clinic", CLINIC, "patients"), ("ward", WARD, "nurses")):
        path = tmp_path / f"{doc_id}.txt"
        path.write_text(text, encoding="utf-8")
        document = read_document(path, doc_id=doc_id, group=group, source_type="focus_group")
        add_document(store, row.id, document, Segmenter().segment(document))
    coders = {
        "ada": add_coder(store, "ada", PASSWORD, "admin"),
        "cody": add_coder(store, "cody", PASSWORD, "coder"),
        "bea": add_coder(store, "bea", PASSWORD, "coder"),
        "olga": add_coder(store, "olga", PASSWORD, "coder"),
    }
    add_member(store, name, "cody", "assisted")
    add_member(store, name, "bea", "blind")
    with store.reading() as session:
        rows = session.execute(
            select(Utterance.key, Utterance.text).where(Utterance.project_id == row.id, Utterance.codable.is_(True))
            .order_by(Utterance.document_id, Utterance.position)
        ).all()
    return Project(store, row.id, coders, [k for k, _ in rows], dict(rows))


def add_suggestions(store, project_id: int, rows: dict[str, tuple[str, float, str, np.ndarray | None]],
                    version: str = "synthetic-v1") -> int:
    """Store suggestions with chosen scores and embeddings (test data, like a model's output)."""
    from combcoder.records import DOMAINS
    from combcoder.store.models import Project as ProjectRow
    from combcoder.store.models import Suggestion, Utterance
    from sqlalchemy import select

    model_id = register_model_version(store, version, "synthetic")
    with store.writing() as session:
        ids = dict(session.execute(select(Utterance.key, Utterance.id).where(Utterance.project_id == project_id)).all())
        for key, (domain, score, polarity, vector) in rows.items():
            second = DOMAINS[(DOMAINS.index(domain) + 1) % len(DOMAINS)]
            session.add(Suggestion(
                utterance_id=ids[key], model_version_id=model_id, domain=domain, domain_score=score,
                polarity=polarity, polarity_score=0.7,
                top=[{"domain": domain, "score": score}, {"domain": second, "score": round(1 - score, 4)}],
                embedding=None if vector is None else np.asarray(vector, dtype=np.float32).tobytes(),
            ))
        session.get(ProjectRow, project_id).active_model_id = model_id
    return model_id


def unit(*values: float) -> np.ndarray:
    v = np.zeros(8, dtype=np.float32)
    v[: len(values)] = values
    return v / np.linalg.norm(v)


def login(client, name: str, password: str = PASSWORD):
    """Log in through the real form; set the session's CSRF token as the client's default header."""
    page = client.get("/login")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    response = client.post("/login", data={"name": name, "password": password, "csrf_token": csrf, "next": "/"},
                           follow_redirects=False)
    assert response.status_code == 303, response.text
    client.headers["X-CSRF-Token"] = client.get("/api/session").json()["csrf_token"]
    return client


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    """A real uvicorn server on 127.0.0.1 in a thread, for browsers and concurrent clients."""

    def __init__(self, app):
        import uvicorn

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning",
                                                    lifespan="on"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self):
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc):
        self.server.should_exit = True
        self.thread.join(30)
