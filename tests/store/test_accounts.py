"""Coders, argon2 passwords, projects and who may see which project."""

from __future__ import annotations

import pytest

from combcoder.errors import InputError, NotFoundError, StoreError
from combcoder.store import (
    add_coder,
    add_member,
    authenticate,
    create_project,
    get_project,
    membership_mode,
    visible_projects,
)
from combcoder.store.models import Coder


def test_passwords_are_stored_as_argon2id_hashes_only(store):
    add_coder(store, "ada", "correct horse battery", "admin")
    with store.reading() as session:
        stored = session.query(Coder).one().password_hash
    assert stored.startswith("$argon2id$") and "correct horse" not in stored
    assert authenticate(store, "ada", "correct horse battery").role == "admin"
    assert authenticate(store, "ada", "correct horse batterx") is None
    assert authenticate(store, "nobody", "correct horse battery") is None


def test_bad_coders_are_refused(store):
    with pytest.raises(InputError, match="too short"):
        add_coder(store, "ada", "short", "admin")
    with pytest.raises(InputError, match="unknown role"):
        add_coder(store, "ada", "long enough password", "owner")
    add_coder(store, "ada", "long enough password", "admin")
    with pytest.raises(StoreError, match="already exists"):
        add_coder(store, "ada", "long enough password", "coder")


def test_coders_see_only_their_projects_admins_see_all(store):
    create_project(store, "alpha")
    create_project(store, "beta")
    ada = add_coder(store, "ada", "long enough password", "admin")
    cody = add_coder(store, "cody", "long enough password", "coder")
    add_member(store, "beta", "cody", "blind")
    assert [p.name for p in visible_projects(store, cody)] == ["beta"]
    assert [p.name for p in visible_projects(store, ada)] == ["alpha", "beta"]
    alpha, beta = get_project(store, "alpha"), get_project(store, "beta")
    assert membership_mode(store, alpha.id, cody) is None
    assert membership_mode(store, beta.id, cody) == "blind"
    assert membership_mode(store, alpha.id, ada) == "assisted"
    add_member(store, "beta", "cody", "assisted")  # again: changes the mode
    assert membership_mode(store, beta.id, cody) == "assisted"
    with pytest.raises(InputError, match="unknown mode"):
        add_member(store, "beta", "cody", "sighted")


def test_project_lookup_names_what_exists(store):
    with pytest.raises(NotFoundError, match="none yet"):
        get_project(store)
    create_project(store, "alpha")
    assert get_project(store).name == "alpha"
    create_project(store, "beta")
    with pytest.raises(NotFoundError, match="alpha, beta"):
        get_project(store)
    with pytest.raises(StoreError, match="already exists"):
        create_project(store, "alpha")
