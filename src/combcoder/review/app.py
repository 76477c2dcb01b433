"""The review web app (FastAPI): server-rendered pages plus a small JSON API, all behind a login.

``create_app(store)`` builds the app; ``serve`` runs it with uvicorn. Pages are Jinja2 templates
with autoescaping, so transcript text is always shown as text; the one script and stylesheet are
served from this package (no CDN). The Content-Security-Policy allows nothing but this origin.
"""

from __future__ import annotations

from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from ..errors import ConflictError, InputError, NotFoundError, StoreError
from ..records import DOMAINS, POLARITIES
from ..store.accounts import CoderInfo
from ..store.db import Store, open_store
from ..store.models import Project
from . import auth
from .jobs import RetrainRunner
from .views import IndexCache, Leases

HERE = Path(__file__).resolve().parent
STATIC = HERE / "static"
PUBLIC_PATHS = {"/login"}
PUBLIC_STATIC = {"review.css"}  # the login page's stylesheet; everything else needs a session
POLARITY_KEYS = {"barrier": "b", "facilitator": "f", "neutral": "n"}
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                               "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",  # "no-referrer" would make browsers send "Origin: null" on our own forms
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}


@dataclass
class ReviewSettings:
    """How the app runs: cookies, session length and what the Retrain button does."""

    secure_cookies: bool = False
    session_hours: float = 12.0
    models_root: str | None = None
    retrain_config: Any = None  # a config path or TrainConfig for the Retrain button
    retrain_options: dict[str, Any] = field(default_factory=dict)  # holdout, tolerance, device


@dataclass
class ReviewState:
    store: Store
    settings: ReviewSettings
    indexes: IndexCache
    leases: Leases
    throttle: auth.LoginThrottle
    runner: RetrainRunner
    domains: list[dict[str, str]]


class NotLoggedIn(Exception):
    pass


class Forbidden(Exception):
    pass


@dataclass
class Auth:
    coder: CoderInfo
    csrf: str
    token: str


def _domain_labels() -> list[dict[str, str]]:
    """Domain ids with the codebook's labels and definitions (ids alone if it cannot be read)."""
    try:
        from ..codebook import load_codebook

        book = {d.id: d for d in load_codebook().domains}
    except Exception:  # the page still works with bare ids
        book = {}
    out = []
    for i, d in enumerate(DOMAINS, start=1):
        entry = book.get(d)
        out.append({"id": d, "key": str(i), "label": entry.label if entry else d,
                    "definition": " ".join(entry.definition.split()) if entry else ""})
    return out


def create_app(store: Store | str | Path | None = None, settings: ReviewSettings | None = None) -> FastAPI:
    """Build the review app on ``store`` (an open Store, or a URL/path opened and migrated here)."""
    store = store if isinstance(store, Store) else open_store(store)
    settings = settings or ReviewSettings()
    runner = RetrainRunner(store, settings)

    @asynccontextmanager
    async def lifespan(_app: FastAPI):
        yield
        runner.wait()  # let a running retrain finish writing its model and report

    app = FastAPI(title="combcoder review", docs_url=None, redoc_url=None, openapi_url=None, lifespan=lifespan)
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    templates.env.globals.update(DOMAINS=DOMAINS, POLARITIES=POLARITIES, POLARITY_KEYS=POLARITY_KEYS)
    state = ReviewState(
        store=store, settings=settings, indexes=IndexCache(), leases=Leases(), throttle=auth.LoginThrottle(),
        runner=runner, domains=_domain_labels(),
    )
    app.state.review = state
    app.state.templates = templates

    @app.middleware("http")
    async def guard(request: Request, call_next):
        # Cross-site requests are refused before any handler runs (CSRF defence in depth; the
        # token check is in ``require_csrf``).
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            origin = request.headers.get("origin")
            if origin and origin != f"{request.url.scheme}://{request.headers.get('host', '')}":
                return _secure(JSONResponse({"detail": "cross-origin request refused"}, status_code=403))
        return _secure(await call_next(request))

    @app.exception_handler(NotLoggedIn)
    async def not_logged_in(request: Request, _exc: NotLoggedIn):
        if request.url.path.startswith("/api/") or request.method != "GET":
            return JSONResponse({"detail": "log in first"}, status_code=401)
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        from urllib.parse import quote

        return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)

    @app.exception_handler(Forbidden)
    async def forbidden(_request: Request, exc: Forbidden):
        return JSONResponse({"detail": str(exc) or "not allowed"}, status_code=403)

    @app.exception_handler(ConflictError)
    async def conflict(_request: Request, exc: ConflictError):
        return JSONResponse({"detail": str(exc), "current": exc.current}, status_code=409)

    @app.exception_handler(NotFoundError)
    async def not_found(_request: Request, exc: NotFoundError):
        return JSONResponse({"detail": str(exc)}, status_code=404)

    @app.exception_handler(InputError)
    async def bad_input(_request: Request, exc: InputError):
        return JSONResponse({"detail": str(exc)}, status_code=422)

    @app.exception_handler(StoreError)
    async def refused(_request: Request, exc: StoreError):
        return JSONResponse({"detail": str(exc)}, status_code=400)

    @app.get("/static/{name}")
    def static(name: str, request: Request):
        if name not in PUBLIC_STATIC:
            require_login(request)
        path = STATIC / name
        if "/" in name or name.startswith(".") or not path.is_file():
            raise NotFoundError(f"no static file {name!r}")
        return FileResponse(path)

    from .routes import api_router, page_router, public_router

    app.include_router(public_router)
    app.include_router(page_router)
    app.include_router(api_router)

    return app


def _secure(response: Response) -> Response:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


# --- dependencies used by the routes -------------------------------------------------------
def review_state(request: Request) -> ReviewState:
    return request.app.state.review


def require_login(request: Request) -> Auth:
    """The logged-in coder, or NotLoggedIn (a redirect to /login for pages, 401 for the API)."""
    token = request.cookies.get(auth.SESSION_COOKIE)
    found = auth.lookup_session(review_state(request).store, token)
    if found is None:
        raise NotLoggedIn()
    return Auth(found[0], found[1], token)


def require_csrf(request: Request, who: Auth, form_token: str | None = None) -> None:
    if not auth.tokens_match(request.headers.get(auth.CSRF_HEADER) or form_token, who.csrf):
        raise Forbidden("missing or wrong CSRF token: reload the page")


def project_access(request: Request, project_id: int, who: Auth) -> tuple[Project, str]:
    """The project and the coder's mode in it; 404 when they may not see it (its existence included).

    Admins may open every project (assisted unless a membership says blind).
    """
    from sqlalchemy import and_, select

    from ..store.models import Membership

    with review_state(request).store.reading() as session:
        row = session.execute(
            select(Project, Membership.mode).outerjoin(
                Membership, and_(Membership.project_id == Project.id, Membership.coder_id == who.coder.id))
            .where(Project.id == project_id)
        ).first()
    mode = None if row is None else row[1] or ("assisted" if who.coder.is_admin else None)
    if mode is None:
        raise NotFoundError(f"no project {project_id} for {who.coder.name}")
    return row[0], mode


def serve(db: str | None = None, host: str = "127.0.0.1", port: int = 8000,
          settings: ReviewSettings | None = None) -> None:
    """Run the review app with uvicorn until interrupted."""
    import uvicorn

    uvicorn.run(create_app(db, settings), host=host, port=port, log_level="warning", proxy_headers=False)
