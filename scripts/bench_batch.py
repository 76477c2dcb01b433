"""Benchmark the batch job on a synthetic corpus resampled from the demo transcripts.

    python scripts/bench_batch.py [--model VERSION_OR_PATH] [--sizes 10000,100000] [--batch-size 64]
                                  [--rss-backend onnx-int8] [--rss-timeout 1200] [--json FILE]

In one run on this machine it prints:
1. end-to-end utterances/s of the batch job (torch; read, segment, classify, write Parquet) vs the
   raw encoder forward pass (tokenise + transformer forward, length-sorted batches, no pooling or
   heads) on the same coded texts (goal >= 0.85). The first size is timed in 5 rounds of a fifth
   each, every round timing all contenders back to back; ratios are medians over the rounds,
   by wall time and by this process's CPU time (steadier on a shared machine);
2. the same job with --backend onnx and onnx --int8 vs torch (goal >= 2x for int8);
3. agreement of ONNX with torch on the seed dev set (goal >= 99 %) and the int8 macro-F1 loss on
   dev (goal <= 1 point);
4. peak RSS of the whole job at the smallest vs the largest size, each in its own subprocess
   (goal ratio <= 1.2). The largest run is bounded by --rss-timeout; a run stopped there reports
   the peak reached so far and says so. Use --rss-backend torch to measure with torch (slower).

The synthetic transcripts are plain text ("Moderator:" and "P1:"-"P6:" turns) whose participant
turns are 1-3 sentences drawn at random from the demo transcripts' participant turns, with the
demo's interviewer questions and back-channels in between; every turn is one utterance. Nothing
is downloaded.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

TURNS_PER_DOCUMENT = 150
ROUNDS = 5
SPEAKERS = [f"P{k}" for k in range(1, 7)]


# --- the synthetic corpus ---------------------------------------------------------------
def demo_pools() -> dict[str, list[str]]:
    """Sentences of participant turns, interviewer turns and back-channels from data/demo."""
    from combcoder.ingest import iter_sources, read_source
    from combcoder.segment import Segmenter

    by_sentence = Segmenter(mode="sentence")
    pools: dict[str, list[str]] = {"participant": [], "interviewer": [], "backchannel": []}
    for source in iter_sources([], REPO / "data" / "demo" / "manifest.yaml"):
        for u in by_sentence.segment(read_source(source)):
            text = " ".join(u.text.split())
            if u.skip_reason == "backchannel":
                pools["backchannel"].append(text)
            elif u.role == "interviewer":
                pools["interviewer"].append(text)
            elif u.codable and len(text) > 15:
                pools["participant"].append(text)
    return {k: sorted(set(v)) for k, v in pools.items()}


def write_corpus(folder: Path, utterances: int, pools: dict[str, list[str]], seed: int = 13,
                 prefix: str = "synthetic") -> Path:
    """Write transcripts with ``utterances`` turns in all (each turn one utterance)."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    written, doc = 0, 0
    while written < utterances:
        n = min(TURNS_PER_DOCUMENT, utterances - written)
        turns = []
        for _ in range(n):
            draw = rng.random()
            if draw < 0.2:
                turns.append(f"Moderator: {rng.choice(pools['interviewer'])}")
            elif draw < 0.28:
                turns.append(f"{rng.choice(SPEAKERS)}: {rng.choice(pools['backchannel'])}")
            else:
                k = rng.choices((1, 2, 3), weights=(0.15, 0.5, 0.35))[0]
                text = " ".join(rng.choice(pools["participant"]) for _ in range(k))
                while len(text) > 390:  # stay under max_chars: one turn, one utterance
                    text = text[: text.rfind(" ", 0, 380)]
                turns.append(f"{rng.choice(SPEAKERS)}: {text}")
        (folder / f"{prefix}_{doc:05d}.txt").write_text("\n\n".join(turns) + "\n", encoding="utf-8")
        written += n
        doc += 1
    return folder


def corpus_texts(folder: Path) -> tuple[int, list[str]]:
    """Return the number of utterances and the coded texts of a corpus, as the job segments it."""
    from combcoder.ingest import iter_sources, read_source
    from combcoder.segment import Segmenter

    segmenter, total, coded = Segmenter(), 0, []
    for source in iter_sources([folder]):
        utterances = segmenter.segment(read_source(source))
        total += len(utterances)
        coded += [u.text for u in utterances if u.codable]
    return total, coded


# --- measurements -------------------------------------------------------------------------
def cpu_seconds() -> float:
    """CPU time of this process, all threads (less disturbed than wall time on a shared machine)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def raw_forward(classifier, texts: list[str], batch_size: int) -> tuple[float, float]:
    """(wall, CPU) seconds for tokenise + transformer forward over ``texts`` (length-sorted batches)."""
    import torch

    transformer = classifier.encoder[0]
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    started, cpu = time.perf_counter(), cpu_seconds()
    with torch.inference_mode():
        for b in range(0, len(order), batch_size):
            features = classifier.encoder.preprocess([texts[i] for i in order[b : b + batch_size]])
            transformer.auto_model(input_ids=features["input_ids"], attention_mask=features["attention_mask"])
    return time.perf_counter() - started, cpu_seconds() - cpu


def model_call(classifier, texts: list[str], batch_size: int) -> float:
    """Wall seconds for the classifier's scoring call alone (tokenise, model, heads) over ``texts``."""
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    started = time.perf_counter()
    for b in range(0, len(order), batch_size):
        classifier.logits([texts[i] for i in order[b : b + batch_size]])
    return time.perf_counter() - started


def run_job(corpus: Path, out: Path, model: str, backend: str, batch_size: int) -> dict:
    """Run the batch job in this process; return its figures (model loading excluded)."""
    from combcoder.batch import run_batch

    reports: list[float] = []  # CPU time at each report; the second comes once the model is loaded

    def note(progress) -> None:
        if len(reports) < 2:
            reports.append(cpu_seconds())

    summary = run_batch([corpus], out, model=model, backend=backend.split("-")[0], int8=backend.endswith("int8"),
                        batch_size=batch_size, restart=True, on_progress=note)
    cpu = cpu_seconds() - reports[-1]
    return {"seconds": summary.seconds, "cpu_seconds": cpu, "load_seconds": summary.load_seconds,
            "utterances": summary.utterances, "coded": summary.codable,
            "coded_per_s": summary.codable / summary.seconds}


def dev_examples():
    from combcoder.train.data import read_folder

    return [e for e in read_folder(REPO / "data" / "seed") if e.split == "dev"]


def agreement(model_folder: Path) -> dict:
    from combcoder.batch.onnx import OnnxClassifier
    from combcoder.classify import load_classifier
    from combcoder.train.evaluate import evaluate

    dev = dev_examples()
    texts, ids = [e.text for e in dev], [e.id for e in dev]
    models = {"torch": load_classifier(model_folder), "onnx": OnnxClassifier.load(model_folder),
              "onnx-int8": OnnxClassifier.load(model_folder, int8=True)}
    suggestions = {name: m.suggest(ids, texts) for name, m in models.items()}
    f1 = {name: evaluate(m, dev)["domain_macro_f1"] for name, m in models.items()}
    result = {"dev_n": len(dev), "macro_f1": f1}
    for name in ("onnx", "onnx-int8"):
        pairs = list(zip(suggestions[name], suggestions["torch"]))
        result[f"{name}_domain_agreement"] = sum(a.domain == b.domain for a, b in pairs) / len(pairs)
        result[f"{name}_label_agreement"] = sum((a.domain, a.polarity) == (b.domain, b.polarity) for a, b in pairs) / len(pairs)
    result["int8_f1_loss_points"] = round(100 * (f1["torch"] - f1["onnx-int8"]), 2)
    return result


def measure_rss(corpus: Path, out: Path, model: str, backend: str, batch_size: int, timeout: float) -> dict:
    """Run the job in a fresh interpreter; return its peak RSS (MiB) and how far it got."""
    command = [sys.executable, __file__, "--child", str(corpus), str(out), "--model", model,
               "--rss-backend", backend, "--batch-size", str(batch_size)]
    last: dict = {}
    started = time.perf_counter()
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True) as child:
        try:
            for line in child.stdout:
                last = json.loads(line)
                if time.perf_counter() - started > timeout:
                    child.kill()
                    break
        finally:
            child.wait()
    last["wall_s"] = round(time.perf_counter() - started, 1)
    return last


def _status_mib(field: str) -> float:
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return float("nan")


def current_rss_mib() -> float:
    return _status_mib("VmRSS")


def peak_rss_mib() -> float:
    # VmHWM, not getrusage's ru_maxrss: ru_maxrss survives exec, so a child forked from a big
    # parent would report the parent's size.
    return _status_mib("VmHWM")


def child(corpus: str, out: str, model: str, backend: str, batch_size: int) -> None:
    """The subprocess side of measure_rss: run the job, print progress and memory as JSON lines.

    ``peak_rss_mib`` is the process's peak (model loading included); ``running_rss_mib`` is the
    largest resident size seen at the progress reports after the model was loaded, which is
    what grows if the job holds on to what it has read.
    """
    state = {"last": 0.0, "reports": 0, "running": 0.0}

    def report(progress, done: bool = False) -> None:
        state["reports"] += 1
        if state["reports"] > 1:  # the first report comes before the model is loaded
            state["running"] = max(state["running"], current_rss_mib())
        now = time.perf_counter()
        if done or now - state["last"] > 2:
            state["last"] = now
            print(json.dumps({"utterances": progress.utterances, "fraction": round(progress.fraction, 4),
                              "peak_rss_mib": round(peak_rss_mib(), 1), "running_rss_mib": round(state["running"], 1),
                              "done": done}), flush=True)

    from combcoder.batch import run_batch

    summary = run_batch([corpus], out, model=model, backend=backend.split("-")[0], int8=backend.endswith("int8"),
                        batch_size=batch_size, restart=True, on_progress=report)
    print(json.dumps({"utterances": summary.utterances, "fraction": 1.0, "peak_rss_mib": round(peak_rss_mib(), 1),
                      "running_rss_mib": round(state["running"], 1), "done": True,
                      "rate": round(summary.rate, 1)}), flush=True)


# --- report -------------------------------------------------------------------------------
def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=None, help="model folder or registry version (default: promoted)")
    parser.add_argument("--sizes", default="10000,100000", help="corpus sizes in utterances; the first is timed")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--rss-backend", default="onnx-int8", choices=("torch", "onnx", "onnx-int8"))
    parser.add_argument("--rss-timeout", type=float, default=1200, help="seconds allowed to each RSS run")
    parser.add_argument("--workdir", type=Path, default=None, help="where corpora and outputs go (default: temp)")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures to this file")
    parser.add_argument("--child", nargs=2, metavar=("CORPUS", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child, args.model, args.rss_backend, args.batch_size)
        return 0

    from combcoder.batch.onnx import ensure_onnx
    from combcoder.batch.scoring import default_threads, set_torch_threads
    from combcoder.classify import load_classifier
    from combcoder.registry import resolve_model

    model_folder = resolve_model(args.model).resolve()
    model = str(model_folder)
    sizes = [int(s) for s in args.sizes.split(",")]
    work = args.workdir or Path(tempfile.mkdtemp(prefix="bench_batch-"))
    figures: dict = {
        "machine": {"cpu": platform.processor() or platform.machine(), "cpus": os.cpu_count(),
                    "threads": default_threads(), "load_average_start": os.getloadavg()},
        "model": model_folder.name, "batch_size": args.batch_size,
    }
    print(f"model {model_folder.name}; {figures['machine']['cpus']} CPUs, load average {os.getloadavg()}")
    pools = demo_pools()
    n = sizes[0]
    # The first size is written in ROUNDS parts (together, its whole corpus). Each round times the
    # raw forward pass and the three jobs on one part back to back, so the swings in load of a
    # shared machine hit all four alike; the figures are medians of the per-round ratios.
    parts = [write_corpus(work / f"corpus-{n}" / f"part{r}", n // ROUNDS, pools, seed=13 + r, prefix=f"part{r}")
             for r in range(ROUNDS)]
    corpora = {size: write_corpus(work / f"corpus-{size}", size, pools) for size in sizes[1:]}
    corpora[n] = work / f"corpus-{n}"
    for name in ("onnx", "onnx-int8"):
        ensure_onnx(model_folder, int8=name.endswith("int8"))  # export outside the timings

    # 1-2. Throughput on the first size, in rounds.
    set_torch_threads(default_threads())
    from combcoder.batch.onnx import OnnxClassifier

    classifier = load_classifier(model_folder)
    backends = ("torch", "onnx", "onnx-int8")
    scorers = {"torch": classifier, "onnx": OnnxClassifier.load(model_folder, threads=default_threads()),
               "onnx-int8": OnnxClassifier.load(model_folder, int8=True, threads=default_threads())}
    rounds = []
    for r, part in enumerate(parts):
        total, coded = corpus_texts(part)
        row = {"utterances": total, "coded": len(coded), "distinct": len(set(coded)),
               "raw": raw_forward(classifier, coded, args.batch_size)}
        for backend in backends:
            row[backend] = run_job(part, work / f"out-{backend}-{r}", model, backend, args.batch_size)
        # The model call alone, on the same texts: what the backend changes, without the job's
        # reading, segmenting and writing (which are the same for every backend).
        row["call"] = {b: model_call(scorers[b], sorted(set(coded)), args.batch_size) for b in backends}
        rounds.append(row)
        print(f"round {r + 1}/{ROUNDS}: {total} utterances, {len(coded)} coded; raw {row['raw'][0]:.1f} s, "
              + ", ".join(f"{b} {row[b]['seconds']:.1f} s" for b in backends) + f"; load {os.getloadavg()[0]:.1f}")
    del classifier, scorers

    def median_ratio(f) -> float:
        return statistics.median(f(row) for row in rounds)

    coded_total = sum(row["coded"] for row in rounds)
    seconds = {b: sum(row[b]["seconds"] for row in rounds) for b in backends}
    raw_seconds = sum(row["raw"][0] for row in rounds)
    print(f"\ncorpus {n}: {sum(row['utterances'] for row in rounds)} utterances, {coded_total} coded, "
          f"{sum(row['distinct'] for row in rounds)} distinct coded texts (within parts)")
    print(f"raw encoder forward: {coded_total / raw_seconds:7.1f} texts/s  ({raw_seconds:.1f} s)")
    for b in backends:
        print(f"job {b:10}:       {coded_total / seconds[b]:7.1f} coded/s "
              f"({sum(row['utterances'] for row in rounds) / seconds[b]:.1f} utterances/s, {seconds[b]:.1f} s)")
    ratio = median_ratio(lambda row: row["raw"][0] / row["torch"]["seconds"])
    ratio_cpu = median_ratio(lambda row: row["raw"][1] / row["torch"]["cpu_seconds"])
    speed = {b: median_ratio(lambda row: row["torch"]["seconds"] / row[b]["seconds"]) for b in backends[1:]}
    speed_cpu = {b: median_ratio(lambda row: row["torch"]["cpu_seconds"] / row[b]["cpu_seconds"]) for b in backends[1:]}
    call_speed = {b: median_ratio(lambda row: row["call"]["torch"] / row["call"][b]) for b in backends[1:]}
    figures |= {"size": n, "rounds": rounds, "end_to_end_vs_raw": ratio, "end_to_end_vs_raw_cpu": ratio_cpu,
                "speedup": speed, "speedup_cpu": speed_cpu, "model_call_speedup": call_speed}

    # 3. Agreement and int8 loss on seed dev.
    agree = agreement(model_folder)
    figures["dev"] = agree

    # 4. Peak RSS, each size in its own interpreter.
    rss = {}
    for size in (sizes[0], sizes[-1]) if len(sizes) > 1 else (sizes[0],):
        rss[size] = measure_rss(corpora[size], work / f"rss-{size}", model, args.rss_backend, args.batch_size,
                                args.rss_timeout)
        print(f"RSS at {size}: peak {rss[size].get('peak_rss_mib')} MiB, largest after loading "
              f"{rss[size].get('running_rss_mib')} MiB ({rss[size].get('utterances')} utterances, "
              f"{'finished' if rss[size].get('done') else 'stopped at the time limit'}, {rss[size]['wall_s']} s)")
    figures["rss"] = rss
    figures["machine"]["load_average_end"] = os.getloadavg()

    print(f"\n{'figure':52} {'measured':>12} {'goal':>8}")
    rows = [
        ("end-to-end coded/s vs raw forward (same texts)", f"{ratio:.2f}", ">= 0.85", ratio >= 0.85),
        ("  the same by CPU time", f"{ratio_cpu:.2f}", ">= 0.85", ratio_cpu >= 0.85),
        ("onnx fp32 job speed vs torch", f"{speed['onnx']:.2f}x", "(info)", None),
        ("  the same by CPU time", f"{speed_cpu['onnx']:.2f}x", "(info)", None),
        ("onnx int8 job speed vs torch", f"{speed['onnx-int8']:.2f}x", ">= 2x", speed["onnx-int8"] >= 2),
        ("  the same by CPU time", f"{speed_cpu['onnx-int8']:.2f}x", ">= 2x", speed_cpu["onnx-int8"] >= 2),
        ("onnx fp32 model call vs torch (same texts)", f"{call_speed['onnx']:.2f}x", "(info)", None),
        ("onnx int8 model call vs torch (same texts)", f"{call_speed['onnx-int8']:.2f}x", "(info)", None),
        (f"onnx fp32 label agreement with torch (dev, n={agree['dev_n']})", f"{100 * agree['onnx_label_agreement']:.1f} %",
         ">= 99 %", agree["onnx_label_agreement"] >= 0.99),
        ("onnx int8 domain agreement with torch (dev)", f"{100 * agree['onnx-int8_domain_agreement']:.1f} %", "(info)", None),
        ("dev macro-F1 torch / onnx / int8",
         " / ".join(f"{agree['macro_f1'][k]:.3f}" for k in ("torch", "onnx", "onnx-int8")), "(info)", None),
        ("int8 macro-F1 loss on dev (points)", f"{agree['int8_f1_loss_points']:.2f}", "<= 1", agree["int8_f1_loss_points"] <= 1),
    ]
    if len(rss) == 2:
        small, large = (rss[s].get("peak_rss_mib") for s in (sizes[0], sizes[-1]))
        rss_ratio = large / small if small and large else float("nan")
        figures["rss_ratio"] = rss_ratio
        complete = rss[sizes[-1]].get("done")
        rows.append((f"peak RSS {sizes[-1]} / {sizes[0]} ({args.rss_backend})" + ("" if complete else ", partial"),
                     f"{rss_ratio:.2f}", "<= 1.2", rss_ratio <= 1.2))
        small, large = (rss[s].get("running_rss_mib") for s in (sizes[0], sizes[-1]))
        running_ratio = large / small if small and large else float("nan")
        figures["running_rss_ratio"] = running_ratio
        rows.append(("  the same, largest RSS after loading the model", f"{running_ratio:.2f}", "<= 1.2",
                     running_ratio <= 1.2))
    for name, value, goal, ok in rows:
        print(f"{name:52} {value:>12} {goal:>8}  {'' if ok is None else verdict(ok)}")
    print(f"load average at the end: {os.getloadavg()} (shared machine: other jobs slow both sides alike)")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2, default=str) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
