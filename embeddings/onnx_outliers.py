"""Outlier channels of the feed-forward blocks split into a small float32 path, so the down projections can be int8.

The input of each feed-forward down projection (after GELU) has a channel whose activations reach 12-70 (layers
0-2 and 4-7) while the 99th percentile of the channels' maxima is 3-4 (64 sample profile texts): with one int8
range per tensor, as ONNX Runtime's dynamic quantisation has, that channel leaves few levels for the rest, and
smoothing cannot move them
into the weights (the weights are quantised per output column, so one scaled row widens every column's range).
Here the up projection of each layer is split in two MatMuls: the ``k`` intermediate channels with the largest
calibration maxima (:func:`embeddings.onnx_smoothing.activation_maxima`, the same texts) get their own up MatMul,
bias, GELU and down MatMul, whose result is added to the down projection of the others. GELU acts per channel, so
the split is exact in float32; the two small MatMuls stay float32 (named ``..._outliers``) and the rest can be int8.
With ``per_token``, each token's row of the remaining down input is also divided by its max (floor 0.17, GELU's
minimum, so every row lies within [-1, 1]) and the product multiplied back, so that the one range fits each token:
k = 4 alone gave top-10 overlap 0.945 with fp32, with the per-token scaling 0.9545 (embeddings.onnx_backend).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from embeddings.onnx_smoothing import activation_maxima, matmul_kind

OUTLIER_SUFFIX = "_outliers"


def is_outlier_matmul(name: str) -> bool:
    """True for the float32 MatMuls :func:`split_outliers` adds."""
    return name.endswith(OUTLIER_SUFFIX)


def _consumers(nodes: Sequence[Any], tensor: str) -> list[Any]:
    """The nodes that read ``tensor``."""
    return [n for n in nodes if tensor in n.input]


def split_outliers(src: Path, out: Path, *, k: int, tokenizer_file: Path, prefixes: Sequence[str],
                   per_token: bool = False) -> list[str]:
    """Write ``src`` to ``out`` with the ``k`` largest intermediate channels of every feed-forward block moved to
    a float32 side path; return the names of the added MatMuls. ``k`` = 0 copies the model unchanged."""
    import onnx
    from onnx import helper, numpy_helper

    model = onnx.load(str(src))
    graph = model.graph
    weights = {i.name: i for i in graph.initializer}
    nodes = list(graph.node)
    downs = [n for n in nodes if n.op_type == "MatMul" and matmul_kind(n.name) == "ffn_down" and n.input[1] in weights]
    maxima = activation_maxima(model.SerializeToString(), [d.input[0] for d in downs], tokenizer_file, prefixes)
    half = numpy_helper.from_array(np.array(0.5, np.float32), "outliers/half")
    one = numpy_helper.from_array(np.array(1.0, np.float32), "outliers/one")
    root2 = numpy_helper.from_array(np.array(np.sqrt(2.0), np.float32), "outliers/sqrt2")
    floor = numpy_helper.from_array(np.array(0.17, np.float32), "outliers/floor")
    graph.initializer.extend([half, one, root2, floor])
    added: list[str] = []
    after: dict[str, list[onnx.NodeProto]] = {}  # new nodes to place just after the named node
    before: dict[str, list[onnx.NodeProto]] = {}  # ... and just before
    for down in downs if k > 0 else []:
        prefix = down.name.rsplit("/output/dense/", 1)[0]
        up = next(n for n in nodes if n.op_type == "MatMul" and n.name == f"{prefix}/intermediate/dense/MatMul")
        bias_add = _consumers(nodes, up.output[0])[0]
        bias_name = next(i for i in bias_add.input if i != up.output[0])
        down_add = _consumers(nodes, down.output[0])[0]
        w_up = numpy_helper.to_array(weights[up.input[1]])
        b_up = numpy_helper.to_array(weights[bias_name])
        w_down = numpy_helper.to_array(weights[down.input[1]])
        top = np.sort(np.argsort(maxima[down.input[0]])[::-1][:k])
        rest = np.setdiff1d(np.arange(w_up.shape[1]), top)
        for name, array in ((up.input[1], w_up[:, rest]), (bias_name, b_up[rest]), (down.input[1], w_down[rest])):
            weights[name].CopyFrom(numpy_helper.from_array(np.ascontiguousarray(array), name))
        p = f"{prefix}/outliers"
        graph.initializer.extend([numpy_helper.from_array(np.ascontiguousarray(w_up[:, top]), f"{p}/w_up"),
                                  numpy_helper.from_array(np.ascontiguousarray(b_up[top]), f"{p}/b_up"),
                                  numpy_helper.from_array(np.ascontiguousarray(w_down[top]), f"{p}/w_down")])
        up_name, down_name = f"{up.name}{OUTLIER_SUFFIX}", f"{down.name}{OUTLIER_SUFFIX}"
        after[up.name] = [
            helper.make_node("MatMul", [up.input[0], f"{p}/w_up"], [f"{p}/up"], name=up_name),
            helper.make_node("Add", [f"{p}/up", f"{p}/b_up"], [f"{p}/h"], name=f"{p}/bias"),
            helper.make_node("Div", [f"{p}/h", root2.name], [f"{p}/div"], name=f"{p}/gelu_div"),
            helper.make_node("Erf", [f"{p}/div"], [f"{p}/erf"], name=f"{p}/gelu_erf"),
            helper.make_node("Add", [f"{p}/erf", one.name], [f"{p}/erf1"], name=f"{p}/gelu_add"),
            helper.make_node("Mul", [f"{p}/h", f"{p}/erf1"], [f"{p}/hx"], name=f"{p}/gelu_mul"),
            helper.make_node("Mul", [f"{p}/hx", half.name], [f"{p}/g"], name=f"{p}/gelu_half"),
        ]
        summed = f"{p}/down_sum"
        after[down.name] = [
            helper.make_node("MatMul", [f"{p}/g", f"{p}/w_down"], [f"{p}/down"], name=down_name),
            helper.make_node("Add", [down.output[0], f"{p}/down"], [summed], name=f"{p}/sum"),
        ]
        down_add.input[list(down_add.input).index(down.output[0])] = summed
        if per_token:  # each token's row divided by its max |x| before the int8 MatMul, the product multiplied back
            g, scaled, main = down.input[0], f"{p}/scaled", f"{p}/down_main"
            before[down.name] = [  # GELU >= -0.17, so a floor of 0.17 keeps every scaled row within [-1, 1]
                helper.make_node("ReduceMax", [g], [f"{p}/rowmax0"], name=f"{p}/rowmax", axes=[-1], keepdims=1),
                helper.make_node("Max", [f"{p}/rowmax0", floor.name], [f"{p}/rowmax"], name=f"{p}/rowmax_floor"),
                helper.make_node("Reciprocal", [f"{p}/rowmax"], [f"{p}/rowinv"], name=f"{p}/rowinv"),
                helper.make_node("Mul", [g, f"{p}/rowinv"], [scaled], name=f"{p}/scale_rows"),
            ]
            down.input[0] = scaled
            after[down.name].insert(0, helper.make_node("Mul", [main, f"{p}/rowmax"], [down.output[0]],
                                                        name=f"{p}/unscale_rows"))
            down.output[0] = main
        added += [up_name, down_name]
    ordered: list[onnx.NodeProto] = []
    for node in nodes:
        ordered += before.get(node.name, [])
        ordered.append(node)
        ordered += after.get(node.name, [])
    del graph.node[:]
    graph.node.extend(ordered)
    onnx.save(model, str(out))
    return added
