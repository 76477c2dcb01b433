"""The review API and pages on SQLite and PostgreSQL: login everywhere, CSRF, escaping, membership,
409 on concurrent edits, blind mode, accept/correct/skip/undo, filters, queue order, progress."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from review_helpers import add_suggestions, unit


def _all_routes(app):
    """Every route, also inside included routers (FastAPI keeps those as wrappers)."""
    for route in app.routes:
        inner = getattr(route, "original_router", None)
        yield from (_all_routes(inner) if inner is not None else [route])


def test_every_route_needs_a_login(app):
    client = TestClient(app)
    public = {("GET", "/login"), ("POST", "/login")}
    checked = 0
    for route in _all_routes(app):
        for method in sorted(getattr(route, "methods", None) or ()):
            if method == "HEAD":
                continue
            path = (route.path.replace("{project_id}", "1").replace("{key:path}", "clinic:t001:u1")
                    .replace("{job_id}", "1").replace("{name}", "review.js"))
            if (method, path) in public:
                continue
            response = client.request(method, path, json={} if method == "POST" else None, follow_redirects=False)
            assert response.status_code in (401, 303), (method, path, response.status_code)
            if response.status_code == 303:
                assert response.headers["location"].startswith("/login?next=")
            checked += 1
    assert checked >= 15
    assert client.get("/static/review.css").status_code == 200  # the login page's stylesheet only
    assert client.get("/static/review.js", follow_redirects=False).status_code == 303


def test_login_needs_the_form_token_and_the_right_password(app, project):
    client = TestClient(app)
    page = client.get("/login")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    forged = client.post("/login", data={"name": "cody", "password": "a long test password", "csrf_token": "x"},
                         follow_redirects=False)
    assert forged.status_code == 403 and "expired" in forged.text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', forged.text).group(1)  # a fresh form
    wrong = client.post("/login", data={"name": "cody", "password": "not the password", "csrf_token": csrf},
                        follow_redirects=False)
    assert wrong.status_code == 401 and "Wrong name or password" in wrong.text
    assert "cc_session" not in client.cookies
    page = client.get("/login?next=//evil.example/x")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    ok = client.post("/login", data={"name": "cody", "password": "a long test password", "csrf_token": csrf,
                                     "next": "//evil.example/x"}, follow_redirects=False)
    assert ok.status_code == 303 and ok.headers["location"] == "/"  # no open redirect
    cookie = ok.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie


def test_repeated_failed_logins_are_throttled(app, project):
    client = TestClient(app)
    for _ in range(10):
        csrf = re.search(r'value="([^"]+)"', client.get("/login").text).group(1)
        client.post("/login", data={"name": "cody", "password": "guess guess guess", "csrf_token": csrf})
    csrf = re.search(r'value="([^"]+)"', client.get("/login").text).group(1)
    blocked = client.post("/login", data={"name": "cody", "password": "a long test password", "csrf_token": csrf})
    assert blocked.status_code == 429


def test_writes_need_the_csrf_token_and_same_origin(client_for, project):
    cody = client_for("cody")
    body = {"utterance": project.keys[0], "domain": "none", "polarity": "neutral", "base": None}
    token = cody.headers.pop("X-CSRF-Token")
    assert cody.post(f"/api/projects/{project.id}/annotations", json=body).status_code == 403
    assert cody.post(f"/api/projects/{project.id}/annotations", json=body,
                     headers={"X-CSRF-Token": "wrong"}).status_code == 403
    assert cody.post(f"/api/projects/{project.id}/annotations", json=body,
                     headers={"X-CSRF-Token": token, "Origin": "http://evil.example"}).status_code == 403
    assert cody.get(f"/api/projects/{project.id}/history").json() == []
    assert cody.post(f"/api/projects/{project.id}/annotations", json=body,
                     headers={"X-CSRF-Token": token}).status_code == 201


def test_logout_ends_the_session(client_for, project):
    cody = client_for("cody")
    csrf = cody.headers["X-CSRF-Token"]
    assert cody.post("/logout", data={"csrf_token": csrf}, follow_redirects=False).status_code == 303
    assert cody.get("/api/session").status_code == 401


def test_transcript_text_is_escaped_on_the_page(client_for, project):
    key = next(k for k in project.keys if "<script>" in project.texts[k])
    page = client_for("cody").get(f"/p/{project.id}", params={"u": key})
    assert page.status_code == 200
    assert "&lt;script&gt;alert(&#34;owned&#34;)&lt;/script&gt;" in page.text
    assert '<script>alert("owned")' not in page.text
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert re.findall(r"<script[^>]*>", page.text) == ['<script src="/static/review.js">']


def test_coders_see_only_projects_they_belong_to(client_for, project):
    olga = client_for("olga")
    assert olga.get("/api/projects").json() == []
    assert olga.get(f"/api/projects/{project.id}/next").status_code == 404
    assert olga.get(f"/p/{project.id}").status_code == 404
    body = {"utterance": project.keys[0], "domain": "none", "polarity": "neutral", "base": None}
    assert olga.post(f"/api/projects/{project.id}/annotations", json=body).status_code == 404
    assert [p["name"] for p in client_for("cody").get("/api/projects").json()] == ["clinic"]
    assert [p["mode"] for p in client_for("ada").get("/api/projects").json()] == ["assisted"]


def test_concurrent_edits_of_one_utterance_get_409_not_an_overwrite(client_for, project):
    cody, ada = client_for("cody"), client_for("ada")
    key = project.keys[0]
    seen_by_cody = cody.get(f"/api/projects/{project.id}/utterances/{key}").json()["token"]
    seen_by_ada = ada.get(f"/api/projects/{project.id}/utterances/{key}").json()["token"]
    assert seen_by_cody is seen_by_ada is None
    first = ada.post(f"/api/projects/{project.id}/annotations",
                     json={"utterance": key, "domain": "opportunity.social", "polarity": "facilitator", "base": None})
    assert first.status_code == 201
    late = cody.post(f"/api/projects/{project.id}/annotations",
                     json={"utterance": key, "domain": "none", "polarity": "neutral", "base": seen_by_cody})
    assert late.status_code == 409
    assert late.json()["current"]["coder"] == "ada" and late.json()["current"]["domain"] == "opportunity.social"
    history = cody.get(f"/api/projects/{project.id}/history", params={"key": key}).json()
    assert [(r["coder"], r["domain"]) for r in history] == [("ada", "opportunity.social")]
    fresh = cody.get(f"/api/projects/{project.id}/utterances/{key}").json()
    assert fresh["others"][0]["coder"] == "ada"
    retry = cody.post(f"/api/projects/{project.id}/annotations",
                      json={"utterance": key, "domain": "none", "polarity": "neutral", "base": fresh["token"]})
    assert retry.status_code == 201


def test_blind_mode_hides_suggestions_and_other_coders(client_for, project, store):
    add_suggestions(store, project.id, {k: ("opportunity.social", 0.9, "barrier", None) for k in project.keys})
    key = project.keys[1]
    cody, bea = client_for("cody"), client_for("bea")
    assert cody.post(f"/api/projects/{project.id}/annotations",
                     json={"utterance": key, "action": "accept", "base": None}).status_code == 201
    view = bea.get(f"/api/projects/{project.id}/utterances/{key}").json()
    assert view["mode"] == "blind" and view["suggestion"] is None and view["others"] == []
    assert view["token"] is None  # cody's row is not even visible as a version
    assert bea.get(f"/api/projects/{project.id}/history").json() == []
    assert bea.get(f"/api/projects/{project.id}/progress").json().get("coded_by_anyone") is None
    assert bea.get(f"/api/projects/{project.id}/next", params={"status": "uncoded"}).status_code == 422
    page = bea.get(f"/p/{project.id}", params={"u": key}).text
    assert "Model suggestion" not in page and "cody" not in page and "data-sugg-domain" not in page
    assert bea.post(f"/api/projects/{project.id}/annotations",
                    json={"utterance": key, "action": "accept", "base": None}).status_code == 422
    saved = bea.post(f"/api/projects/{project.id}/annotations",
                     json={"utterance": key, "domain": "opportunity.physical", "polarity": "barrier", "base": None})
    assert saved.status_code == 201
    assert (saved.json()["annotation"]["mode"], saved.json()["annotation"]["source"]) == ("blind", "manual")
    assisted = cody.get(f"/api/projects/{project.id}/utterances/{key}").json()
    assert assisted["suggestion"]["domain"] == "opportunity.social"
    assert {o["coder"] for o in assisted["others"]} == {"bea"}


def test_accept_correct_skip_and_undo_record_where_labels_came_from(client_for, project, store):
    add_suggestions(store, project.id, {k: ("capability.physical", 0.8, "barrier", None) for k in project.keys})
    cody = client_for("cody")
    api = f"/api/projects/{project.id}"
    k0, k1, k2 = project.keys[:3]
    accepted = cody.post(f"{api}/annotations", json={"utterance": k0, "action": "accept", "base": None}).json()
    assert accepted["annotation"]["source"] == "accepted" and accepted["annotation"]["domain"] == "capability.physical"
    assert accepted["annotation"]["suggestion_id"] is not None
    same = cody.post(f"{api}/annotations", json={"utterance": k1, "domain": "capability.physical",
                                                "polarity": "barrier", "base": None}).json()
    assert same["annotation"]["source"] == "accepted"
    corrected = cody.post(f"{api}/annotations", json={"utterance": k1, "domain": "opportunity.social",
                                                     "polarity": "barrier", "memo": "it's the family",
                                                     "base": same["token"]}).json()
    assert corrected["annotation"]["source"] == "corrected" and corrected["annotation"]["supersedes"] == same["token"]
    skipped = cody.post(f"{api}/annotations", json={"utterance": k2, "action": "skip", "base": None}).json()
    assert skipped["annotation"]["kind"] == "skip"
    undone = cody.post(f"{api}/undo", json={"utterance": k1, "base": corrected["token"]})
    assert undone.status_code == 201
    restored = undone.json()["annotation"]
    assert (restored["domain"], restored["source"]) == ("capability.physical", "undo")
    mine = cody.get(f"{api}/utterances/{k1}").json()["mine"]
    assert (mine["domain"], mine["memo"]) == ("capability.physical", "")
    rows = cody.get(f"{api}/history").json()
    assert len(rows) == 5  # nothing was rewritten: every step is a row
    assert cody.post(f"{api}/annotations", json={"utterance": k0, "action": "adjudicate", "domain": "none",
                                                "polarity": "neutral", "base": accepted["token"]}).status_code == 403
    bad = cody.post(f"{api}/annotations", json={"utterance": k0, "domain": "capability", "polarity": "barrier",
                                               "base": accepted["token"]})
    assert bad.status_code == 422 and "expected one of" in bad.json()["detail"]


def test_filters_and_statuses(client_for, project, store):
    scores = dict(zip(project.keys, [0.95, 0.4, 0.6, 0.3, 0.85, 0.5, 0.7, 0.2], strict=True))
    add_suggestions(store, project.id, {k: ("opportunity.social" if s > 0.55 else "motivation.reflective", s,
                                            "barrier", None) for k, s in scores.items()})
    cody = client_for("cody")
    api = f"/api/projects/{project.id}"

    def walk(**params):
        """Keys in queue order under ``params``, following the queue with ``after``."""
        seen, after = [], None
        while True:
            got = cody.get(f"{api}/next", params={**params, **({"after": after} if after else {})}).json()
            item = got["item"]
            if item is None or item["utterance"]["key"] in seen:
                return seen
            seen.append(item["utterance"]["key"])
            after = item["utterance"]["key"]

    assert walk(status="all") == project.keys
    assert walk(status="all", doc="ward") == [k for k in project.keys if k.startswith("ward:")]
    assert walk(status="all", domain="motivation.reflective") == [k for k, s in scores.items() if s <= 0.55]
    assert walk(status="all", min_conf=0.5, max_conf=0.8) == [k for k, s in scores.items() if 0.5 <= s <= 0.8]
    cody.post(f"{api}/annotations", json={"utterance": project.keys[0], "action": "accept", "base": None})
    cody.post(f"{api}/annotations", json={"utterance": project.keys[1], "action": "skip", "base": None})
    assert walk(status="reviewed") == [project.keys[0]]
    assert walk(status="skipped") == [project.keys[1]]
    first_todo = cody.get(f"{api}/next").json()
    assert first_todo["item"]["utterance"]["key"] == project.keys[2] and first_todo["remaining"] == 6
    progress = cody.get(f"{api}/progress").json()
    assert (progress["total"], progress["reviewed"], progress["skipped"]) == (8, 1, 1)
    assert cody.get(f"{api}/next", params={"order": "random"}).status_code == 422


def test_active_learning_goes_least_confident_first_but_not_to_near_duplicates(client_for, project, store):
    k = project.keys
    # Three near-identical, very uncertain utterances (cluster A), then others spread out.
    rows = {
        k[0]: ("none", 0.30, "neutral", unit(1, 0.02)),
        k[1]: ("none", 0.31, "neutral", unit(1, 0.03)),
        k[2]: ("none", 0.32, "neutral", unit(1, 0.01)),
        k[3]: ("none", 0.45, "neutral", unit(0, 1)),
        k[4]: ("none", 0.50, "neutral", unit(0, 0, 1)),
        k[5]: ("none", 0.90, "neutral", unit(0, 0, 0, 1)),
        k[6]: ("none", 0.95, "neutral", unit(0, 0, 0, 0, 1)),
        k[7]: ("none", 0.97, "neutral", unit(0, 0, 0, 0, 0, 1)),
    }
    add_suggestions(store, project.id, rows)
    cody = client_for("cody")
    api = f"/api/projects/{project.id}"
    order = []
    for _ in range(4):
        item = cody.get(f"{api}/next", params={"order": "active"}).json()["item"]
        order.append(item["utterance"]["key"])
        cody.post(f"{api}/annotations", json={"utterance": order[-1], "action": "accept", "base": item["token"]})
    assert order[0] == k[0]  # least confident first
    assert order[1] in (k[3], k[4])  # then not its near-duplicate, though k[1] is less confident
    assert order[2] in (k[3], k[4]) and order[2] != order[1]
    blind = client_for("bea").get(f"{api}/next", params={"order": "active"}).json()
    assert blind["order"] == "document" and "blind" in blind["note"]


def test_the_queue_gives_concurrent_coders_different_utterances(client_for, project, store):
    add_suggestions(store, project.id, {key: ("none", 0.5, "neutral", unit(1)) for key in project.keys})
    cody, ada = client_for("cody"), client_for("ada")
    a = cody.get(f"/api/projects/{project.id}/next", params={"status": "uncoded"}).json()["item"]["utterance"]["key"]
    b = ada.get(f"/api/projects/{project.id}/next", params={"status": "uncoded"}).json()["item"]["utterance"]["key"]
    assert a != b


def test_pages_render_for_coders_and_admins(client_for, project, store):
    add_suggestions(store, project.id, {k: ("opportunity.social", 0.66, "facilitator", None) for k in project.keys})
    cody, ada = client_for("cody"), client_for("ada")
    page = cody.get(f"/p/{project.id}")
    assert page.status_code == 200 and "Model suggestion" in page.text and "synthetic-v1" in page.text
    assert 'data-key="clinic:' in page.text and "<progress" in page.text
    fragment = cody.get(f"/p/{project.id}/fragment", params={"after": project.keys[0], "status": "all"})
    assert f'data-key="{project.keys[1]}"' in fragment.text and "<html" not in fragment.text
    assert cody.get(f"/p/{project.id}/admin").status_code == 403
    assert "Retrain now" in ada.get(f"/p/{project.id}/admin").text
    assert cody.get("/").status_code == 200 and "clinic" in cody.get("/").text
    bad_filter = cody.get(f"/p/{project.id}", params={"order": "random"})
    assert bad_filter.status_code == 200 and "showing the default queue" in bad_filter.text
