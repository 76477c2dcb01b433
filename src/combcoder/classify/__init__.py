"""Classify utterances into a COM-B sub-domain (or none) and a polarity.

Every classifier turns texts into two calibrated probability tables (domains, polarities);
:class:`~combcoder.classify.base.Classifier` turns those into suggestions. Implementations are
chosen by name from :data:`KINDS`; a saved model folder names its kind in ``model.json``.
Heavy libraries (torch, sentence-transformers) are imported inside the implementations' methods.
"""

from .base import Classifier, classifier_kind, load_classifier
from .finetuned import FineTunedClassifier
from .logreg import LogRegClassifier
from .prototype import PrototypeClassifier

KINDS: dict[str, type[Classifier]] = {
    cls.kind: cls for cls in (FineTunedClassifier, LogRegClassifier, PrototypeClassifier)
}

__all__ = ["KINDS", "Classifier", "classifier_kind", "load_classifier"]
