"""One spaCy NER pipeline for the whole session: loading it takes seconds."""

from __future__ import annotations

import pytest

from combcoder.deidentify import Detector, load_nlp


@pytest.fixture(scope="session")
def nlp():
    return load_nlp()


@pytest.fixture
def detector(nlp) -> Detector:
    return Detector(nlp=nlp)
