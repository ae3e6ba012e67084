"""ONNX Runtime encoder with int8 dynamic quantisation, exported offline from the local model.

The sentence-transformers model (transformer + mean pooling + L2 normalisation) is exported once
with ``torch.onnx.export`` into the cache folder, its weights quantised to int8 per channel with
``onnxruntime.quantization.quantize_dynamic``, and reused after: loading it needs neither torch nor
transformers, only onnxruntime and the model's own ``tokenizer.json`` (the ``tokenizers`` library).
Vectors differ slightly from the fp32 ones, so the model id gets a ``+onnx-int8`` suffix (the
embedding cache in the database is keyed by model id).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
import warnings
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from embeddings.models import DEFAULT_MODEL, resolve_model, role_prefixes
from matcher.protocols import Role

ONNX_SUFFIX = "+onnx-int8"
META_FILE = "ccimatch_onnx.json"
MODEL_FILE = "model.onnx"
TOKENIZER_FILE = "tokenizer.json"
# How the export is quantised; part of the folder name, so that a new recipe is exported afresh.
RECIPE = "int8-per-channel-ffn-down-fp32-v1"


class OnnxExportError(ValueError):
    """The model cannot be exported as transformer + mean pooling (e.g. another pooling mode)."""


def onnx_model_id(source_id: str) -> str:
    """Model id of the int8 export of ``source_id`` (keys the embedding cache)."""
    return source_id + ONNX_SUFFIX


def onnx_folder(name: str, cache_dir: Path) -> tuple[Path, str, str]:
    """(export folder, path or hub name of the source model, source model id) for a configured name."""
    path, source_id = resolve_model(name, cache_dir)
    digest = hashlib.sha1(f"{onnx_model_id(source_id)} {RECIPE}".encode()).hexdigest()[:10]
    return cache_dir / "models" / f"onnx-int8-{digest}", path, source_id


def export_onnx_int8(name: str = DEFAULT_MODEL, *, cache_dir: Path, force: bool = False) -> Path:
    """Export and quantise the model once under ``cache_dir/models``; return the folder.

    Written to a temporary folder and renamed into place, so that an interrupted export is never
    loaded; if another process finished first, its folder is kept.
    """
    out, path, source_id = onnx_folder(name, cache_dir)
    if not force and (out / META_FILE).is_file() and (out / MODEL_FILE).is_file():
        return out
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".tmp-onnx-", dir=out.parent))
    try:
        _export(path, source_id, tmp)
        tmp.chmod(0o755)  # mkdtemp makes it private
        if out.exists() and force:
            shutil.rmtree(out)
        try:
            os.replace(tmp, out)
        except OSError:  # another process renamed a complete export into place meanwhile
            if not (out / META_FILE).is_file():
                raise
    finally:
        if tmp.exists():
            shutil.rmtree(tmp)
    return out


def _pooling_is_mean(config: dict[str, Any]) -> bool:
    """Mean pooling over every token (prompt included), in both sentence-transformers config styles."""
    mode = config.get("pooling_mode")
    mean = mode == "mean" if mode is not None else bool(config.get("pooling_mode_mean_tokens"))
    return mean and config.get("include_prompt", True) is not False


def _export(path: str, source_id: str, out: Path) -> None:
    """Write model.onnx (int8), tokenizer.json and the metadata of ``path`` into ``out``."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from sentence_transformers import SentenceTransformer

    st = SentenceTransformer(path, device="cpu")
    modules: list[Any] = list(st)
    kinds = [type(m).__name__ for m in modules]
    if kinds[:2] != ["Transformer", "Pooling"] or any(k != "Normalize" for k in kinds[2:]):
        raise OnnxExportError(f"{source_id}: expected Transformer, Pooling[, Normalize] modules, found {kinds}")
    if not _pooling_is_mean(modules[1].get_config_dict()):
        raise OnnxExportError(f"{source_id}: only mean pooling over all tokens can be exported")
    transformer = modules[0].auto_model.eval()

    class MeanPooled(torch.nn.Module):
        """(batch, tokens) ids and mask -> (batch, dim) L2-normalised mean of the token embeddings."""

        def __init__(self, model: torch.nn.Module) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            hidden = self.model(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            mean = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(mean, p=2.0, dim=1)

    tokenizer = st.tokenizer
    sample = tokenizer(["query: an example", "passage: a longer example text"], padding=True, return_tensors="pt")
    fp32 = out / "model_fp32.onnx"
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")  # the TorchScript exporter warns about its deprecation and traced ifs
        torch.onnx.export(
            MeanPooled(transformer), (sample["input_ids"], sample["attention_mask"]), str(fp32),
            input_names=["input_ids", "attention_mask"], output_names=["embedding"],
            dynamic_axes={"input_ids": {0: "batch", 1: "tokens"}, "attention_mask": {0: "batch", 1: "tokens"},
                          "embedding": {0: "batch"}},
            opset_version=17, dynamo=False,
        )
    # Int8 weights per channel (per tensor: mean cosine to fp32 0.991 on the bench texts; per channel
    # 0.997). The feed-forward down projections stay float32: their input (after GELU) has outliers that
    # the per-tensor uint8 quantisation of activations handles badly; keeping them lifts the mean cosine to
    # 0.999 and the top-10 suggestion overlap on the sample data from 0.83 to 0.89, for ~25% of the speed.
    import onnx

    graph = onnx.load(str(fp32), load_external_data=False).graph
    ffn_down = [n.name for n in graph.node
                if n.op_type == "MatMul" and "/output/dense/" in n.name and "/attention/" not in n.name]
    logging.disable(logging.WARNING)  # quantize_dynamic logs advice about pre-processing on the root logger
    try:
        quantize_dynamic(fp32, out / MODEL_FILE, weight_type=QuantType.QInt8, per_channel=True,
                         nodes_to_exclude=ffn_down)
    finally:
        logging.disable(logging.NOTSET)
    fp32.unlink()
    tokenizer.backend_tokenizer.save(str(out / TOKENIZER_FILE))
    get_dim = getattr(st, "get_embedding_dimension", None) or st.get_sentence_embedding_dimension
    meta = {
        "model_id": onnx_model_id(source_id), "source_model_id": source_id, "dim": int(get_dim() or 0),
        "max_seq_length": int(st.max_seq_length or 512), "pad_id": int(tokenizer.pad_token_id or 0),
        "pad_token": str(tokenizer.pad_token), "recipe": RECIPE, "float32_nodes": ffn_down,
        "prefixes": role_prefixes(st.prompts, source_id),
    }
    (out / META_FILE).write_text(json.dumps(meta, indent=2))


class OnnxInt8Encoder:
    """Implements :class:`matcher.protocols.Encoder` on ONNX Runtime (int8), same prefixes as the fp32 one."""

    def __init__(self, name: str = DEFAULT_MODEL, *, cache_dir: Path, batch_size: int = 32,
                 threads: int | None = None) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        folder = export_onnx_int8(name, cache_dir=cache_dir)
        meta = json.loads((folder / META_FILE).read_text())
        self.model_id: str = meta["model_id"]
        self.dim: int = int(meta["dim"])
        self.prefixes: dict[str, str] = dict(meta["prefixes"])
        self.batch_size = batch_size
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or 2
        options.inter_op_num_threads = 1
        options.log_severity_level = 3  # errors only
        self.session = ort.InferenceSession(str(folder / MODEL_FILE), options, providers=["CPUExecutionProvider"])
        self.tokenizer = Tokenizer.from_file(str(folder / TOKENIZER_FILE))
        self.tokenizer.enable_truncation(max_length=int(meta["max_seq_length"]))
        self.tokenizer.enable_padding(pad_id=int(meta["pad_id"]), pad_token=str(meta["pad_token"]))

    def encode(self, texts: Sequence[str], *, role: Role, show_progress: bool = False) -> np.ndarray:
        """(len(texts), dim) float32, L2-normalised. Batches hold texts of similar length (longest
        first, as sentence-transformers does), so that little time goes into padding."""
        out = np.zeros((len(texts), self.dim), np.float32)
        if not texts:
            return out
        prefix = self.prefixes[role]
        order = np.argsort([-len(t) for t in texts], kind="stable")
        starts: Iterable[int] = range(0, len(texts), self.batch_size)
        if show_progress:
            from tqdm import tqdm

            starts = tqdm(starts, desc="encoding", unit="batch")
        for start in starts:
            rows = order[start : start + self.batch_size]
            encodings = self.tokenizer.encode_batch([prefix + texts[i] for i in rows])
            ids = np.array([e.ids for e in encodings], np.int64)
            mask = np.array([e.attention_mask for e in encodings], np.int64)
            out[rows] = self.session.run(None, {"input_ids": ids, "attention_mask": mask})[0]
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return np.divide(out, norms, out=out, where=norms > 0)
