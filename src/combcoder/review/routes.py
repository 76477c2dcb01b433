"""The review app's pages and JSON API. Every route needs a login except the login form itself."""

from __future__ import annotations

from typing import Any, Literal
from urllib.parse import parse_qs

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from ..errors import InputError, NotFoundError
from ..store.accounts import authenticate, visible_projects
from ..store.annotations import MAX_MEMO, AnnotationRecord, check_label, history, save_annotation, undo_annotation
from ..store.models import Job, ModelVersion, Project, Suggestion, Utterance
from . import auth
from .app import Auth, Forbidden, ReviewState, project_access, require_csrf, require_login, review_state
from .jobs import job_dict
from .views import ORDERS, STATUSES, Filters, item_view, next_item, progress

# Login is checked by the routers themselves, so no route can forget it; handlers that need the
# coder ask for the same (per-request cached) dependency.
public_router = APIRouter()
page_router = APIRouter(dependencies=[Depends(require_login)])
api_router = APIRouter(prefix="/api", dependencies=[Depends(require_login)])
Login = Depends(require_login)
MAX_FORM_BYTES = 10_000


# --- shared helpers -----------------------------------------------------------------------
def _filters(request: Request, *, after: str | None = None) -> Filters:
    q = request.query_params

    def number(name: str) -> float | None:
        value = q.get(name)
        if value in (None, ""):
            return None
        try:
            return float(value)
        except ValueError:
            raise InputError(name, f"not a number: {value!r}") from None

    return Filters(order=q.get("order") or "document", status=q.get("status") or "todo", doc=q.get("doc") or None,
                   domain=q.get("domain") or None, min_conf=number("min_conf"), max_conf=number("max_conf"),
                   after=after if after is not None else q.get("after"))


def _next_and_view(state: ReviewState, project: Project, who: Auth, mode: str, filters: Filters,
                   key: str | None = None) -> dict[str, Any]:
    """The item to show (``key``, or the queue's next, which is then held for this coder) with progress."""
    with state.store.reading() as session:
        index = state.indexes.get(state.store, project.id, session)
        result = None
        if key is None:
            result = next_item(session, index, project.id, who.coder, mode, filters, state.leases)
            key = result.key
            # Read the chosen item in a fresh snapshot: a colleague may have saved it (and let go of
            # it) after this transaction began, and the page must show, and base its save on, that.
            session.rollback()
        item = item_view(session, index, project.id, who.coder, mode, key) if key else None
        if result is None and item is not None and item["queue_row"] is not None:
            state.leases.hold(project.id, who.coder.id, int(index.ids[item["queue_row"]]))
        return {
            "item": item,
            "remaining": result.remaining if result else None,
            "order": result.order if result else filters.order,
            "note": result.note if result else "",
            "progress": progress(session, index, project.id, who.coder, mode),
        }


def _current_suggestion(state: ReviewState, project: Project, key: str) -> Suggestion | None:
    active = select(Project.active_model_id).where(Project.id == project.id).scalar_subquery()
    with state.store.reading() as session:
        return session.scalar(
            select(Suggestion).join(Utterance, Utterance.id == Suggestion.utterance_id)
            .where(Utterance.project_id == project.id, Utterance.key == key, Suggestion.model_version_id == active)
        )


def _safe_next(target: str | None) -> str:
    """Only redirect to a path on this site (no //host or backslash tricks)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


async def _form(request: Request) -> dict[str, str]:
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        raise InputError("form", "too large")
    return {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True).items()}


def _templates(request: Request):
    return request.app.state.templates


# --- pages --------------------------------------------------------------------------------
def _login_form(request: Request, next_path: str, error: str | None = None, status: int = 200):
    state = review_state(request)
    csrf = auth.new_token()
    response = _templates(request).TemplateResponse(
        request, "login.html", {"csrf": csrf, "next": _safe_next(next_path), "error": error}, status_code=status
    )
    response.set_cookie(auth.LOGIN_CSRF_COOKIE, csrf, max_age=3600, path="/login", httponly=True,
                        samesite="strict", secure=state.settings.secure_cookies)
    return response


@public_router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str = "/"):
    return _login_form(request, next)


@public_router.post("/login")
async def login(request: Request):
    state = review_state(request)
    form = await _form(request)
    next_path = _safe_next(form.get("next"))
    if not auth.tokens_match(form.get("csrf_token"), request.cookies.get(auth.LOGIN_CSRF_COOKIE)):
        return _login_form(request, next_path, "The login form expired. Please try again.", 403)
    name = form.get("name", "").strip()
    keys = (f"name:{name}", f"addr:{request.client.host if request.client else '?'}")
    if state.throttle.blocked(*keys):
        return _login_form(request, next_path, "Too many failed logins. Wait a few minutes and try again.", 429)
    coder = await run_in_threadpool(authenticate, state.store, name, form.get("password", ""))
    if coder is None:
        state.throttle.failed(*keys)
        return _login_form(request, next_path, "Wrong name or password.", 401)
    state.throttle.succeeded(*keys)
    token, _csrf = await run_in_threadpool(auth.start_session, state.store, coder, state.settings.session_hours)
    response = RedirectResponse(next_path, status_code=303)
    response.set_cookie(auth.SESSION_COOKIE, token, max_age=int(state.settings.session_hours * 3600), path="/",
                        httponly=True, samesite="strict", secure=state.settings.secure_cookies)
    response.delete_cookie(auth.LOGIN_CSRF_COOKIE, path="/login")
    return response


@page_router.post("/logout")
async def logout(request: Request, who: Auth = Login):
    form = await _form(request)
    require_csrf(request, who, form.get("csrf_token"))
    await run_in_threadpool(auth.end_session, review_state(request).store, who.token)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(auth.SESSION_COOKIE, path="/")
    return response


@page_router.get("/", response_class=HTMLResponse)
def home(request: Request, who: Auth = Login):
    state = review_state(request)
    projects = visible_projects(state.store, who.coder)
    return _templates(request).TemplateResponse(request, "projects.html", {"who": who, "projects": projects})


def _page_context(request: Request, project: Project, who: Auth, mode: str) -> dict[str, Any]:
    state = review_state(request)
    index = state.indexes.get(state.store, project.id)
    return {"who": who, "project": project, "mode": mode, "domains": state.domains,
            "domain_labels": {d["id"]: d["label"] for d in state.domains},
            "documents": index.documents, "orders": ORDERS,
            "statuses": [s for s in STATUSES if not (mode == "blind" and s == "uncoded")]}


@page_router.get("/p/{project_id}", response_class=HTMLResponse)
def review_page(request: Request, project_id: int, u: str | None = None, who: Auth = Login):
    project, mode = project_access(request, project_id, who)
    state = review_state(request)
    try:
        filters = _filters(request)
        problem = None
    except InputError as error:
        filters, problem = Filters(), str(error)
    workspace = _next_and_view(state, project, who, mode, filters, key=u)
    if problem:
        workspace["note"] = f"{problem}; showing the default queue"
    context = _page_context(request, project, who, mode) | {"filters": filters, "w": workspace}
    return _templates(request).TemplateResponse(request, "review.html", context)


@page_router.get("/p/{project_id}/fragment", response_class=HTMLResponse)
def review_fragment(request: Request, project_id: int, u: str | None = None, who: Auth = Login):
    """The workspace part of the review page, for the page's script to swap in."""
    project, mode = project_access(request, project_id, who)
    workspace = _next_and_view(review_state(request), project, who, mode, _filters(request), key=u)
    context = _page_context(request, project, who, mode) | {"w": workspace}
    return _templates(request).TemplateResponse(request, "_workspace.html", context)


@page_router.get("/p/{project_id}/admin", response_class=HTMLResponse)
def admin_page(request: Request, project_id: int, who: Auth = Login):
    project, mode = project_access(request, project_id, who)
    if not who.coder.is_admin:
        raise Forbidden("only admins can open the project's admin page")
    state = review_state(request)
    with state.store.reading() as session:
        index = state.indexes.get(state.store, project.id, session)
        progress_now = progress(session, index, project.id, who.coder, mode)
        jobs = session.scalars(select(Job).where(Job.project_id == project.id).order_by(Job.id.desc()).limit(10)).all()
        models = session.scalars(select(ModelVersion).order_by(ModelVersion.id.desc()).limit(10)).all()
    context = _page_context(request, project, who, mode) | {
        "progress": progress_now,
        "jobs": [job_dict(j, state.runner.log.get(j.id)) for j in jobs], "models": models,
        "active_model": index.model_version, "running": state.runner.running(),
    }
    return _templates(request).TemplateResponse(request, "admin.html", context)


# --- JSON API -----------------------------------------------------------------------------
class AnnotationIn(BaseModel):
    """A decision from the page: ``base`` is the newest annotation id the coder was shown (or null)."""

    model_config = ConfigDict(extra="forbid")
    utterance: str = Field(min_length=1, max_length=300)
    action: Literal["accept", "code", "skip", "adjudicate"] = "code"
    domain: str | None = None
    polarity: str | None = None
    memo: str = Field("", max_length=MAX_MEMO)
    base: int | None
    suggestion_id: int | None = None


class UndoIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    utterance: str = Field(min_length=1, max_length=300)
    base: int | None


@api_router.get("/session")
def session_info(request: Request, who: Auth = Login):
    return {"coder": who.coder.name, "role": who.coder.role, "csrf_token": who.csrf}


@api_router.get("/projects")
def projects(request: Request, who: Auth = Login):
    state = review_state(request)
    from ..store.accounts import membership_mode

    return [{"id": p.id, "name": p.name, "description": p.description,
             "mode": membership_mode(state.store, p.id, who.coder)} for p in visible_projects(state.store, who.coder)]


@api_router.get("/projects/{project_id}/next")
def api_next(request: Request, project_id: int, who: Auth = Login):
    project, mode = project_access(request, project_id, who)
    return _next_and_view(review_state(request), project, who, mode, _filters(request))


@api_router.get("/projects/{project_id}/utterances/{key:path}")
def api_utterance(request: Request, project_id: int, key: str, who: Auth = Login):
    project, mode = project_access(request, project_id, who)
    state = review_state(request)
    with state.store.reading() as session:
        return item_view(session, state.indexes.get(state.store, project.id, session), project.id, who.coder, mode, key)


@api_router.post("/projects/{project_id}/annotations", status_code=201)
def api_annotate(request: Request, project_id: int, body: AnnotationIn, who: Auth = Login):
    require_csrf(request, who)
    project, mode = project_access(request, project_id, who)
    state = review_state(request)
    suggestion = None if mode == "blind" else _current_suggestion(state, project, body.utterance)
    kind, source = "code", "manual"
    domain, polarity = body.domain, body.polarity
    if body.action == "accept":
        if suggestion is None:
            raise InputError("action", "there is no model suggestion to accept here: choose a domain and polarity")
        if body.suggestion_id is not None and body.suggestion_id != suggestion.id:
            from ..errors import ConflictError

            raise ConflictError("the model's suggestion changed since the page loaded: reload and decide again")
        domain, polarity, source = suggestion.domain, suggestion.polarity, "accepted"
    elif body.action == "skip":
        kind, domain, polarity = "skip", None, None
    else:
        if body.action == "adjudicate":
            if not who.coder.is_admin:
                raise Forbidden("only admins can adjudicate")
            kind = "adjudication"
        domain, polarity = check_label(domain, polarity)
        if suggestion is not None:
            same = (domain, polarity) == (suggestion.domain, suggestion.polarity)
            source = "accepted" if same else "corrected"
    record = save_annotation(
        state.store, project.id, who.coder, body.utterance, kind=kind, domain=domain, polarity=polarity,
        memo=body.memo, source=source, mode=mode, base=body.base,
        suggestion_id=suggestion.id if suggestion is not None else None,
    )
    return _saved(record)


def _saved(record: AnnotationRecord) -> JSONResponse:
    return JSONResponse({"annotation": record.to_dict(), "token": record.id}, status_code=201)


@api_router.post("/projects/{project_id}/undo", status_code=201)
def api_undo(request: Request, project_id: int, body: UndoIn, who: Auth = Login):
    require_csrf(request, who)
    project, mode = project_access(request, project_id, who)
    return _saved(undo_annotation(review_state(request).store, project.id, who.coder, body.utterance,
                                  mode=mode, base=body.base))


@api_router.get("/projects/{project_id}/progress")
def api_progress(request: Request, project_id: int, who: Auth = Login):
    project, mode = project_access(request, project_id, who)
    state = review_state(request)
    with state.store.reading() as session:
        return progress(session, state.indexes.get(state.store, project.id, session), project.id, who.coder, mode)


@api_router.get("/projects/{project_id}/history")
def api_history(request: Request, project_id: int, key: str | None = None, coder: str | None = None, who: Auth = Login):
    """Annotation rows, oldest first: all coders' in assisted mode, only your own in blind mode."""
    project, mode = project_access(request, project_id, who)
    rows = history(review_state(request).store, project.id, utterance_key=key,
                   coder_id=who.coder.id if mode == "blind" else None)
    if coder:
        rows = [r for r in rows if r.coder == coder]
    return [r.to_dict() for r in rows]


@api_router.post("/projects/{project_id}/retrain", status_code=202)
def api_retrain(request: Request, project_id: int, who: Auth = Login):
    require_csrf(request, who)
    project, _mode = project_access(request, project_id, who)
    if not who.coder.is_admin:
        raise Forbidden("only admins can retrain")
    return {"job": review_state(request).runner.start(project, who.coder)}


@api_router.get("/jobs/{job_id}")
def api_job(request: Request, job_id: int, who: Auth = Login):
    state = review_state(request)
    with state.store.reading() as session:
        job = session.get(Job, job_id)
    if job is None or not who.coder.is_admin:
        raise NotFoundError(f"no job {job_id}")
    project_access(request, job.project_id, who)
    return job_dict(job, state.runner.log.get(job.id))
