"""The ONNX backend: exported once and cached, same tokens, same labels as torch on seed dev."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("onnxruntime")

from combcoder.batch.onnx import OnnxClassifier, ensure_onnx  # noqa: E402
from combcoder.registry import promoted_version  # noqa: E402

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def model_folder(fixture_registry, tmp_path_factory) -> Path:
    """A private copy of the fixture model, exported to fp32 and int8 ONNX once for this module."""
    root = tmp_path_factory.mktemp("onnx-models")
    version = promoted_version(fixture_registry)
    folder = root / version
    shutil.copytree(fixture_registry / version, folder)
    ensure_onnx(folder, int8=True)
    return folder


@pytest.fixture(scope="module")
def seed_dev() -> list[str]:
    rows = [json.loads(line) for path in sorted((REPO / "data" / "seed").glob("*.jsonl"))
            for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    texts = [r["text"] for r in rows if r.get("split") == "dev"]
    return texts or [r["text"] for r in rows][::7]


def test_export_is_cached_next_to_the_model_and_redone_when_weights_change(model_folder):
    fp32 = model_folder / "onnx" / "model.onnx"
    assert fp32.is_file() and (model_folder / "onnx" / "model-int8.onnx").is_file()
    # int8 matrix weights, fp32 embedding table
    assert (model_folder / "onnx" / "model-int8.onnx").stat().st_size < 0.8 * fp32.stat().st_size
    stamp = fp32.stat().st_mtime_ns
    assert ensure_onnx(model_folder) == fp32 and fp32.stat().st_mtime_ns == stamp
    heads = model_folder / "heads.safetensors"
    original = heads.stat()
    try:
        import os

        os.utime(heads, ns=(original.st_atime_ns, original.st_mtime_ns + 10**9))
        assert ensure_onnx(model_folder) == fp32 and fp32.stat().st_mtime_ns != stamp
        assert not (model_folder / "onnx" / "model-int8.onnx").exists()  # stale int8 removed
    finally:
        ensure_onnx(model_folder, int8=True)


def test_int8_graph_is_fused_and_a_stale_recipe_is_redone(model_folder):
    import onnx

    int8 = model_folder / "onnx" / "model-int8.onnx"
    ops = {node.op_type for node in onnx.load(str(int8), load_external_data=False).graph.node}
    # one fused, int8 attention operator per layer instead of a dozen small ones
    assert {"QAttention", "EmbedLayerNormalization", "SkipLayerNormalization"} <= ops
    assert "Softmax" not in ops
    stamp = model_folder / "onnx" / "export.json"
    recorded = json.loads(stamp.read_text())
    # an export made before the fused recipe (no "export" key, unfused MatMul-only int8)
    stamp.write_text(json.dumps({k: v for k, v in recorded.items() if k != "export"} | {"int8": {"old": True}}))
    before = int8.stat().st_mtime_ns
    ensure_onnx(model_folder, int8=True)
    assert int8.stat().st_mtime_ns != before
    assert json.loads(stamp.read_text()) == recorded


def test_tokens_match_the_sentence_transformer(model_folder, seed_dev):
    from combcoder.classify import FineTunedClassifier

    torch_model = FineTunedClassifier.load(model_folder, device="cpu")
    onnx_model = OnnxClassifier.load(model_folder)
    texts = seed_dev[:32] + ["  padded with spaces  ", "word " * 200]
    want = torch_model.encoder.preprocess(texts)
    got = onnx_model.tokenizer(texts, padding=True, truncation="longest_first",
                               max_length=onnx_model.max_length, return_tensors="np")
    assert np.array_equal(got["input_ids"], want["input_ids"].numpy())
    assert np.array_equal(got["attention_mask"], want["attention_mask"].numpy())


def test_onnx_agrees_with_torch_on_seed_dev(model_folder, seed_dev):
    from combcoder.classify import FineTunedClassifier

    torch_model = FineTunedClassifier.load(model_folder, device="cpu")
    fp32 = OnnxClassifier.load(model_folder, threads=2)
    int8 = OnnxClassifier.load(model_folder, int8=True, threads=2)
    assert fp32.temperatures == torch_model.temperatures and fp32.version == torch_model.version
    ids = [f"dev{i}" for i in range(len(seed_dev))]
    want = torch_model.suggest(ids, seed_dev)
    got = fp32.suggest(ids, seed_dev)
    agree = np.mean([(a.domain, a.polarity) == (b.domain, b.polarity) for a, b in zip(got, want)])
    assert agree >= 0.99
    assert max(abs(a.domain_score - b.domain_score) for a, b in zip(got, want)) < 2e-3
    assert [type(s) for s in got] == [type(s) for s in want] and got[0].model == want[0].model
    quantised = int8.suggest(ids, seed_dev)
    agree_int8 = np.mean([a.domain == b.domain for a, b in zip(quantised, want)])
    assert agree_int8 >= 0.8  # the barely trained fixture model has small margins; see bench_batch.py


def test_batch_job_with_onnx_backend(models_root, demo_corpus, tmp_path, read_rows):
    from combcoder.batch import run_batch


    torch_summary = run_batch([demo_corpus], tmp_path / "torch")
    onnx_summary = run_batch([demo_corpus], tmp_path / "onnx", backend="onnx")
    assert (models_root / promoted_version(models_root) / "onnx" / "model.onnx").is_file()
    a, b = read_rows(tmp_path / "torch"), read_rows(tmp_path / "onnx")
    assert [r["id"] for r in a] == [r["id"] for r in b]
    assert np.mean([x["domain"] == y["domain"] for x, y in zip(a, b)]) >= 0.99
    assert onnx_summary.codable == torch_summary.codable


def test_onnx_needs_a_fine_tuned_model(tmp_path):
    from combcoder.errors import ConfigError

    (tmp_path / "model.json").write_text(json.dumps({"kind": "logreg", "version": "v"}))
    with pytest.raises(ConfigError, match="fine-tuned"):
        ensure_onnx(tmp_path)
