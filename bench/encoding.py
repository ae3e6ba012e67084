"""Encoding benchmark (issue 8, point 1): ccimatch ingest against raw sentence-transformers, and the
ONNX Runtime int8 backend against torch fp32.

``python -m bench.encoding [--quick]`` prints the figures; the plot goes to reports/bench_encoding.png.

(a) The same profile texts (sample profiles, copies with deterministically varied texts until there
are 2,000 distinct texts) are encoded in each round by raw ``SentenceTransformer(path).encode`` (the
texts ingest encodes, with the "passage: " prefix, same batch size), by ``Catalogue.ingest`` into a
fresh SQLite database (fp32) and by the int8 encoder; the order of the three rotates every round.
(b) int8 against fp32: throughput ratio from the same rounds, mean cosine over the texts for both roles.
(c) The sample profiles ingested with each backend into two databases: top-10 ``suggest`` ids for
every profile, overlap = mean |A ∩ B| / 10. The vectors computed in (a)/(b) are reused there (a memo
in front of each encoder) since (c) measures agreement, not speed.
(d) Tatoeba ara-eng and fra-eng (../shared/data/tatoeba-crosslingual) with each backend: nearest-neighbour
accuracy, mean of both directions, the protocol of ``evaluation.crosslingual`` (bench may not import
evaluation: the few lines are repeated here); the int8 figure must stay within 1 point of fp32.
"""

from __future__ import annotations

import gc
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from bench import common
from bench.common import RUNS, Figure, section_main

SAMPLE = common.ROOT / "data" / "sample_profiles.csv"
SECTION = "encoding"


@dataclass(frozen=True, kw_only=True)
class Params:
    texts: int  # distinct texts encoded per run
    runs: int  # timed rounds (each: raw, ingest, int8)
    warmup_texts: int  # texts of the untimed warm-up of each path
    tatoeba_pairs: int | None  # sentence pairs per Tatoeba language (None: the full 1,000)
    batch_size: int = 32


FULL = Params(texts=2000, runs=RUNS, warmup_texts=128, tatoeba_pairs=None)
QUICK = Params(texts=256, runs=3, warmup_texts=32, tatoeba_pairs=200)
TATOEBA_LANGS = ("ara", "fra")


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def ingest_texts(records: Sequence[Mapping[str, Any]]) -> list[str]:
    """The distinct texts ``Catalogue.ingest`` encodes for these records (views, offers, needs)."""
    from matcher.profile import validate_record

    out: dict[str, None] = {}
    for raw in records:
        profile, errors = validate_record(raw)
        if profile is None:
            raise ValueError(f"invalid bench record {raw.get('id')}: {errors[:1]}")
        out.update((t, None) for t in (*profile.view_texts().values(), *profile.offers, *profile.needs) if t)
    return list(out)


def _vary(value: Any, copy: int) -> Any:
    """A text field of copy ``copy`` (0: unchanged): each ';'-separated item gets a copy number."""
    if copy == 0 or not isinstance(value, str) or not value:
        return value
    return ";".join(f"{item.strip()} ({copy})" for item in value.split(";"))


def profile_records(n_texts: int) -> tuple[list[dict[str, Any]], int]:
    """Sample profiles, then copies of them with varied texts, until they hold ``n_texts`` distinct texts.

    Returns the records and how many of them are unchanged sample profiles (the first ones)."""
    from storage.files import read_records

    sample = read_records(SAMPLE)
    records: list[dict[str, Any]] = []
    seen: set[str] = set()
    originals = 0
    copy = 0
    while len(seen) < n_texts:
        for raw in sample:
            rec = dict(raw)
            if copy:
                rec["id"] = f"{raw['id']}-v{copy}"
                for key in ("name", "description", "offers", "needs"):
                    rec[key] = _vary(rec.get(key), copy)
            records.append(rec)
            originals += copy == 0
            seen.update(ingest_texts([rec]))
            if len(seen) >= n_texts:
                break
        copy += 1
    return records, originals


class Memo:
    """An encoder that answers known (role, text) pairs from a table and asks ``inner`` for the rest."""

    def __init__(self, inner: Any, known: Mapping[tuple[str, str], np.ndarray]) -> None:
        self.inner = inner
        self.model_id: str = inner.model_id
        self.dim: int = inner.dim
        self.known = dict(known)

    def encode(self, texts: Sequence[str], *, role: Any, show_progress: bool = False) -> np.ndarray:
        missing = [t for t in dict.fromkeys(texts) if (role, t) not in self.known]
        if missing:
            fresh = self.inner.encode(missing, role=role)
            self.known.update({(role, t): v for t, v in zip(missing, fresh, strict=True)})
        out = np.stack([self.known[(role, t)] for t in texts]) if texts else np.zeros((0, self.dim), np.float32)
        return np.asarray(out, np.float32)


def rounds(paths: Mapping[str, Callable[[], object]], *, runs: int,
           setups: Mapping[str, Callable[[], object]] | None = None) -> dict[str, list[float]]:
    """Wall times of each path over ``runs`` rounds, the order rotating every round (garbage collector
    paused); ``setups[name]()``, if given, runs untimed just before each timed call of ``name``."""
    names = list(paths)
    times: dict[str, list[float]] = {n: [] for n in names}
    gc_was_enabled = gc.isenabled()
    try:
        for r in range(runs):
            for name in names[r % len(names):] + names[: r % len(names)]:
                if setups and name in setups:
                    setups[name]()
                gc.collect()
                gc.disable()
                start = time.perf_counter()
                paths[name]()
                times[name].append(time.perf_counter() - start)
                gc.enable()
            log(f"  round {r + 1}/{runs}: " + ", ".join(f"{n} {times[n][-1]:.1f} s" for n in names))
    finally:
        if gc_was_enabled:
            gc.enable()
        else:
            gc.disable()
    return times


def measure(p: Params) -> list[Figure]:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    from sentence_transformers import SentenceTransformer

    from embeddings.encoder import load_encoder
    from embeddings.models import resolve_model
    from embeddings.onnx_backend import RECIPE
    from service.catalogue import Catalogue
    from service.catalogue import ingest as ingest_records
    from service.settings import Settings

    started = time.perf_counter()
    base = Settings()
    records, originals = profile_records(p.texts)
    texts = ingest_texts(records)
    n = len(texts)
    log(f"encoding: {len(records)} records, {n} distinct texts ({originals} unchanged sample profiles)")
    path, _ = resolve_model(base.model, base.cache_dir)
    raw_model = SentenceTransformer(path, device="cpu")
    fp32 = load_encoder(base.model, backend="torch", cache_dir=base.cache_dir, batch_size=p.batch_size,
                        threads=base.threads)
    int8 = load_encoder(base.model, backend="onnx-int8", cache_dir=base.cache_dir, batch_size=p.batch_size,
                        threads=base.threads)
    prefix = fp32.prefixes["passage"]  # type: ignore[attr-defined]
    prefixed = [prefix + t for t in texts]
    tmp = Path(tempfile.mkdtemp(prefix="ccimatch-bench-encoding-"))
    counter = iter(range(10**6))
    out: dict[str, np.ndarray] = {}

    def raw() -> None:
        out["raw"] = raw_model.encode(prefixed, batch_size=p.batch_size, normalize_embeddings=True,
                                      convert_to_numpy=True, show_progress_bar=False)

    catalogues: list[Any] = []

    def fresh_catalogue() -> None:  # untimed: a new SQLite file and its tables
        catalogues.append(Catalogue.open(Settings(db=str(tmp / f"ingest-{next(counter)}.db")), encoder=fp32))

    def ingest() -> None:
        report = ingest_records(catalogues.pop(), records, atomic=True)
        if report.encoded != n or report.reused:
            raise RuntimeError(f"ingest encoded {report.encoded} texts and reused {report.reused}, expected {n} and 0")

    def onnx() -> None:
        out["int8"] = int8.encode(texts, role="passage")

    # untimed warm-up of each path on a few texts (kernels, the ONNX session, SQLAlchemy's first use)
    raw_model.encode(prefixed[: p.warmup_texts], batch_size=p.batch_size)
    int8.encode(texts[: p.warmup_texts], role="passage")
    ingest_records(Catalogue.open(Settings(db=str(tmp / "warmup.db")), encoder=fp32), records[:5])
    times = rounds({"raw": raw, "ingest": ingest, "int8": onnx}, runs=p.runs, setups={"ingest": fresh_catalogue})
    med = {k: statistics.median(v) for k, v in times.items()}
    per_round_ingest = [r / i for r, i in zip(times["raw"], times["ingest"], strict=True)]
    per_round_int8 = [r / o for r, o in zip(times["raw"], times["int8"], strict=True)]
    timed = time.perf_counter() - started
    log(f"encoding: rounds done after {timed:.0f} s; medians " + ", ".join(f"{k} {v:.2f} s" for k, v in med.items()))

    # (b) cosine, both roles: passage vectors from the last round, query vectors encoded once each
    fp32_query = fp32.encode(texts, role="query")
    int8_query = int8.encode(texts, role="query")
    cos_passage = np.sum(out["raw"] * out["int8"], axis=1)
    cos_query = np.sum(fp32_query * int8_query, axis=1)
    cosines = np.concatenate([cos_passage, cos_query])

    # (c) top-10 overlap on the sample data, the vectors above reused
    overlap, n_profiles = suggestion_overlap(
        records[:originals], tmp,
        Memo(fp32, {**{("passage", t): v for t, v in zip(texts, out["raw"], strict=True)},
                    **{("query", t): v for t, v in zip(texts, fp32_query, strict=True)}}),
        Memo(int8, {**{("passage", t): v for t, v in zip(texts, out["int8"], strict=True)},
                    **{("query", t): v for t, v in zip(texts, int8_query, strict=True)}}),
    )
    shutil.rmtree(tmp, ignore_errors=True)

    # (d) Tatoeba ara/fra, each backend
    tatoeba_root = base.shared_data / "tatoeba-crosslingual"
    accuracy = tatoeba({"fp32": fp32, "int8": int8}, tatoeba_root, p.tatoeba_pairs)
    total = time.perf_counter() - started
    plot(n, med)
    spread = {k: f"{min(v):.2f}-{max(v):.2f} s" for k, v in times.items()}
    sizes = f"{n} distinct texts from {len(records)} profile records, batch {p.batch_size}"
    return [
        Figure(section=SECTION, name="ingest / raw SentenceTransformer.encode throughput", unit="x",
               value=round(float(np.median(per_round_ingest)), 3), target=0.9, op=">=",
               note=(f"{sizes}; median of {p.runs} interleaved rounds: raw {med['raw']:.2f} s "
                     f"({n / med['raw']:.0f} texts/s, range {spread['raw']}), ingest into a fresh SQLite DB "
                     f"{med['ingest']:.2f} s ({n / med['ingest']:.0f} texts/s, range {spread['ingest']}); "
                     f"ratio = median of per-round raw/ingest times")),
        Figure(section=SECTION, name="raw SentenceTransformer.encode (torch fp32)", unit="texts/s",
               value=round(n / med["raw"], 1), note=sizes),
        Figure(section=SECTION, name="ccimatch ingest (torch fp32)", unit="texts/s",
               value=round(n / med["ingest"], 1), note="validation, encoding, one transaction, index build and save"),
        Figure(section=SECTION, name="ONNX Runtime int8 encoder", unit="texts/s",
               value=round(n / med["int8"], 1),
               note=f"recipe {RECIPE} (embeddings/onnx_backend.py); range {spread['int8']}; "
                    f"threads {base.threads or 2}"),
        Figure(section=SECTION, name="ONNX int8 / torch fp32 throughput", unit="x",
               value=round(float(np.median(per_round_int8)), 2), target=2.0, op=">=",
               note=f"median of per-round raw fp32 / int8 times over the same {n} texts, same batch size, 2 threads"),
        Figure(section=SECTION, name="mean cosine int8 vs fp32", unit="", value=round(float(cosines.mean()), 4),
               target=0.99, op=">=",
               note=(f"over {n} texts x 2 roles; passage mean {cos_passage.mean():.4f}, query mean "
                     f"{cos_query.mean():.4f}, min {cosines.min():.4f}")),
        Figure(section=SECTION, name="top-10 suggestion overlap int8 vs fp32", unit="", value=round(overlap, 4),
               target=0.95, op=">=",
               note=(f"mean |A ∩ B| / 10 of suggest(catalogue, id, k=10) ids over {n_profiles} sample profiles, "
                     "each backend ingesting data/sample_profiles.csv into its own database")),
        *(Figure(section=SECTION, name=f"Tatoeba {lang}-eng accuracy int8 − fp32", unit="points",
                 value=round(100 * (acc["int8"] - acc["fp32"]), 1), target=-1.0, op=">=",
                 note=(f"nearest-neighbour accuracy, mean of {lang}→en and en→{lang}, "
                       f"{p.tatoeba_pairs or 1000} pairs: fp32 {100 * acc['fp32']:.1f} %, "
                       f"int8 {100 * acc['int8']:.1f} %"))
          for lang, acc in accuracy.items()),
        Figure(section=SECTION, name="encoding section wall time", unit="s", value=round(total, 1), target=480,
               note=f"rounds {timed:.0f} s"),
    ]


def suggestion_overlap(records: Sequence[Mapping[str, Any]], tmp: Path, fp32: Any, int8: Any) -> tuple[float, int]:
    """Mean |A ∩ B| / 10 between the top-10 suggestion ids of each profile under the two encoders."""
    from service.catalogue import Catalogue, ingest, suggest
    from service.settings import Settings

    lists = []
    for name, encoder in (("fp32", fp32), ("int8", int8)):
        cat = Catalogue.open(Settings(db=str(tmp / f"sample-{name}.db")), encoder=encoder)
        report = ingest(cat, records, atomic=True)
        if report.errors:
            raise RuntimeError(f"sample data rejected: {report.errors[:1]}")
        lists.append({str(r["id"]): [s.id for s in suggest(cat, str(r["id"]), k=10).suggestions] for r in records})
    shares = [len(set(a) & set(lists[1][pid])) / 10 for pid, a in lists[0].items()]
    return float(np.mean(shares)), len(shares)


def _tatoeba_lines(path: Path, limit: int | None) -> list[str]:
    """Lines of a Tatoeba file split on "\\n" only (sentences may hold other Unicode line breaks)."""
    text = path.read_text(encoding="utf-8").removesuffix("\n")
    return [line.removesuffix("\r") for line in text.split("\n")][:limit]


def _nn_accuracy(src: np.ndarray, tgt: np.ndarray) -> float:
    """Share of rows i of ``src`` whose nearest row of ``tgt`` (inner product, first of ties) is row i."""
    return float(np.mean(np.argmax(src @ tgt.T, axis=1) == np.arange(len(src))))


def tatoeba(encoders: Mapping[str, Any], root: Path, limit: int | None) -> dict[str, dict[str, float]]:
    """{lang: {backend: accuracy}}: mean of xx→en and en→xx nearest-neighbour accuracy, both sides encoded
    with role "query" (as evaluation.crosslingual does)."""
    out: dict[str, dict[str, float]] = {}
    for lang in TATOEBA_LANGS:
        xx = _tatoeba_lines(root / f"tatoeba.{lang}-eng.{lang}", limit)
        en = _tatoeba_lines(root / f"tatoeba.{lang}-eng.eng", limit)
        if len(xx) != len(en) or not xx:
            raise RuntimeError(f"{root}: tatoeba.{lang}-eng files are empty or not line-aligned")
        out[lang] = {}
        for name, encoder in encoders.items():
            a, b = encoder.encode(xx, role="query"), encoder.encode(en, role="query")
            out[lang][name] = (_nn_accuracy(a, b) + _nn_accuracy(b, a)) / 2
    return out


def plot(n: int, med: Mapping[str, float]) -> None:
    """Throughput of each path, to reports/bench_encoding.png."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    labels = {"raw": "raw SentenceTransformer\n(torch fp32)", "ingest": "ccimatch ingest\n(torch fp32)",
              "int8": "ONNX Runtime int8\nencoder"}
    fig, ax = plt.subplots(figsize=(6.4, 3.8))
    values = [n / med[k] for k in labels]
    bars = ax.bar(list(labels.values()), values, color=["grey", "tab:blue", "tab:green"])
    ax.bar_label(bars, labels=[f"{v:.0f}" for v in values])
    ax.set_ylabel("texts per second")
    ax.set_title(f"Encoding {n} profile texts, 2 threads")
    fig.tight_layout()
    common.REPORTS.mkdir(parents=True, exist_ok=True)  # read now: the harness points quick runs elsewhere
    fig.savefig(common.REPORTS / "bench_encoding.png", dpi=120)
    plt.close(fig)


def run(*, quick: bool) -> list[Figure]:
    return measure(QUICK if quick else FULL)


def main(argv: list[str] | None = None) -> int:
    return section_main(argv, module="encoding", doc=__doc__, run=run,
                        quick_help=f"{QUICK.texts} texts instead of {FULL.texts}")


if __name__ == "__main__":
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    sys.exit(main())
