"""The codebook: the framework's domains, polarities and decision rules, loaded from YAML.

The default is ``configs/codebooks/comb.yaml`` in the repository; set ``COMBCODER_CODEBOOK``
or pass a path to use another framework. Every schema forbids unknown keys, and every error
names the file and the path of the problem, e.g. ``comb.yaml: domains.2.definition: field
required``.
"""

from __future__ import annotations

import hashlib
import json
import os
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from combcoder.errors import ConfigError

DEFAULT_PATH = Path(__file__).resolve().parents[2] / "configs" / "codebooks" / "comb.yaml"
ENV_VAR = "COMBCODER_CODEBOOK"

Text = Annotated[str, Field(min_length=1)]


class _Schema(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Component(_Schema):
    """A top-level component (capability, opportunity, motivation); parent of nested codes."""

    id: Text
    label: Text
    definition: Text


class Example(_Schema):
    """A short spoken-style utterance and its polarity."""

    text: Text
    polarity: Text


class Domain(_Schema):
    """A code: a sub-domain, or ``none`` with ``component: null``."""

    id: Text
    component: str | None
    label: Text
    definition: Text
    include: list[Text] = []
    exclude: list[Text] = []
    barrier_when: list[Text] = []
    facilitator_when: list[Text] = []
    examples: list[Example] = []


class Polarity(_Schema):
    """A polarity and what it means."""

    id: Text
    definition: Text


class DecisionRule(_Schema):
    """How to choose between confusable codes; ``between`` names domains or polarities."""

    id: Text
    between: list[Text] = Field(min_length=2)
    rule: Text


class Codebook(_Schema):
    """A validated codebook."""

    name: Text
    version: Text
    framework: Text
    behaviour: Text
    components: list[Component]
    domains: list[Domain] = Field(min_length=1)
    polarities: list[Polarity] = Field(min_length=1)
    decision_rules: list[DecisionRule] = []

    @model_validator(mode="after")
    def _check_references(self) -> Codebook:
        problems = [
            *_duplicates("components", [c.id for c in self.components], "component id"),
            *_duplicates("domains", [d.id for d in self.domains], "domain id"),
            *_duplicates("polarities", [p.id for p in self.polarities], "polarity id"),
            *_duplicates("decision_rules", [r.id for r in self.decision_rules], "decision rule id"),
        ]
        components = {c.id for c in self.components}
        domains = {d.id for d in self.domains}
        polarities = {p.id for p in self.polarities}
        for i, domain in enumerate(self.domains):
            if domain.component is not None and domain.component not in components:
                problems.append(
                    f"domains.{i}.component: unknown component {domain.component!r}; "
                    f"expected one of {sorted(components)} or null"
                )
            for j, example in enumerate(domain.examples):
                if example.polarity not in polarities:
                    problems.append(
                        f"domains.{i}.examples.{j}.polarity: unknown polarity "
                        f"{example.polarity!r}; expected one of {sorted(polarities)}"
                    )
        for i, rule in enumerate(self.decision_rules):
            for j, name in enumerate(rule.between):
                if name not in domains and name not in polarities:
                    problems.append(
                        f"decision_rules.{i}.between.{j}: unknown domain {name!r}; "
                        f"expected a domain id {sorted(domains)} or a polarity id {sorted(polarities)}"
                    )
        if problems:
            raise ValueError("\n".join(problems))
        return self

    @cached_property
    def domain_ids(self) -> tuple[str, ...]:
        """Return the domain ids in file order."""
        return tuple(d.id for d in self.domains)

    @cached_property
    def hash(self) -> str:
        """Return the sha256 of the canonical JSON of the content (ignores layout and comments)."""
        canonical = json.dumps(
            self.model_dump(mode="json"), sort_keys=True, separators=(",", ":"), ensure_ascii=False
        )
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()

    def domain(self, domain_id: str) -> Domain:
        """Return the domain with this id; raise KeyError listing the valid ids."""
        for domain in self.domains:
            if domain.id == domain_id:
                return domain
        raise KeyError(f"unknown domain {domain_id!r}; expected one of {list(self.domain_ids)}")

    def prototype_texts(self, domain_id: str) -> list[str]:
        """Return the texts that describe a domain: definition, include notes, examples."""
        domain = self.domain(domain_id)
        return [domain.definition, *domain.include, *(e.text for e in domain.examples)]


def load_codebook(path: str | Path | None = None) -> Codebook:
    """Load and validate a codebook; default to $COMBCODER_CODEBOOK, then the shipped COM-B."""
    if path is None:
        path = os.environ.get(ENV_VAR) or DEFAULT_PATH
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            f"{path}: codebook file not found (pass an existing YAML file or set {ENV_VAR})"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read codebook: {exc}") from None
    return _parse(text, path)


def _parse(text: str, path: Path) -> Codebook:
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: {_describe_yaml_error(exc)}") from None
    if data is None:
        raise ConfigError(
            f"{path}: codebook is empty; expected a mapping with name, version, framework, "
            "behaviour, components, domains, polarities and decision_rules"
        )
    if not isinstance(data, dict):
        raise ConfigError(
            f"{path}: expected a mapping at the top level, found {type(data).__name__}"
        )
    try:
        return Codebook.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_describe_validation_error(exc, path)) from None


def _duplicates(section: str, ids: list[str], what: str) -> list[str]:
    first: dict[str, int] = {}
    problems = []
    for i, item_id in enumerate(ids):
        if item_id in first:
            problems.append(
                f"{section}.{i}.id: duplicate {what} {item_id!r} (first at {section}.{first[item_id]})"
            )
        else:
            first[item_id] = i
    return problems


def _describe_validation_error(exc: ValidationError, path: Path) -> str:
    lines = []
    for error in exc.errors():
        if error["type"] == "value_error" and not error["loc"]:
            # Cross-reference problems from Codebook._check_references carry their own paths.
            lines.extend(f"{path}: {line}" for line in str(error["ctx"]["error"]).splitlines())
            continue
        where = ".".join(str(part) for part in error["loc"])
        message = error["msg"][:1].lower() + error["msg"][1:]
        lines.append(f"{path}: {where}: {message}" if where else f"{path}: {message}")
    return "\n".join(lines)


def _describe_yaml_error(exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    if mark is None:
        return f"invalid YAML: {problem}"
    return f"line {mark.line + 1}, column {mark.column + 1}: invalid YAML: {problem}"


class _UniqueKeyLoader(yaml.SafeLoader):
    """A safe loader that rejects repeated keys instead of silently keeping the last one."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)
