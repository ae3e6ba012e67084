"""SmoothQuant-style smoothing of the exported encoder before its int8 dynamic quantisation.

ONNX Runtime's dynamic quantisation scales each MatMul input by one range per tensor, so a few channels with
large activations (after LayerNorm, and after GELU in the feed-forward block) leave few levels for the rest.
Smoothing (Xiao et al., "SmoothQuant", ICML 2023) divides input channel j by s_j = max|x_j|^a / max|w_j|^(1-a)
and multiplies row j of the weight by s_j: the product is unchanged in exact arithmetic, the activation range
flatter, the weight range a little wider (weights are quantised per output channel). BERT is post-LN (a
LayerNorm output is also the residual), so the division cannot be folded into the LayerNorm: it is an explicit
Mul on the MatMul's input, shared by the MatMuls that read the same tensor (query, key and value). The maxima
come from running the float32 export on :data:`CALIBRATION_TEXTS`, written for this purpose (profile-like
sentences in the platform's languages, none taken from the sample data or the evaluation sets).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

# Where a MatMul of the exported BERT sits, from its node name (torch.onnx.export names nodes by module path).
KINDS = ("qkv", "attention_output", "ffn_up", "ffn_down")

CALIBRATION_TEXTS = (
    "Independent publishing house for contemporary poetry and translated fiction, looking for co-publishers",
    "We organise an annual street-art festival and residencies for muralists from around the Mediterranean",
    "Small recording studio and label producing traditional Gnawa and Andalusian music",
    "Museum of local history seeking partners for a travelling exhibition on maritime trade",
    "Game development studio building educational games about cultural heritage",
    "Fashion designer working with upcycled textiles and local artisans",
    "Architecture collective restoring vernacular earthen buildings with community workshops",
    "Theatre company touring bilingual plays for young audiences; needs venues and co-producers",
    "Maison d'édition indépendante spécialisée dans la bande dessinée et le roman graphique",
    "Festival de cinéma documentaire cherchant des distributeurs et des coproducteurs européens",
    "Atelier de céramique contemporaine proposant des formations et des résidences d'artistes",
    "Agence de communication culturelle : identité visuelle, sites web et médiation numérique",
    "Compagnie de danse contemporaine en recherche de lieux de diffusion en Méditerranée",
    "Coopérative d'artisanes du tissage berbère à la recherche de circuits de commerce équitable",
    "دار نشر مستقلة تهتم بأدب الأطفال وتبحث عن شركاء للترجمة والتوزيع",
    "مهرجان للموسيقى التقليدية يبحث عن فرق وفنانين من أوروبا وشمال أفريقيا",
    "استوديو تصميم جرافيك يقدم خدمات الهوية البصرية والتغليف للشركات الناشئة",
    "جمعية ثقافية تنظم ورشات للمسرح والرقص لفائدة الشباب في الأحياء الشعبية",
    "متحف للفنون المعاصرة يبحث عن شراكات لتبادل المعارض والإقامات الفنية",
    "تعاونية حرفية لصناعة النحاس والجلد تبحث عن أسواق جديدة في الخارج",
    "Casa editrice specializzata in libri d'arte e fotografia, cerca partner per coedizioni",
    "Compañía de teatro de calle que busca festivales y socios para una gira internacional",
    "Estudio de animación que produce cortometrajes y series para público infantil",
    "Laboratorio di restauro di mobili antichi e doratura, offre formazione professionale",
    "Ελληνική εταιρεία παραγωγής ντοκιμαντέρ αναζητά συμπαραγωγούς",
    "Kültürel miras alanında çalışan bir dernek, dijital arşivleme projeleri için ortak arıyor",
    "ארגון תרבות המפיק פסטיבל מוזיקה ומחפש שותפים באירופה",
    "Design studio for sustainable furniture made from palm fibre and reclaimed wood",
    "Radio communautaire et podcasts en darija, en amazighe et en français",
    "Online platform selling handmade jewellery; we need logistics partners and photographers",
    "Centre culturel proposant des cours de calligraphie arabe et des expositions",
    "Music school and orchestra for children, seeking instrument donations and teacher exchanges",
)


def matmul_kind(name: str) -> str | None:
    """One of :data:`KINDS` for a MatMul node of the exported encoder, else None (attention scores...)."""
    parts = name.split("/")
    if "/attention/self/" in name and len(parts) >= 2 and parts[-2] in ("query", "key", "value"):
        return "qkv"
    if "/attention/output/dense/" in name:
        return "attention_output"
    if "/intermediate/dense/" in name:
        return "ffn_up"
    if "/output/dense/" in name:
        return "ffn_down"
    return None


def activation_maxima(model_bytes: bytes, tensors: Sequence[str], tokenizer_file: Path,
                      prefixes: Sequence[str]) -> dict[str, np.ndarray]:
    """max |x| per channel (last axis) of each tensor over the calibration texts, one text per run (no padding)."""
    import onnx
    import onnxruntime as ort
    from tokenizers import Tokenizer

    model = onnx.load_from_string(model_bytes)
    for name in tensors:
        model.graph.output.append(onnx.helper.make_tensor_value_info(name, onnx.TensorProto.FLOAT, None))
    options = ort.SessionOptions()
    options.log_severity_level = 3
    session = ort.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])
    tokenizer = Tokenizer.from_file(str(tokenizer_file))
    maxima: dict[str, np.ndarray] = {}
    for prefix in prefixes:
        for text in CALIBRATION_TEXTS:
            encoding = tokenizer.encode(prefix + text)
            feed = {"input_ids": np.array([encoding.ids], np.int64),
                    "attention_mask": np.array([encoding.attention_mask], np.int64)}
            for name, value in zip(tensors, session.run(list(tensors), feed), strict=True):
                m = np.abs(value).reshape(-1, value.shape[-1]).max(axis=0)
                maxima[name] = np.maximum(maxima[name], m) if name in maxima else m
    return maxima


def smooth(src: Path, out: Path, *, alphas: Mapping[str, float], tokenizer_file: Path,
           prefixes: Sequence[str]) -> list[str]:
    """Write ``src`` to ``out`` with the inputs of the MatMuls of each kind in ``alphas`` smoothed with that
    kind's migration strength a; return the names of the smoothed MatMuls."""
    import onnx
    from onnx import numpy_helper

    model = onnx.load(str(src))
    graph = model.graph
    weights = {i.name: i for i in graph.initializer}
    groups: dict[str, list[onnx.NodeProto]] = {}
    for node in graph.node:
        if node.op_type == "MatMul" and node.input[1] in weights and matmul_kind(node.name) in alphas:
            groups.setdefault(node.input[0], []).append(node)
    maxima = activation_maxima(model.SerializeToString(), list(groups), tokenizer_file, prefixes)
    muls: dict[str, onnx.NodeProto] = {}
    for x, nodes in groups.items():
        arrays = [numpy_helper.to_array(weights[n.input[1]]) for n in nodes]
        w_max = np.max([np.abs(a).max(axis=1) for a in arrays], axis=0)
        alpha = alphas[str(matmul_kind(nodes[0].name))]
        s = np.clip(np.maximum(maxima[x], 1e-5) ** alpha / np.maximum(w_max, 1e-5) ** (1 - alpha), 1e-2, 1e3)
        inverse = numpy_helper.from_array((1 / s).astype(np.float32), f"{x}/smooth_inverse")
        graph.initializer.append(inverse)
        y = f"{x}/smoothed"
        muls[y] = onnx.helper.make_node("Mul", [x, inverse.name], [y], name=f"{nodes[0].name}/smooth")
        for node, array in zip(nodes, arrays, strict=True):
            node.input[0] = y
            weights[node.input[1]].CopyFrom(numpy_helper.from_array((array * s[:, None]).astype(np.float32),
                                                                     node.input[1]))
    ordered = []  # each Mul just before the first node that reads it, so that the graph stays sorted
    for node in graph.node:
        ordered += [muls.pop(i) for i in node.input if i in muls]
        ordered.append(node)
    del graph.node[:]
    graph.node.extend(ordered)
    onnx.save(model, str(out))
    return [n.name for nodes in groups.values() for n in nodes]
