"""Retraining from human decisions: the snapshot, what was trained on, the promotion decision."""

from __future__ import annotations

import json

import pytest

from combcoder import registry
from combcoder.retrain import MIN_HELDOUT, decide, human_examples, in_heldout, retrain
from combcoder.store import save_annotation, take_snapshot, undo_annotation
from combcoder.store.annotations import AnnotationRecord
from combcoder.train.data import Example

from review_helpers import build_project


def _record(i, coder, utterance, kind="code", domain="none", polarity="neutral", supersedes=None):
    if kind in ("skip", "clear"):
        domain = polarity = None
    return AnnotationRecord(i, utterance, coder, kind, domain, polarity, "", "manual", "assisted", supersedes, None,
                            "2026-01-01T00:00:00+00:00")


def test_latest_decision_per_coder_and_adjudication_win():
    records = [
        _record(1, "cody", "u1", domain="opportunity.social", polarity="barrier"),
        _record(2, "cody", "u1", domain="opportunity.physical", polarity="barrier", supersedes=1),
        _record(3, "bea", "u1", domain="capability.physical", polarity="barrier"),
        _record(4, "bea", "u2", kind="skip"),
        _record(5, "cody", "u2", domain="none"),
        _record(6, "ada", "u2", kind="adjudication", domain="motivation.reflective", polarity="facilitator"),
    ]
    data = human_examples("p", records, {"u1": "text one", "u2": "text two"}, holdout=0.0)
    status = {row["annotation_id"]: row["status"] for row in data.accounting}
    assert status == {1: "superseded", 2: "train", 3: "train", 4: "unlabelled_skip",
                      5: "overridden_by_adjudication", 6: "train"}
    assert sorted((e["id"], e["domain"]) for e in data.train) == [
        ("human:u1:coder:bea", "capability.physical"), ("human:u1:coder:cody", "opportunity.physical"),
        ("human:u2:adjudicated", "motivation.reflective")]


def test_the_heldout_slice_is_stable_and_about_the_right_size():
    keys = [f"doc:t{i:03d}:u1" for i in range(2000)]
    share = sum(in_heldout("p", k, 0.2) for k in keys) / len(keys)
    assert 0.17 < share < 0.23
    assert [in_heldout("p", k, 0.2) for k in keys[:50]] == [in_heldout("p", k, 0.2) for k in keys[:50]]
    assert not any(in_heldout("p", k, 0.0) for k in keys)


def test_promotion_needs_the_new_model_to_be_not_worse():
    good = {"domain_macro_f1": 0.70, "polarity_accuracy_coded": 0.80}
    worse = {"domain_macro_f1": 0.60, "polarity_accuracy_coded": 0.80}
    ok, reasons = decide({"seed_test": good, "human_heldout": good}, None, 0.0, 0)
    assert ok and "no promoted model" in reasons[0]
    ok, reasons = decide({"seed_test": worse, "human_heldout": good}, {"seed_test": good, "human_heldout": good},
                         0.0, MIN_HELDOUT)
    assert not ok and any(r.startswith("worse on seed_test domain_macro_f1: 0.600 vs 0.700") for r in reasons)
    ok, reasons = decide({"seed_test": worse, "human_heldout": good}, {"seed_test": good, "human_heldout": good},
                         0.15, MIN_HELDOUT)
    assert ok and reasons[0].startswith("within tolerance on seed_test domain_macro_f1")
    ok, reasons = decide({"seed_test": good, "human_heldout": worse}, {"seed_test": good, "human_heldout": good},
                         0.0, 3)
    assert ok and "too small to judge (3 < 10" in reasons[0]


@pytest.mark.slow
def test_every_annotation_up_to_the_snapshot_is_in_the_training_set(sqlite_url, tmp_path, models_root, tiny_config):
    from combcoder.store import open_store

    store = open_store(sqlite_url)
    project = build_project(store, tmp_path)
    c, keys = project.coders, project.keys
    last = {}
    for key in keys:
        last[key] = save_annotation(store, project.id, c["cody"], key, domain="opportunity.social",
                                    polarity="barrier", base=None).id
    fix = save_annotation(store, project.id, c["cody"], keys[0], domain="capability.physical", polarity="barrier",
                          memo="breathless", base=last[keys[0]])
    undo_annotation(store, project.id, c["cody"], keys[1], base=last[keys[1]])  # cody has no label on keys[1] now
    save_annotation(store, project.id, c["bea"], keys[2], domain="none", polarity="neutral", mode="blind")
    save_annotation(store, project.id, c["bea"], keys[3], kind="skip", mode="blind")
    save_annotation(store, project.id, c["ada"], keys[4], kind="adjudication", domain="motivation.reflective",
                    polarity="facilitator")
    before, rows = take_snapshot(store, "clinic")

    report = retrain(store, "clinic", config=tiny_config, models_root=models_root, holdout=0.5, tolerance=1.0)

    after = save_annotation(store, project.id, c["cody"], keys[5], domain="none", polarity="neutral",
                            base=last[keys[5]])
    folder = registry.get_model(report.version, models_root).path
    assert report.snapshot == before.to_dict() and after.id > report.snapshot["max_id"]
    saved = json.loads((folder / "retrain.json").read_text())
    assert saved["snapshot"] == before.to_dict()
    assert json.loads((folder / "model.json").read_text())["annotation_snapshot"] == before.to_dict()
    accounting = [json.loads(x) for x in (folder / "human_annotations.jsonl").read_text().splitlines()]
    # Every annotation up to the snapshot is accounted for, and nothing after it.
    assert [a["annotation_id"] for a in accounting] == [r.id for r in rows] == list(range(1, before.max_id + 1))
    status = {a["annotation_id"]: a["status"] for a in accounting}
    assert status[last[keys[0]]] == "superseded" and status[fix.id] in ("train", "heldout")
    assert status[last[keys[4]]] == "overridden_by_adjudication"
    assert sum(s == "unlabelled_skip" for s in status.values()) == 1
    assert sum(s == "unlabelled_clear" for s in status.values()) == 1  # the undo
    # Every current labelled decision is in the training set or the held-out slice ...
    used = [a for a in accounting if a["status"] in ("train", "heldout")]
    assert len(used) == len(keys) - 1 + 1  # cody's labels minus the undone one, plus bea's; adjudication replaces one
    # ... and every "train" one is in the model's manifest, with exactly this text and label.
    manifest = {json.loads(x)["id"]: json.loads(x) for x in (folder / "manifest.jsonl").read_text().splitlines()}
    by_id = {r.id: r for r in rows}
    trained = [a for a in used if a["status"] == "train"]
    heldout = [a for a in used if a["status"] == "heldout"]
    assert trained and heldout
    assert all((a["status"] == "heldout") == in_heldout("clinic", a["utterance"], 0.5) for a in used)
    for a in trained:
        r = by_id[a["annotation_id"]]
        expected = Example(a["example_id"], project.texts[r.utterance], r.domain, r.polarity, "train", "x").digest
        assert manifest[a["example_id"]]["split"] == "train" and manifest[a["example_id"]]["sha256"] == expected
    for a in heldout:
        assert a["example_id"] not in manifest  # never trained on
    assert report.data["train"] == len(trained) and report.data["heldout"] == len(heldout)
    # Promoted (tolerance 1.0) and its suggestions are now the ones the review page shows.
    assert report.promoted and registry.promoted_version(models_root) == report.version
    assert report.reasons and report.suggestions_added == len(keys)
    from combcoder.review.views import IndexCache

    assert IndexCache().get(store, project.id).model_version == report.version
    store.close()
