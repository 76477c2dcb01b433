from __future__ import annotations

import csv
import json

import pytest

from combcoder.agree import (
    agreement,
    codebook_categories,
    format_agreement,
    labels_by_source,
    load_source,
    load_sources,
    source_from_mapping,
    write_disagreements,
)
from combcoder.errors import CombcoderError, InputError


def write_jsonl(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def code_output_line(uid, domain, polarity, codable=True, human=None):
    """One line of the ``code`` command's utterances.jsonl."""
    line = {
        "id": uid, "doc_id": "d1", "turn_index": 0, "start": 0, "end": 5, "text": f"text {uid}",
        "speaker": "P1", "role": "participant", "group": "patients", "source_type": "interview",
        "codable": codable, "skip_reason": None if codable else "interviewer",
        "time_start": None, "time_end": None,
        "domain": domain, "domain_score": 0.9 if domain else None,
        "polarity": polarity, "polarity_score": 0.8 if polarity else None,
        "suggestions": [], "model": "m1" if domain else None,
    }
    if human:
        line["human"] = human
    return line


def test_csv_with_extra_columns(tmp_path):
    path = tmp_path / "alice.csv"
    path.write_text("id,domain,polarity,note\nu1,opportunity.social,barrier,x\nu2,,facilitator,\n", encoding="utf-8")
    source = load_source(path)
    assert source.name == "alice"
    assert source.labels("domain") == {"u1": "opportunity.social"}
    assert source.labels("polarity") == {"u1": "barrier", "u2": "facilitator"}
    assert source.labels("joint") == {"u1": "opportunity.social/barrier"}


def test_code_output_treats_non_codable_and_null_as_missing(tmp_path):
    path = write_jsonl(tmp_path / "utterances.jsonl", [
        code_output_line("u1", "capability.physical", "barrier"),
        code_output_line("u2", None, None, codable=False),
        code_output_line("u3", "none", "neutral",
                         human={"domain": "opportunity.physical", "polarity": "barrier", "coder": "ann"}),
    ])
    model = load_source(path, "model")
    assert model.labels("domain") == {"u1": "capability.physical", "u3": "none"}
    assert model.texts["u1"] == "text u1"
    human = load_source(path, "human", human=True)
    assert human.labels("joint") == {"u3": "opportunity.physical/barrier"}


def test_conflicting_duplicate_names_the_line(tmp_path):
    path = write_jsonl(tmp_path / "a.jsonl", [
        {"id": "u1", "domain": "none"}, {"id": "u1", "domain": "opportunity.social"},
    ])
    with pytest.raises(InputError, match=r"line 2.*coded twice.*first at line 1"):
        load_source(path)


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("a.txt", "x", "unknown coding file type"),
        ("a.csv", "unit,domain\nu1,none\n", "expected columns id"),
        ("a.jsonl", '{"id": "u1", "domain": "none"}\nnot json\n', "line 2: invalid JSON"),
        ("a.jsonl", '{"domain": "none"}\n', "line 1: missing unit id"),
        ("a.jsonl", "\n", "no coded units"),
    ],
)
def test_bad_files_name_file_and_place(tmp_path, name, text, message):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=message):
        load_source(path)


def test_same_stem_needs_names(tmp_path):
    (tmp_path / "x").mkdir()
    paths = [write_jsonl(tmp_path / "codes.jsonl", [{"id": "u1", "domain": "none"}]),
             write_jsonl(tmp_path / "x" / "codes.jsonl", [{"id": "u1", "domain": "none"}])]
    with pytest.raises(CombcoderError, match="both named 'codes'"):
        load_sources(paths)
    assert [s.name for s in load_sources(paths, ["ann", "bob"])] == ["ann", "bob"]


def test_store_mapping_plugs_in(tmp_path):
    store = source_from_mapping("store", {"u1": {"domain": "none", "polarity": None}, 2: {"domain": "none"}})
    assert store.labels("domain") == {"u1": "none", "2": "none"}


def test_agreement_end_to_end_with_missing_units(tmp_path):
    a = write_jsonl(tmp_path / "ann.jsonl", [
        {"id": f"u{i}", "domain": d, "polarity": "barrier", "text": f"said {i}"}
        for i, d in enumerate(["none", "none", "opportunity.social", "capability.physical", "none"])
    ])
    b = tmp_path / "bob.csv"
    b.write_text("id,domain,polarity\nu0,none,barrier\nu1,opportunity.social,barrier\n"
                 "u2,opportunity.social,facilitator\nu5,none,neutral\n", encoding="utf-8")
    sources = load_sources([a, b])
    result = agreement(labels_by_source(sources, "domain"), "domain", n_boot=50)
    assert result.n_units == 6 and result.n_pairable == 3
    assert {c.name: c.n_missing for c in result.coverage} == {"ann": 1, "bob": 2}
    assert [d.id for d in result.disagreements] == ["u1"]
    assert result.pairs[0].confusion == [[1, 1], [0, 1]]
    assert result.pairs[0].labels == ["none", "opportunity.social"]
    json.dumps(result.to_dict(), allow_nan=False)
    table = format_agreement(result)
    assert "Cohen's kappa" in table and "missing 2" in table and "3 units coded by only one source" in table

    out = tmp_path / "disagreements.csv"
    assert write_disagreements(result, out, texts=sources[0].texts) == 1
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert rows == [{"id": "u1", "ann": "none", "bob": "opportunity.social", "text": "said 1",
                     "adjudicated_domain": "", "note": ""}]

    joint = agreement(labels_by_source(sources, "joint"), "joint", n_boot=0)
    assert "none/barrier" in joint.categories


def test_prevalence_paradox_is_explained():
    ann = {f"u{i}": "none" for i in range(100)}
    bob = dict(ann)
    for i in (0, 1, 2):
        ann[f"u{i}"] = "opportunity.social"
    for i in (0, 3, 4):
        bob[f"u{i}"] = "opportunity.social"
    result = agreement({"ann": ann, "bob": bob}, n_boot=0)
    rare = next(c for c in result.per_code if c.code == "opportunity.social")
    assert rare.coefficients["cohen_kappa"].value < 0.4
    assert rare.coefficients["gwet_ac1"].value > 0.9
    assert rare.note and "rare" in rare.note and "prevalence paradox" in rare.note
    assert any("prevalence paradox" in n for n in result.notes)


def test_needs_two_sources():
    with pytest.raises(CombcoderError, match="at least two sources"):
        agreement({"ann": {"u1": "none"}})
    with pytest.raises(CombcoderError, match="unknown field"):
        agreement({"a": {"u1": "x"}, "b": {"u1": "x"}}, field="colour")


def test_codebook_categories_fix_the_code_set():
    from combcoder.codebook import load_codebook

    codebook = load_codebook()
    assert codebook_categories(codebook, "domain") == list(codebook.domain_ids)
    assert "none/neutral" in codebook_categories(codebook, "joint")
    a = {"u1": "none", "u2": "none", "u3": "opportunity.social"}
    result = agreement({"a": a, "b": dict(a)}, categories=codebook_categories(codebook), n_boot=0)
    assert result.categories == list(codebook.domain_ids)
    assert [c.code for c in result.per_code] == ["opportunity.social", "none"]  # codes in use only
    with_unknown = agreement({"a": {"u1": "other"}, "b": {"u1": "other"}}, categories=["none"], n_boot=0)
    assert with_unknown.categories == ["none", "other"]
    assert any("outside the given categories" in n for n in with_unknown.notes)
