"""Projects, coders and who may see what. Passwords are stored as argon2id hashes only."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..errors import InputError, NotFoundError, StoreError
from .db import Store
from .models import Coder, Membership, Project

ROLES = ("admin", "coder")
MODES = ("assisted", "blind")
MIN_PASSWORD_LENGTH = 10


@dataclass(frozen=True)
class CoderInfo:
    """A coder as the web app and the CLI see them (never with the password hash)."""

    id: int
    name: str
    role: str

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


def _hasher():
    from argon2 import PasswordHasher

    # argon2id with OWASP's minimum (19 MiB, 2 passes, 1 lane): about 0.1 s on a laptop core, so a
    # login stays quick on a shared 2-core server while a stolen hash stays expensive to attack.
    return PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)


def hash_password(password: str) -> str:
    """Return an argon2id hash of ``password`` after checking it is long enough."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InputError("password", f"too short: use at least {MIN_PASSWORD_LENGTH} characters")
    return _hasher().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

    try:
        return _hasher().verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


# A hash to verify against when the name is unknown, so a login takes as long either way.
_DUMMY_HASH: list[str] = []


def authenticate(store: Store, name: str, password: str) -> CoderInfo | None:
    """Return the coder if ``name`` and ``password`` match an active coder, else None."""
    with store.reading() as session:
        coder = session.scalar(select(Coder).where(Coder.name == name, Coder.active.is_(True)))
    if coder is None:
        if not _DUMMY_HASH:
            _DUMMY_HASH.append(_hasher().hash("not a real password"))
        verify_password(_DUMMY_HASH[0], password)
        return None
    if not verify_password(coder.password_hash, password):
        return None
    return CoderInfo(coder.id, coder.name, coder.role)


def _check_name(name: str, what: str) -> str:
    name = name.strip()
    if not name or len(name) > 100 or any(c in name for c in "\n\r\t"):
        raise InputError(what, f"invalid name {name!r}: 1-100 characters on one line")
    return name


def add_coder(store: Store, name: str, password: str, role: str = "coder") -> CoderInfo:
    """Create a coder with an argon2 password hash; the name must be new."""
    name = _check_name(name, "coder")
    if role not in ROLES:
        raise InputError("role", f"unknown role {role!r}", hint=f"expected one of {', '.join(ROLES)}")
    password_hash = hash_password(password)
    try:
        with store.writing() as session:
            coder = Coder(name=name, role=role, password_hash=password_hash, active=True)
            session.add(coder)
            session.flush()
            return CoderInfo(coder.id, coder.name, coder.role)
    except IntegrityError:
        raise StoreError(f"a coder named {name!r} already exists") from None


def get_coder(store: Store, name: str) -> CoderInfo:
    with store.reading() as session:
        coder = session.scalar(select(Coder).where(Coder.name == name))
    if coder is None:
        raise NotFoundError(f"no coder {name!r}: add one with `combcoder coder add {name} --role coder`")
    return CoderInfo(coder.id, coder.name, coder.role)


def list_coders(store: Store) -> list[CoderInfo]:
    with store.reading() as session:
        return [CoderInfo(c.id, c.name, c.role) for c in session.scalars(select(Coder).order_by(Coder.name))]


def create_project(store: Store, name: str, description: str = "") -> Project:
    """Create a project; the name must be new."""
    name = _check_name(name, "project")
    try:
        with store.writing() as session:
            project = Project(name=name, description=description)
            session.add(project)
            session.flush()
            return project
    except IntegrityError:
        raise StoreError(f"a project named {name!r} already exists") from None


def get_project(store: Store, name: str | None = None) -> Project:
    """Return the project called ``name``; without a name, the store's only project."""
    with store.reading() as session:
        if name is None:
            projects = session.scalars(select(Project).order_by(Project.id)).all()
            if len(projects) == 1:
                return projects[0]
            names = ", ".join(p.name for p in projects) or "none yet"
            raise NotFoundError(f"name the project with --project (projects in the store: {names})")
        project = session.scalar(select(Project).where(Project.name == name))
    if project is None:
        raise NotFoundError(f"no project {name!r}: create it with `combcoder project init {name}`")
    return project


def add_member(store: Store, project: str, coder: str, mode: str = "assisted") -> None:
    """Give ``coder`` access to ``project`` in ``mode`` (assisted or blind); re-adding changes the mode."""
    if mode not in MODES:
        raise InputError("mode", f"unknown mode {mode!r}", hint=f"expected one of {', '.join(MODES)}")
    p, c = get_project(store, project), get_coder(store, coder)
    with store.writing() as session:
        membership = session.get(Membership, (p.id, c.id))
        if membership is None:
            session.add(Membership(project_id=p.id, coder_id=c.id, mode=mode))
        else:
            membership.mode = mode


def membership_mode(store: Store, project_id: int, coder: CoderInfo) -> str | None:
    """Return "assisted" or "blind" if ``coder`` may open the project, else None.

    Admins may open every project; they work assisted unless a membership says blind.
    """
    with store.reading() as session:
        membership = session.get(Membership, (project_id, coder.id))
    if membership is not None:
        return membership.mode
    return "assisted" if coder.is_admin else None


def visible_projects(store: Store, coder: CoderInfo) -> list[Project]:
    """Projects the coder may open: their memberships, or every project for an admin."""
    with store.reading() as session:
        query = select(Project).order_by(Project.name)
        if not coder.is_admin:
            query = query.join(Membership, Membership.project_id == Project.id).where(
                Membership.coder_id == coder.id
            )
        return list(session.scalars(query))


def list_projects(store: Store) -> list[dict]:
    """Every project with its document, codable-utterance and annotation counts and shown model."""
    from sqlalchemy import func

    from .models import Annotation, Document, ModelVersion, Utterance

    with store.reading() as session:
        out = []
        for project in session.scalars(select(Project).order_by(Project.name)):
            count = lambda model, *where: session.scalar(select(func.count()).select_from(model).where(*where))  # noqa: E731
            out.append({
                "name": project.name,
                "documents": count(Document, Document.project_id == project.id),
                "codable": count(Utterance, Utterance.project_id == project.id, Utterance.codable.is_(True)),
                "annotations": count(Annotation, Annotation.project_id == project.id),
                "model": session.scalar(select(ModelVersion.version).where(ModelVersion.id == project.active_model_id))
                if project.active_model_id else None,
            })
        return out
