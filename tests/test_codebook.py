from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from combcoder.codebook import DEFAULT_PATH, ENV_VAR, load_codebook
from combcoder.errors import ConfigError
from combcoder.records import DOMAINS, POLARITIES

MINIMAL = """\
name: Test
version: "1"
framework: test
behaviour: test
components:
  - {id: capability, label: Capability, definition: able}
domains:
  - id: capability.physical
    component: capability
    label: Physical
    definition: body
    examples:
      - {text: "Too breathless.", polarity: barrier}
  - {id: none, component: null, label: None, definition: nothing}
polarities:
  - {id: barrier, definition: hinders}
  - {id: neutral, definition: neither}
decision_rules:
  - {id: r1, between: [capability.physical, none], rule: pick one}
"""


def write(tmp_path: Path, text: str, name: str = "comb.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def error_for(tmp_path: Path, text: str) -> str:
    with pytest.raises(ConfigError) as info:
        load_codebook(write(tmp_path, text))
    return str(info.value)


def test_default_codebook_loads_and_matches_records(monkeypatch):
    monkeypatch.delenv(ENV_VAR, raising=False)
    codebook = load_codebook()
    assert codebook.domain_ids == DOMAINS
    assert tuple(p.id for p in codebook.polarities) == POLARITIES
    assert {c.id for c in codebook.components} == {"capability", "opportunity", "motivation"}
    assert len(codebook.decision_rules) >= 8
    assert codebook.domain("none").component is None
    for domain_id in DOMAINS:
        texts = codebook.prototype_texts(domain_id)
        assert texts[0] == codebook.domain(domain_id).definition
        assert 3 <= len(codebook.domain(domain_id).examples) <= 5
        assert all(texts)
    assert all(e.polarity == "neutral" for e in codebook.domain("none").examples)


def test_env_var_selects_codebook(tmp_path, monkeypatch):
    monkeypatch.setenv(ENV_VAR, str(write(tmp_path, MINIMAL)))
    assert load_codebook().domain_ids == ("capability.physical", "none")


def test_unknown_domain_lookup_lists_valid_ids(tmp_path):
    codebook = load_codebook(write(tmp_path, MINIMAL))
    with pytest.raises(KeyError, match="capability.physical"):
        codebook.domain("capability.mental")


def test_hash_stable_under_reformatting(tmp_path):
    original = load_codebook(DEFAULT_PATH)
    data = yaml.safe_load(DEFAULT_PATH.read_text(encoding="utf-8"))
    reformatted = "# reformatted\n" + yaml.safe_dump(data, default_flow_style=True, width=60, sort_keys=True)
    assert load_codebook(write(tmp_path, reformatted)).hash == original.hash
    assert len(original.hash) == 64

    data["domains"][0]["definition"] += " Changed."
    assert load_codebook(write(tmp_path, yaml.safe_dump(data), "changed.yaml")).hash != original.hash


def test_unknown_key_names_file_and_path(tmp_path):
    message = error_for(tmp_path, MINIMAL.replace("    definition: body\n", "    definition: body\n    colour: red\n"))
    assert "comb.yaml: domains.0.colour: extra inputs are not permitted" in message


def test_missing_field_names_path(tmp_path):
    message = error_for(tmp_path, MINIMAL.replace(", definition: nothing", ""))
    assert "comb.yaml: domains.1.definition: field required" in message


def test_duplicate_domain_id(tmp_path):
    message = error_for(tmp_path, MINIMAL.replace("id: none,", "id: capability.physical,"))
    assert "domains.1.id: duplicate domain id 'capability.physical'" in message


def test_duplicate_decision_rule_id(tmp_path):
    text = MINIMAL + "  - {id: r1, between: [capability.physical, none], rule: again}\n"
    assert "decision_rules.1.id: duplicate decision rule id 'r1'" in error_for(tmp_path, text)


def test_unknown_component(tmp_path):
    message = error_for(tmp_path, MINIMAL.replace("component: capability", "component: capabilty"))
    assert "comb.yaml: domains.0.component: unknown component 'capabilty'" in message


def test_decision_rule_naming_unknown_domain(tmp_path):
    message = error_for(tmp_path, MINIMAL.replace("[capability.physical, none]", "[capability.mental, none]"))
    assert "decision_rules.0.between.0: unknown domain 'capability.mental'" in message


def test_bad_yaml_reports_line(tmp_path):
    message = error_for(tmp_path, MINIMAL.replace("label: Physical", "label: [Physical"))
    assert "comb.yaml: line" in message and "invalid YAML" in message


def test_duplicate_yaml_key_reports_line(tmp_path):
    message = error_for(tmp_path, MINIMAL.replace("    label: Physical\n", "    label: Physical\n    label: Again\n"))
    assert "line 11, column 5" in message and "duplicate key 'label'" in message


def test_empty_file(tmp_path):
    assert "codebook is empty" in error_for(tmp_path, "# nothing here\n")


def test_missing_file_names_path(tmp_path):
    with pytest.raises(ConfigError, match="nope.yaml: codebook file not found"):
        load_codebook(tmp_path / "nope.yaml")
