"""Run a fine-tuned model on ONNX Runtime: export once, cache next to the model, optionally int8.

The export covers the whole scoring path (transformer, mean pooling, normalisation and both
heads) through ``torch.onnx.export``; tokenisation uses the model's own tokenizer with the
model's maximum length, and the model's temperatures are applied as in torch, so the
suggestions are the same records. Dynamic int8 quantisation
(``onnxruntime.quantization.quantize_dynamic``) stores weights as 8-bit integers, which on CPUs
with VNNI roughly doubles throughput; measure its effect on the labels with
``scripts/bench_batch.py``.

The exported files live in ``<model>/onnx/`` (or, when the model folder is read-only, in the
combcoder cache), with ``export.json`` naming the weights they came from; changed weights
mean a fresh export.
"""

from __future__ import annotations

import hashlib
import json
import os
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from ..classify.base import Classifier, read_model_json, restore_common
from ..errors import ConfigError, MissingExtraError

OPSET = 17
# Weights of the matrix multiplications only, per output channel: on the seed dev set this kept
# more labels equal to torch than per-tensor or also quantising the embedding table, at the same speed.
INT8_RECIPE = {"weight_type": "QInt8", "per_channel": True, "op_types": ["MatMul"]}
FP32_FILE = "model.onnx"
INT8_FILE = "model-int8.onnx"
INPUTS = ("input_ids", "attention_mask", "token_type_ids")


def require_onnxruntime():
    """Return the onnxruntime module; MissingExtraError when the batch extra is not installed."""
    try:
        import onnx  # noqa: F401  (the quantiser and export need it)
        import onnxruntime
    except ImportError as error:
        raise MissingExtraError(error.name or "onnxruntime", "batch") from None
    return onnxruntime


def weights_key(model_folder: Path) -> str:
    """Identify a model folder's weights by file name, size and modification time."""
    parts = []
    for path in sorted(model_folder.glob("heads.safetensors")) + sorted((model_folder / "encoder").rglob("*")):
        if path.is_file() and path.suffix in (".safetensors", ".bin", ".json"):
            stat = path.stat()
            parts.append(f"{path.relative_to(model_folder)}:{stat.st_size}:{stat.st_mtime_ns}")
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]


def onnx_folder(model_folder: Path) -> Path:
    """Return where this model's ONNX files are cached: <model>/onnx/, or the cache when read-only."""
    folder = model_folder / "onnx"
    if os.access(folder if folder.exists() else model_folder, os.W_OK):
        return folder
    from ..embed import default_cache_dir

    return default_cache_dir() / "onnx" / f"{model_folder.name}-{weights_key(model_folder)}"


def ensure_onnx(
    model_folder: str | Path, *, int8: bool = False, log: Callable[[str], None] = lambda line: None
) -> Path:
    """Return the path of the model's ONNX file, exporting (and quantising) it first if needed."""
    require_onnxruntime()
    model_folder = Path(model_folder)
    info = read_model_json(model_folder)
    if info.get("kind") != "finetuned":
        raise ConfigError(
            f"the onnx backend runs fine-tuned models; {model_folder} is a {info.get('kind')!r} model "
            "(use --backend torch)"
        )
    folder = onnx_folder(model_folder)
    key = weights_key(model_folder)
    stamp = folder / "export.json"
    current = json.loads(stamp.read_text(encoding="utf-8")) if stamp.is_file() else {}
    fp32, int8_path = folder / FP32_FILE, folder / INT8_FILE
    if current.get("weights") != key or not fp32.is_file():
        log(f"exporting {model_folder.name} to ONNX ...")
        folder.mkdir(parents=True, exist_ok=True)
        int8_path.unlink(missing_ok=True)
        _export(model_folder, fp32)
        current = {"weights": key, "opset": OPSET, "files": [FP32_FILE]}
        _write_json(stamp, current)
    if not int8:
        return fp32
    if not int8_path.is_file() or current.get("int8") != INT8_RECIPE:
        log("quantising the ONNX model to int8 ...")
        _quantise(fp32, int8_path)
        _write_json(stamp, current | {"files": [FP32_FILE, INT8_FILE], "int8": INT8_RECIPE})
    return int8_path


def export_onnx(classifier, path: str | Path) -> Path:
    """Export a loaded fine-tuned classifier's scoring path (encoder, pooling, heads) to ``path``."""
    import torch

    path = Path(path)
    wrapper = _scoring_module_class()(classifier.encoder, classifier.heads, classifier.settings.feature_scale).eval()
    example = classifier.encoder.preprocess(["an example utterance", "and a somewhat longer one for the shapes"])
    names = [n for n in INPUTS if n in example]
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        with torch.no_grad(), warnings.catch_warnings():
            # The tracer warns about shape checks that are constant for an encoder (no causal
            # mask, pooling mask as long as the tokens); agreement with torch is tested instead.
            warnings.simplefilter("ignore", torch.jit.TracerWarning)
            warnings.filterwarnings("ignore", message=".*aten::index.*")
            torch.onnx.export(
                wrapper,
                (),
                str(tmp),
                kwargs={n: example[n].to(classifier.device) for n in names},
                input_names=names,
                output_names=["domain_logits", "polarity_logits"],
                dynamic_axes={n: {0: "batch", 1: "tokens"} for n in names}
                | {"domain_logits": {0: "batch"}, "polarity_logits": {0: "batch"}},
                opset_version=OPSET,
                dynamo=False,
            )
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
        # Export can leave modules in training mode (dropout on): put the live model back.
        classifier.encoder.eval()
        classifier.heads.eval()
    return path


def _export(model_folder: Path, path: Path) -> None:
    from ..classify import FineTunedClassifier

    export_onnx(FineTunedClassifier.load(model_folder, device="cpu"), path)


def _quantise(fp32: Path, path: Path) -> None:
    import logging

    from onnxruntime.quantization import QuantType, quantize_dynamic

    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    root = logging.getLogger()
    level = root.level
    # quantize_dynamic logs a pre-processing advice on the root logger; its symbolic shape
    # inference fails on this graph, and the result is checked against torch instead.
    root.setLevel(logging.ERROR)
    try:
        quantize_dynamic(str(fp32), str(tmp), weight_type=getattr(QuantType, INT8_RECIPE["weight_type"]),
                         per_channel=INT8_RECIPE["per_channel"], op_types_to_quantize=INT8_RECIPE["op_types"])
        os.replace(tmp, path)
    finally:
        root.setLevel(level)
        tmp.unlink(missing_ok=True)


def _write_json(path: Path, data: dict) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def _scoring_module_class():
    """Return the wrapper module class (defined on first use: torch is imported lazily)."""
    import torch

    class ScoringModule(torch.nn.Module):
        """Tokens in, (domain logits, polarity logits) out: the fine-tuned model called with keywords."""

        def __init__(self, encoder, heads, feature_scale: float = 1.0):
            super().__init__()
            self.encoder = encoder
            self.heads = heads
            self.feature_scale = feature_scale

        def forward(self, input_ids, attention_mask, token_type_ids=None):
            features = {"input_ids": input_ids, "attention_mask": attention_mask, "modality": "text"}
            if token_type_ids is not None:
                features["token_type_ids"] = token_type_ids
            embedding = self.encoder(features)["sentence_embedding"] * self.feature_scale
            return self.heads["domain"](embedding), self.heads["polarity"](embedding)

    return ScoringModule


class OnnxClassifier(Classifier):
    """A fine-tuned model's export on ONNX Runtime; same labels, temperatures and suggestions."""

    kind = "onnx"

    def __init__(self, session=None, tokenizer=None, max_length: int = 128, **kwargs):
        super().__init__(**kwargs)
        self.session = session
        self.tokenizer = tokenizer
        self.max_length = max_length
        self.batch_size = 64
        self.path: Path | None = None

    @classmethod
    def load(
        cls,
        model_folder: str | Path,
        *,
        int8: bool = False,
        threads: int | None = None,
        log: Callable[[str], None] = lambda line: None,
    ) -> "OnnxClassifier":
        """Load (exporting first if needed) the ONNX version of a fine-tuned model folder."""
        ort = require_onnxruntime()
        from transformers import AutoTokenizer

        model_folder = Path(model_folder)
        path = ensure_onnx(model_folder, int8=int8, log=log)
        info = read_model_json(model_folder)
        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        if threads:
            options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        # Batches are large, so waking threads costs little, while spinning threads slow
        # everything on a machine shared with other work.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        wanted = ("CUDAExecutionProvider", "CPUExecutionProvider")
        providers = [p for p in wanted if p in ort.get_available_providers()]
        session = ort.InferenceSession(str(path), options, providers=providers)
        tokenizer = AutoTokenizer.from_pretrained(str(model_folder / "encoder"), local_files_only=True)
        max_length = int(info.get("settings", {}).get("max_seq_length") or _encoder_max_length(model_folder))
        model = restore_common(cls(session, tokenizer, max_length), info)
        model.path = path
        return model

    def logits(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        texts = list(texts)
        names = {i.name for i in self.session.get_inputs()}
        domain, polarity = [], []
        for b in range(0, len(texts), self.batch_size):
            encoded = self.tokenizer(
                texts[b : b + self.batch_size], padding=True, truncation="longest_first",
                max_length=self.max_length, return_tensors="np",
            )
            feed = {k: v.astype(np.int64) for k, v in encoded.items() if k in names}
            d, p = self.session.run(["domain_logits", "polarity_logits"], feed)
            domain.append(d)
            polarity.append(p)
        if not domain:
            return np.zeros((0, len(self.domains))), np.zeros((0, len(self.polarities)))
        return np.concatenate(domain), np.concatenate(polarity)


def _encoder_max_length(model_folder: Path) -> int:
    config = model_folder / "encoder" / "sentence_bert_config.json"
    if config.is_file():
        return int(json.loads(config.read_text(encoding="utf-8")).get("max_seq_length") or 128)
    return 128
