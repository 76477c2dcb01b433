"""Run a fine-tuned model on ONNX Runtime: export once, cache next to the model, optionally int8.

The export covers the whole scoring path (transformer, mean pooling, normalisation and both
heads) through ``torch.onnx.export``; tokenisation uses the model's own tokenizer with the
model's maximum length, and the model's temperatures are applied as in torch, so the
suggestions are the same records. The int8 model is made in two steps: ONNX Runtime's
transformer optimiser fuses each layer's attention, GELU and layer norms into single operators,
then dynamic quantisation (``onnxruntime.quantization.quantize_dynamic``) stores the weights of
the matrix multiplications and of the fused attention as 8-bit integers, which CPUs with VNNI
run much faster; ``scripts/bench_batch.py`` measures speed and the effect on the labels.

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
# The export traces the plain ("eager") attention, whose pattern the optimiser can fuse; the
# fp32 graph computes the same as torch's default attention. A new value means a fresh export.
EXPORT_RECIPE = {"attention": "eager"}
# Fused graph, then int8 weights per output channel in the matrix multiplications and the fused
# attention. Measured on the seed dev set and the synthetic demo corpus (README, "Large corpora"):
# per-tensor weights ran no faster and changed 7 % of labels; quantising the MatMuls alone and
# leaving attention in fp32 ran ~10 % slower; the unfused graph ran ~8 % slower.
INT8_RECIPE = {"fuse": "bert", "weight_type": "QInt8", "per_channel": True, "op_types": ["MatMul", "Attention"]}
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
    if current.get("weights") != key or current.get("export") != EXPORT_RECIPE or not fp32.is_file():
        log(f"exporting {model_folder.name} to ONNX ...")
        folder.mkdir(parents=True, exist_ok=True)
        int8_path.unlink(missing_ok=True)
        _export(model_folder, fp32)
        current = {"weights": key, "opset": OPSET, "export": EXPORT_RECIPE, "files": [FP32_FILE]}
        _write_json(stamp, current)
    if not int8:
        return fp32
    if not int8_path.is_file() or current.get("int8") != INT8_RECIPE:
        log("quantising the ONNX model to int8 ...")
        _quantise(fp32, int8_path, json.loads((model_folder / "encoder" / "config.json").read_text(encoding="utf-8")))
        _write_json(stamp, current | {"files": [FP32_FILE, INT8_FILE], "int8": INT8_RECIPE})
    return int8_path


def export_onnx(classifier, path: str | Path) -> Path:
    """Export a loaded fine-tuned classifier's scoring path (encoder, pooling, heads) to ``path``."""
    import torch

    path = Path(path)
    wrapper = _scoring_module_class()(classifier.encoder, classifier.heads, classifier.settings.feature_scale).eval()
    transformer = classifier.encoder[0].auto_model
    attention = transformer.config._attn_implementation
    example = classifier.encoder.preprocess(["an example utterance", "and a somewhat longer one for the shapes"])
    names = [n for n in INPUTS if n in example]
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        transformer.set_attn_implementation(EXPORT_RECIPE["attention"])
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
        transformer.set_attn_implementation(attention)
        # Export can leave modules in training mode (dropout on): put the live model back.
        classifier.encoder.eval()
        classifier.heads.eval()
    return path


def _export(model_folder: Path, path: Path) -> None:
    from ..classify import FineTunedClassifier

    export_onnx(FineTunedClassifier.load(model_folder, device="cpu"), path)


def _quantise(fp32: Path, path: Path, config: dict) -> None:
    """Fuse the exported graph's transformer layers, then quantise its weights to int8."""
    import logging

    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from onnxruntime.transformers.optimizer import optimize_model

    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    fused = path.with_name(f".{path.name}.fused-{os.getpid()}")
    root = logging.getLogger()
    level = root.level
    # The optimiser and quantize_dynamic log advice on the root logger (symbolic shape inference
    # fails on this graph); the result is checked against torch instead.
    root.setLevel(logging.ERROR)
    try:
        # opt_level 1 fuses the layers and leaves hardware-specific rewrites to the session.
        # Head count and width from the encoder's config. Without them (an architecture that names
        # them otherwise) attention stays unfused; the rest is still fused and quantised.
        graph = optimize_model(str(fp32), model_type=INT8_RECIPE["fuse"], opt_level=1,
                               num_heads=int(config.get("num_attention_heads") or 0),
                               hidden_size=int(config.get("hidden_size") or 0))
        graph.save_model_to_file(str(fused))
        quantize_dynamic(str(fused), str(tmp), weight_type=getattr(QuantType, INT8_RECIPE["weight_type"]),
                         per_channel=INT8_RECIPE["per_channel"], op_types_to_quantize=INT8_RECIPE["op_types"],
                         # tensors whose type inference cannot settle are float32 in this graph
                         extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT})
        os.replace(tmp, path)
    finally:
        root.setLevel(level)
        tmp.unlink(missing_ok=True)
        fused.unlink(missing_ok=True)


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
        # ONNX Runtime's default thread spinning stays on: on the int8 model it measured 5-15 %
        # faster than sleeping between operators (scripts/bench_batch.py, 2-core VM).
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
