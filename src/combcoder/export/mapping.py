"""Map a QDA program's code names to COM-B sub-domains and polarities.

Without a mapping file a code matches by its name: the codebook id ("capability.physical"),
its label ("Physical capability"), common variants ("Capability: physical", "Barriers"), all
compared ignoring case, accents, punctuation and spacing. A mapping file handles the rest::

    codes:
      "Tiredness": capability.physical
      "Family/Family support": opportunity.social            # a code path: parent/child
      "Pressure from family": opportunity.social/barrier      # domain and polarity at once
      "Negative": barrier
      "Memo codes": ignore                                   # deliberately not imported

Keys are code names or paths of names joined by "/"; a path wins over a bare name. Values
are a domain id, a polarity id, "domain/polarity", or ``ignore``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from ..codebook import Codebook
from ..errors import ConfigError
from .codes import name_index, normalise_code_name

IGNORE = "ignore"


@dataclass(frozen=True)
class Target:
    """What one QDA code means in combcoder: a domain, a polarity, both, or nothing."""

    domain: str | None = None
    polarity: str | None = None
    ignore: bool = False


class CodeMapper:
    """Resolve QDA codes (by name and path) to Targets; None when nothing matches."""

    def __init__(self, codebook: Codebook, mapping: dict[str, str] | None = None, source: str = "mapping"):
        self.codebook = codebook
        self.polarities = {p.id for p in codebook.polarities}
        self.by_name = {name: self._target(value, source, name) for name, value in name_index(codebook).items()}
        self.explicit: dict[str, Target] = {}
        for key, value in (mapping or {}).items():
            path = "/".join(normalise_code_name(part) for part in str(key).split("/"))
            self.explicit[path] = self._target(value, source, key)

    def _target(self, value: str, source: str, key: str) -> Target:
        value = str(value).strip()
        if value == IGNORE:
            return Target(ignore=True)
        domain, _, polarity = value.partition("/")
        domain, polarity = domain.strip(), polarity.strip()
        if not polarity and domain in self.polarities:
            return Target(polarity=domain)
        if domain not in self.codebook.domain_ids:
            raise ConfigError(
                f"{source}: codes.{key}: unknown code {value!r}; expected a domain "
                f"({', '.join(self.codebook.domain_ids)}), a polarity ({', '.join(sorted(self.polarities))}), "
                f"'domain/polarity' or '{IGNORE}'"
            )
        if polarity and polarity not in self.polarities:
            raise ConfigError(f"{source}: codes.{key}: unknown polarity {polarity!r}; expected one of "
                              f"{', '.join(sorted(self.polarities))}")
        return Target(domain=domain, polarity=polarity or None)

    def resolve(self, path: list[str]) -> Target | None:
        """Return the Target for a code given as its path of names (root first)."""
        folded = [normalise_code_name(p) for p in path]
        for start in range(len(folded)):  # the longest explicit path first
            key = "/".join(folded[start:])
            if key in self.explicit:
                return self.explicit[key]
        name = folded[-1] if folded else ""
        if name in self.by_name:
            return self.by_name[name]
        if len(folded) >= 2:  # "Capability" > "Physical" reads as "Capability physical"
            return self.by_name.get(f"{folded[-2]} {folded[-1]}") or self.by_name.get(f"{folded[-1]} {folded[-2]}")
        return None


def load_mapping(path: str | Path | None, codebook: Codebook) -> CodeMapper:
    """Load a YAML mapping file (or none) into a CodeMapper; ConfigError names the problem."""
    if path is None:
        return CodeMapper(codebook)
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: mapping file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read mapping file: {exc}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark is not None else ""
        raise ConfigError(f"{path}: {where}invalid YAML: {getattr(exc, 'problem', None) or exc}") from None
    if not isinstance(data, dict) or set(data) != {"codes"} or not isinstance(data["codes"], dict):
        raise ConfigError(f"{path}: expected a mapping with one key 'codes' holding "
                          "{QDA code name: domain | polarity | domain/polarity | ignore}")
    for key, value in data["codes"].items():
        if not isinstance(value, str):
            raise ConfigError(f"{path}: codes.{key}: expected a string, found {type(value).__name__}")
    return CodeMapper(codebook, data["codes"], str(path))
