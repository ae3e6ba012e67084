"""The ONNX Runtime int8 encoder against the torch fp32 one, and the backend setting."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from pydantic import ValidationError

from embeddings.encoder import backend_model_id, load_encoder
from embeddings.models import BACKENDS, UnknownBackendError
from embeddings.onnx_backend import ONNX_SUFFIX, OnnxInt8Encoder, onnx_model_id
from service.catalogue import Catalogue, ingest, search
from service.settings import Settings
from tests.conftest import record

TEXTS = [
    "ورشة فخار تقليدي في آسفي تبحث عن موزع في أوروبا",
    "تعاونية نسائية لنسج الزرابي اليدوية",
    "Atelier de tadelakt et d'enduits traditionnels à la chaux",
    "studio de design graphique pour l'identité visuelle et l'emballage",
    "Film production company in Beirut looking for European co-producers",
    "distribution of handmade ceramics to concept stores",
]


@pytest.fixture(scope="session")
def onnx_encoder() -> OnnxInt8Encoder:
    """The int8 export of the default model, made once into the user cache and shared by the session."""
    return OnnxInt8Encoder(cache_dir=Settings().cache_dir)


def labelled_model(tmp_path: Path) -> str:
    """A model folder that resolve_model names without loading it (its id is read from ccimatch_source.json)."""
    (tmp_path / "ccimatch_source.json").write_text(json.dumps({"model_id": "org/tiny@1"}))
    return str(tmp_path)


@pytest.mark.model
@pytest.mark.parametrize("role", ["query", "passage"])
def test_int8_vectors_are_close_to_fp32(onnx_encoder: OnnxInt8Encoder, real_encoder, role: str) -> None:
    int8 = onnx_encoder.encode(TEXTS, role=role)  # type: ignore[arg-type]
    fp32 = real_encoder.encode(TEXTS, role=role)
    assert int8.shape == fp32.shape == (len(TEXTS), 384)
    assert int8.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(int8, axis=1), 1.0, atol=1e-5)
    assert (int8 * fp32).sum(axis=1).min() >= 0.98


@pytest.mark.model
def test_same_prefixes_and_a_distinct_model_id(onnx_encoder: OnnxInt8Encoder, real_encoder) -> None:
    assert onnx_encoder.prefixes == real_encoder.prefixes == {"query": "query: ", "passage": "passage: "}
    assert onnx_encoder.model_id == real_encoder.model_id + ONNX_SUFFIX != real_encoder.model_id
    assert onnx_encoder.dim == real_encoder.dim
    # the role matters: a query and a passage of the same text are different vectors
    q, p = onnx_encoder.encode(TEXTS[:1], role="query"), onnx_encoder.encode(TEXTS[:1], role="passage")
    assert float((q * p).sum()) < 0.999
    assert onnx_encoder.encode([], role="query").shape == (0, 384)


@pytest.mark.model
def test_tokens_are_those_sentence_transformers_feeds_its_model(onnx_encoder: OnnxInt8Encoder,
                                                                  real_encoder) -> None:
    texts = ["passage: " + t for t in TEXTS * 6] + ["passage: " + "très long texte " * 400]
    theirs = real_encoder.model.tokenizer(texts, truncation="longest_first",
                                          max_length=real_encoder.model.max_seq_length)["input_ids"]
    batches = onnx_encoder.batches(texts, "")
    assert [len(rows) for rows, _, _ in batches] == [32, len(texts) - 32]
    assert sorted(i for rows, _, _ in batches for i in rows) == list(range(len(texts)))
    widths = [ids.shape[1] for _, ids, _ in batches]
    assert widths == sorted(widths, reverse=True)  # longest first
    assert widths[0] == real_encoder.model.max_seq_length  # truncated like sentence-transformers
    for rows, ids, mask in batches:  # each row: their tokens, then padding up to the batch's longest
        assert ids.shape == mask.shape == (len(rows), max(len(theirs[i]) for i in rows))
        for j, i in enumerate(rows):
            n = len(theirs[i])
            assert ids[j, :n].tolist() == theirs[i]
            assert mask[j].tolist() == [1] * n + [0] * (ids.shape[1] - n)
            assert (ids[j, n:] == real_encoder.model.tokenizer.pad_token_id).all()


@pytest.mark.model
def test_batching_by_length_keeps_each_text_in_its_row(onnx_encoder: OnnxInt8Encoder) -> None:
    texts = TEXTS * 7  # 42 texts: two batches of 32, sorted by length, put back in order
    together = onnx_encoder.encode(texts, role="passage")
    alone = np.concatenate([onnx_encoder.encode([t], role="passage") for t in TEXTS])
    # activations are quantised per batch, so a text's vector moves a little with its batch mates
    assert (together[: len(TEXTS)] * alone).sum(axis=1).min() >= 0.995
    np.testing.assert_allclose(together[: len(TEXTS)], together[len(TEXTS) : 2 * len(TEXTS)], atol=0.02)


@pytest.mark.model
def test_the_setting_picks_the_backend(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                       onnx_encoder: OnnxInt8Encoder) -> None:
    monkeypatch.setenv("CCIMATCH_BACKEND", "onnx-int8")
    settings = Settings(db=str(tmp_path / "x.db"))
    assert settings.backend == "onnx-int8"
    catalogue = Catalogue.open(settings)
    assert catalogue.model_id == onnx_encoder.model_id
    assert isinstance(catalogue.encoder, OnnxInt8Encoder)  # loads the export made by the fixture
    report = ingest(catalogue, [record("tn-1", description=TEXTS[2])])
    assert report.written == 1 and report.encoded > 0
    hits, _ = search(catalogue, "enduits à la chaux", k=1)
    assert [h.id for h in hits] == ["tn-1"]


def test_model_ids_per_backend_without_loading_a_model(tmp_path: Path) -> None:
    name = labelled_model(tmp_path)
    assert BACKENDS == ("torch", "onnx-int8")
    assert backend_model_id(name, tmp_path) == "org/tiny@1"
    assert backend_model_id(name, tmp_path, "onnx-int8") == onnx_model_id("org/tiny@1") == "org/tiny@1+onnx-int8"
    assert Settings().backend == "torch"
    assert Catalogue.open(Settings(db=str(tmp_path / "a.db"), model=name)).model_id == "org/tiny@1"
    onnx = Catalogue.open(Settings(db=str(tmp_path / "b.db"), model=name, backend="onnx-int8"))
    assert onnx.model_id == "org/tiny@1+onnx-int8"


def test_an_unknown_backend_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValidationError, match="'torch' or 'onnx-int8'"):
        Settings(backend="onnx-fp16")  # type: ignore[arg-type]
    monkeypatch.setenv("CCIMATCH_BACKEND", "tensorrt")
    with pytest.raises(ValidationError, match="backend"):
        Settings()
    name = labelled_model(tmp_path)
    with pytest.raises(UnknownBackendError, match=r"unknown encoder backend 'tensorrt'.*torch, onnx-int8"):
        backend_model_id(name, tmp_path, "tensorrt")
    with pytest.raises(UnknownBackendError, match="CCIMATCH_BACKEND"):
        load_encoder(name, backend="tensorrt", cache_dir=tmp_path)


def tiny_graph(tmp_path: Path) -> tuple[Path, Path, np.ndarray]:
    """input_ids -> embedding table (channel 0 an outlier, 100x the others) -> the "ffn_up" MatMul of layer 0,
    with a word-level tokenizer: a model whose smoothing is known by construction."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper
    from tokenizers import Tokenizer, models, pre_tokenizers

    words = ["[PAD]", "[UNK]", "query:", "passage:", *sorted({w for t in TEXTS for w in t.split()})]
    tokenizer = Tokenizer(models.WordLevel({w: i for i, w in enumerate(words)}, unk_token="[UNK]"))
    tokenizer.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    tokenizer.save(str(tmp_path / "tokenizer.json"))
    rng = np.random.default_rng(0)
    table = rng.normal(size=(len(words), 8)).astype(np.float32)
    table[:, 0] *= 100
    weight = rng.normal(size=(8, 5)).astype(np.float32)
    graph = helper.make_graph(
        [helper.make_node("Gather", ["table", "input_ids"], ["x"], name="/model/embeddings/Gather"),
         helper.make_node("MatMul", ["x", "w"], ["embedding"], name="/model/encoder/layer.0/intermediate/dense/MatMul"),
         helper.make_node("Identity", ["attention_mask"], ["mask_out"], name="keep_mask")],
        "tiny",
        [helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["b", "t"]),
         helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["b", "t"])],
        [helper.make_tensor_value_info("embedding", TensorProto.FLOAT, None),
         helper.make_tensor_value_info("mask_out", TensorProto.INT64, None)],
        [numpy_helper.from_array(table, "table"), numpy_helper.from_array(weight, "w")],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    onnx.save(model, str(tmp_path / "tiny.onnx"))
    return tmp_path / "tiny.onnx", tmp_path / "tokenizer.json", table


def test_smoothing_keeps_the_product_and_flattens_the_outlier_channel(tmp_path: Path) -> None:
    import onnx
    import onnxruntime as ort
    from onnx import numpy_helper

    from embeddings.onnx_smoothing import matmul_kind, smooth

    src, tokenizer_file, table = tiny_graph(tmp_path)
    assert matmul_kind("/model/encoder/layer.0/intermediate/dense/MatMul") == "ffn_up"
    assert matmul_kind("/model/encoder/layer.3/output/dense/MatMul") == "ffn_down"
    assert matmul_kind("/model/encoder/layer.3/attention/self/MatMul") is None  # attention scores: no weight
    out = tmp_path / "smoothed.onnx"
    names = smooth(src, out, alphas={"ffn_up": 0.5}, tokenizer_file=tokenizer_file, prefixes=["query: "])
    assert names == ["/model/encoder/layer.0/intermediate/dense/MatMul"]
    ids = np.array([[4, 5, 6, 7], [8, 9, 10, 11]], np.int64)
    feed = {"input_ids": ids, "attention_mask": np.ones_like(ids)}
    before = ort.InferenceSession(str(src)).run(["embedding"], feed)[0]
    after = ort.InferenceSession(str(out)).run(["embedding"], feed)[0]
    np.testing.assert_allclose(after, before, rtol=1e-4, atol=1e-3)  # the product is unchanged
    model = onnx.load(str(out))
    inverse = next(numpy_helper.to_array(i) for i in model.graph.initializer if i.name.endswith("smooth_inverse"))
    smoothed = np.abs(table * inverse).max(axis=0)
    original = np.abs(table).max(axis=0)
    # the outlier channel no longer dominates the range the activation quantisation has to cover
    assert original.max() / np.median(original) > 50
    assert smoothed.max() / np.median(smoothed) < 10
    assert [n.op_type for n in model.graph.node][:2] == ["Gather", "Mul"]  # still topologically sorted


def feed_forward_graph(tmp_path: Path) -> tuple[Path, Path, np.ndarray]:
    """input_ids -> embedding table -> one BERT feed-forward block as torch exports it (up MatMul, bias, erf GELU,
    down MatMul, bias) whose intermediate channel 3 is an outlier (30x the weights, a large bias), and the up
    weight. A word-level tokenizer, as in :func:`tiny_graph`."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    tiny_graph(tmp_path)  # writes the tokenizer
    rng = np.random.default_rng(1)
    n_words = len(json.loads((tmp_path / "tokenizer.json").read_text())["model"]["vocab"])
    table = rng.normal(size=(n_words, 8)).astype(np.float32)
    w_up = rng.normal(size=(8, 16)).astype(np.float32)
    w_up[:, 3] *= 30
    b_up = rng.normal(size=16).astype(np.float32)
    b_up[3] = 20
    w_down = rng.normal(size=(16, 8)).astype(np.float32)
    b_down = rng.normal(size=8).astype(np.float32)
    up, down = "/model/encoder/layer.0/intermediate/dense/MatMul", "/model/encoder/layer.0/output/dense/MatMul"
    consts = {"sqrt2": np.sqrt(2.0), "one": 1.0, "half": 0.5}
    graph = helper.make_graph(
        [helper.make_node("Gather", ["table", "input_ids"], ["x"], name="/model/embeddings/Gather"),
         helper.make_node("MatMul", ["x", "w_up"], ["u"], name=up),
         helper.make_node("Add", ["b_up", "u"], ["h"], name="up_bias"),
         helper.make_node("Div", ["h", "sqrt2"], ["d"], name="gelu_div"),
         helper.make_node("Erf", ["d"], ["e"], name="gelu_erf"),
         helper.make_node("Add", ["e", "one"], ["e1"], name="gelu_add"),
         helper.make_node("Mul", ["h", "e1"], ["he"], name="gelu_mul"),
         helper.make_node("Mul", ["he", "half"], ["g"], name="gelu_half"),
         helper.make_node("MatMul", ["g", "w_down"], ["o"], name=down),
         helper.make_node("Add", ["b_down", "o"], ["embedding"], name="down_bias"),
         helper.make_node("Identity", ["attention_mask"], ["mask_out"], name="keep_mask")],
        "feed_forward",
        [helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["b", "t"]),
         helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["b", "t"])],
        [helper.make_tensor_value_info("embedding", TensorProto.FLOAT, None),
         helper.make_tensor_value_info("mask_out", TensorProto.INT64, None)],
        [numpy_helper.from_array(a, n) for n, a in (("table", table), ("w_up", w_up), ("b_up", b_up),
                                                     ("w_down", w_down), ("b_down", b_down))]
        + [numpy_helper.from_array(np.array(v, np.float32), n) for n, v in consts.items()],
    )
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), str(tmp_path / "ff.onnx"))
    return tmp_path / "ff.onnx", tmp_path / "tokenizer.json", w_up


@pytest.mark.parametrize("per_token", [False, True])
def test_outlier_split_keeps_the_output_and_moves_the_outlier_channel(tmp_path: Path, per_token: bool) -> None:
    import onnx
    import onnxruntime as ort
    from onnx import numpy_helper

    from embeddings.onnx_outliers import is_outlier_matmul, split_outliers

    src, tokenizer_file, w_up = feed_forward_graph(tmp_path)
    out = tmp_path / "split.onnx"
    names = split_outliers(src, out, k=2, per_token=per_token, tokenizer_file=tokenizer_file, prefixes=["query: "])
    assert names == ["/model/encoder/layer.0/intermediate/dense/MatMul_outliers",
                     "/model/encoder/layer.0/output/dense/MatMul_outliers"]
    assert all(is_outlier_matmul(n) for n in names)
    assert not is_outlier_matmul("/model/encoder/layer.0/output/dense/MatMul")
    ids = np.array([[4, 5, 6, 7], [8, 9, 10, 11]], np.int64)
    feed = {"input_ids": ids, "attention_mask": np.ones_like(ids)}
    before = ort.InferenceSession(str(src)).run(["embedding"], feed)[0]
    after = ort.InferenceSession(str(out)).run(["embedding"], feed)[0]
    np.testing.assert_allclose(after, before, rtol=1e-4, atol=1e-3)  # GELU is per channel: the split is exact
    weights = {i.name: numpy_helper.to_array(i) for i in onnx.load(str(out)).graph.initializer}
    side = weights["/model/encoder/layer.0/outliers/w_up"]
    assert side.shape == (8, 2) and weights["w_up"].shape == (8, 14)
    assert any(np.array_equal(side[:, j], w_up[:, 3]) for j in range(2))  # the outlier channel went to float32
    assert not any(np.array_equal(weights["w_up"][:, j], w_up[:, 3]) for j in range(14))


def test_nan_guards_after_softmax_are_dropped_and_scores_kept(tmp_path: Path) -> None:
    import onnx
    import onnxruntime as ort
    from onnx import TensorProto, helper, numpy_helper

    from embeddings.onnx_backend import drop_nan_guards

    nodes = [helper.make_node("Softmax", ["scores"], ["p"], axis=-1),
             helper.make_node("IsNaN", ["p"], ["nan"]),
             helper.make_node("Where", ["nan", "zero", "p"], ["guarded"]),
             helper.make_node("IsNaN", ["scores"], ["other_nan"]),  # a guard of something else stays
             helper.make_node("Where", ["other_nan", "zero", "zero"], ["kept"]),
             helper.make_node("Mul", ["guarded", "two"], ["out"])]
    graph = helper.make_graph(
        nodes, "guards", [helper.make_tensor_value_info("scores", TensorProto.FLOAT, ["b", "t"])],
        [helper.make_tensor_value_info("out", TensorProto.FLOAT, None),
         helper.make_tensor_value_info("kept", TensorProto.FLOAT, None)],
        [numpy_helper.from_array(np.array([0.0], np.float32), "zero"),
         numpy_helper.from_array(np.array(2.0, np.float32), "two")])
    path = tmp_path / "guards.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), str(path))
    scores = np.array([[0.5, -1e30, 2.0], [1.0, 1.0, -3.0]], np.float32)
    before = ort.InferenceSession(str(path)).run(None, {"scores": scores})

    assert drop_nan_guards(path) == 1
    assert [n.op_type for n in onnx.load(str(path)).graph.node] == ["Softmax", "IsNaN", "Where", "Mul"]
    after = ort.InferenceSession(str(path)).run(None, {"scores": scores})
    np.testing.assert_array_equal(after[0], before[0])
    np.testing.assert_array_equal(after[1], before[1])
