"""The codebook as nested QDA codes, with stable GUIDs, and matching QDA code names back to it.

Tree: each COM-B component (not codable) holds its sub-domains; ``none`` sits at the top
level; a "Polarity" code (not codable) holds barrier, facilitator and neutral. GUIDs are
UUID5s of the codebook's ids, so every export of the same codebook gives the same GUIDs.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from dataclasses import dataclass, field
from typing import Literal

from ..codebook import Codebook

NAMESPACE = uuid.UUID("6f1c1e0e-5d0b-4c47-9a59-8c3f3b1d2a10")
POLARITY_PARENT = "Polarity"
COLOURS = {"capability": "#1F77B4", "opportunity": "#2CA02C", "motivation": "#D62728",
           "none": "#7F7F7F", "barrier": "#C0392B", "facilitator": "#27AE60", "neutral": "#95A5A6"}

Kind = Literal["component", "domain", "polarity", "group"]


def make_guid(*parts: str) -> str:
    """Return a stable GUID for a thing named by ``parts``."""
    return str(uuid.uuid5(NAMESPACE, "\x1f".join(parts)))


@dataclass
class Code:
    """One QDA code: a component, a sub-domain, a polarity or the polarity group."""

    guid: str
    name: str
    key: str  # the codebook id: "capability", "capability.physical", "barrier", "polarity"
    kind: Kind
    codable: bool
    description: str
    colour: str | None = None
    children: list[Code] = field(default_factory=list)

    def walk(self):
        yield self
        for child in self.children:
            yield from child.walk()


def code_tree(codebook: Codebook) -> list[Code]:
    """Return the top-level codes for ``codebook``."""
    top: list[Code] = []
    parents: dict[str, Code] = {}
    for component in codebook.components:
        code = Code(make_guid("component", component.id), component.label, component.id,
                    "component", False, component.definition, COLOURS.get(component.id))
        parents[component.id] = code
        top.append(code)
    for domain in codebook.domains:
        code = Code(make_guid("domain", domain.id), domain.label, domain.id, "domain", True,
                    f"{domain.id}: {domain.definition}", COLOURS.get(domain.id) or
                    COLOURS.get(domain.component or "", None))
        if domain.component is None:
            top.append(code)
        else:
            parents[domain.component].children.append(code)
    group = Code(make_guid("group", "polarity"), POLARITY_PARENT, "polarity", "group", False,
                 "Whether the coded content hinders, enables or neither: code one per segment.")
    for polarity in codebook.polarities:
        group.children.append(Code(make_guid("polarity", polarity.id), polarity.id.capitalize(),
                                   polarity.id, "polarity", True, polarity.definition,
                                   COLOURS.get(polarity.id)))
    top.append(group)
    return top


def codes_by_key(tree: list[Code]) -> dict[str, Code]:
    """Return every code in the tree by its codebook id."""
    return {code.key: code for top in tree for code in top.walk()}


def normalise_code_name(name: str) -> str:
    """Return a code name folded for matching: case, accents, punctuation and spacing ignored."""
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().casefold()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", folded).split())


# Names QDA users commonly give COM-B codes, besides the codebook's ids and labels.
ALIASES: dict[str, str] = {
    "physical capability": "capability.physical",
    "capability physical": "capability.physical",
    "psychological capability": "capability.psychological",
    "capability psychological": "capability.psychological",
    "physical opportunity": "opportunity.physical",
    "opportunity physical": "opportunity.physical",
    "social opportunity": "opportunity.social",
    "opportunity social": "opportunity.social",
    "reflective motivation": "motivation.reflective",
    "motivation reflective": "motivation.reflective",
    "automatic motivation": "motivation.automatic",
    "motivation automatic": "motivation.automatic",
    "none": "none",
    "not com b": "none",
    "no com b": "none",
    "not relevant": "none",
    "barrier": "barrier",
    "barriers": "barrier",
    "facilitator": "facilitator",
    "facilitators": "facilitator",
    "enabler": "facilitator",
    "enablers": "facilitator",
    "neutral": "neutral",
}


def name_index(codebook: Codebook) -> dict[str, str]:
    """Return {normalised code name: codebook id} for ids, labels and common aliases."""
    index = dict(ALIASES)
    for domain in codebook.domains:
        index[normalise_code_name(domain.id)] = domain.id
        index[normalise_code_name(domain.label)] = domain.id
        if domain.component:
            component = next(c for c in codebook.components if c.id == domain.component)
            index[normalise_code_name(f"{component.label} {domain.label}")] = domain.id
    for polarity in codebook.polarities:
        index[normalise_code_name(polarity.id)] = polarity.id
    return {k: v for k, v in index.items() if v in codebook.domain_ids or v in
            {p.id for p in codebook.polarities}}
