"""A real browser (Debian's chromium through Playwright): log in, review with the keyboard,
retrain from the admin page, and see the new model's suggestions."""

from __future__ import annotations

import os
import shutil

import pytest

from combcoder import registry
from combcoder.review import create_app
from combcoder.review.app import ReviewSettings
from combcoder.store import history, open_store, suggest

from review_helpers import PASSWORD, LiveServer, build_project

CHROMIUM = os.environ.get("COMBCODER_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
SCREENSHOTS = os.environ.get("COMBCODER_SCREENSHOTS", "/tmp")

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def browser():
    playwright_api = pytest.importorskip("playwright.sync_api")
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        pytest.skip(f"no chromium at {CHROMIUM}: apt-get install chromium")
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


def _next(page, key: str) -> str:
    """Wait until the page shows another utterance than ``key``; return the new key."""
    page.wait_for_function("k => document.querySelector('#item') && document.querySelector('#item').dataset.key !== k",
                           arg=key, timeout=20_000)
    return page.get_attribute("#item", "data-key")


def test_review_with_the_keyboard_retrain_and_see_the_new_suggestions(
    browser, sqlite_url, tmp_path, models_root, fixture_model, tiny_config
):
    store = open_store(sqlite_url)
    project = build_project(store, tmp_path)
    suggest(store, "clinic", classifier=fixture_model)
    settings = ReviewSettings(models_root=str(models_root), retrain_config=tiny_config,
                              retrain_options={"holdout": 0.0, "tolerance": 1.0})
    dialogs = []
    with LiveServer(create_app(store, settings)) as server:
        page = browser.new_page(viewport={"width": 1440, "height": 900})
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.goto(f"{server.url}/p/{project.id}")
        assert "/login" in page.url
        page.fill("input[name=name]", "ada")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_selector("#item[data-key]")
        assert page.inner_text(".suggestion h3 small") == fixture_model.version

        k1 = page.get_attribute("#item", "data-key")
        page.keyboard.press("a")  # accept the suggestion
        k2 = _next(page, k1)
        page.keyboard.press("3")  # opportunity.physical
        page.keyboard.press("b")  # barrier
        assert "selected" in page.get_attribute('button[data-domain="opportunity.physical"]', "class")
        page.keyboard.press("Enter")
        k3 = _next(page, k2)
        page.keyboard.press("m")
        page.keyboard.type("asked about the stairs")
        page.keyboard.press("Escape")
        page.keyboard.press("7")  # none (always neutral)
        page.keyboard.press("Enter")
        k4 = _next(page, k3)
        page.keyboard.press("s")  # skip
        k5 = _next(page, k4)
        page.keyboard.press("u")  # undo the skip: back on k4, undecided again
        page.wait_for_function("k => document.querySelector('#item').dataset.key === k", arg=k4, timeout=20_000)
        page.wait_for_selector("#item[data-mine-kind=clear]")
        assert k5 != k4
        page.screenshot(path=f"{SCREENSHOTS}/combcoder_review_page.png")
        page.keyboard.press("5")  # motivation.reflective
        page.keyboard.press("f")
        page.keyboard.press("Shift+Enter")  # an admin's adjudicated, final label
        _next(page, k4)

        rows = [(r.utterance, r.kind, r.domain, r.polarity, r.source, r.memo) for r in history(store, project.id)]
        assert rows[0][:2] == (k1, "code") and rows[0][4] == "accepted"
        assert rows[1][:4] == (k2, "code", "opportunity.physical", "barrier")
        assert rows[2] == (k3, "code", "none", "neutral", rows[2][4], "asked about the stairs")
        assert rows[3][:2] == (k4, "skip") and rows[4][:2] == (k4, "clear") and rows[4][4] == "undo"
        assert rows[5][:4] == (k4, "adjudication", "motivation.reflective", "facilitator")
        assert len(rows) == 6

        # The admin page's Retrain button trains a fresh model and promotes it.
        page.goto(f"{server.url}/p/{project.id}/admin")
        page.click("#retrain")
        page.wait_for_selector("#job-status[data-status=done]", timeout=600_000)
        status = page.inner_text("#job-status")
        new_version = registry.promoted_version(models_root)
        assert new_version != fixture_model.version and f"promoted {new_version}" in status

        # Back on the review page the suggestions come from the new model.
        page.goto(f"{server.url}/p/{project.id}?u={k5}")
        page.wait_for_selector(".suggestion h3 small")
        assert page.inner_text(".suggestion h3 small") == new_version

        # Transcript text with markup is shown as text, and no script ran.
        script_key = next(k for k in project.keys if "<script>" in project.texts[k])
        page.goto(f"{server.url}/p/{project.id}?u={script_key}")
        assert '<script>alert("owned")</script>' in page.inner_text(".context li.current .text")
        assert dialogs == []
        page.screenshot(path=f"{SCREENSHOTS}/combcoder_review_after_retrain.png")
        page.close()
    store.close()
