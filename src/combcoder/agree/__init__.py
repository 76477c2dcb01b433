"""Agreement between coders (people or model versions) on the same utterances."""

from .agreement import (
    COEFFICIENTS,
    AgreementResult,
    CodeAgreement,
    Disagreement,
    Estimate,
    PairAgreement,
    SourceCoverage,
    agreement,
)
from .format import format_agreement, write_disagreements
from .sources import (
    FIELDS,
    Coding,
    CodingSource,
    codebook_categories,
    labels_by_source,
    load_source,
    load_sources,
    source_from_mapping,
)

__all__ = [
    "COEFFICIENTS", "FIELDS", "AgreementResult", "CodeAgreement", "Coding", "CodingSource",
    "Disagreement", "Estimate", "codebook_categories", "PairAgreement", "SourceCoverage", "agreement",
    "format_agreement", "labels_by_source", "load_source", "load_sources",
    "source_from_mapping", "write_disagreements",
]
