"""Words of a profile's text for the quality rules (:mod:`matcher.quality`): content words in Arabic, French and
English (function words and empty, generic vocabulary set apart), and a keyword lexicon per sector of the
taxonomy, which itself has no keywords.

Folding: case and accents removed (``fold``), Arabic hamza forms and the tāʾ marbūṭa unified, the Arabic
article and the conjunctions before it stripped (``والحرف`` -> ``حرف``). Latin words are matched to a keyword by
prefix when the keyword has 5 letters or more (``ceram`` finds ceramics, céramique), else exactly; Arabic
keywords by substring of the folded word (``خزف`` finds ``الخزفية``)."""

from __future__ import annotations

import re

from matcher.taxonomy import SECTORS, fold

_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
_ARABIC = re.compile(r"[\u0600-\u06FF]")
_ARABIC_MARKS = re.compile(r"[\u064B-\u0652\u0670\u0640]")  # harakat, dagger alif, tatweel
_ARABIC_PREFIX = re.compile(r"^(?:و|ف|ب|ك|ل)?(?:ال|لل)(?=\w{2,})")

STOPWORDS: frozenset[str] = frozenset("""
a an and are as at be by for from has have in is it its of on or our the their this to with we us you your
who which that these those than into over also not but all any more most very can will
le la les l un une des du de d et ou en au aux a pour par sur dans avec nous notre nos vous votre qui que
qu ce cet cette ces est sont son sa ses leur leurs plus tres aussi ne pas se s y il elle ils elles on
el los las del y con para por una uno il lo gli della delle dei di che per con da o e em do da dos das com
في من على الى إلى عن مع و أو او ثم هذا هذه ذلك التي الذي الذين كما لدى عند بين كل نحن ان أن إن لا ما هو هي
""".split())  # noqa: SIM905

# Words that say nothing about what an organisation does: a text made mostly of them is generic.
GENERIC: frozenset[str] = frozenset("""
we do make makes made work works working business businesses company companies firm enterprise services service
products product quality best good great high leading professional professionals solutions solution various
different many things stuff activity activities field sector area offer offering provide providing provides
clients customers partners partner needs need experience experienced years new innovative dynamic team
international local national world global value values excellent customer satisfaction everything general
societe entreprise entreprises produits produit qualite meilleur meilleure bon bonne solutions domaine secteur
clients client partenaires partenaire besoins activites activite faire fait travail travaillons offrons
proposons propose nouveaux nouvelle nouveau experience annees equipe excellence divers diverses
شركة شركات مؤسسة خدمات خدمة منتجات منتج جودة أفضل افضل عمل نعمل نقدم تقدم مجال قطاع عملاء زبائن شركاء
احتياجات أنشطة انشطة خبرة سنوات جديد جديدة فريق متنوعة مختلفة
""".split())  # noqa: SIM905


def _fold_arabic(word: str) -> str:
    word = _ARABIC_MARKS.sub("", word)
    word = word.replace("أ", "ا").replace("إ", "ا").replace("آ", "ا").replace("ة", "ه").replace("ى", "ي")
    return _ARABIC_PREFIX.sub("", word) if len(word) > 4 else word


def words(text: str) -> list[str]:
    """Every word of ``text``, folded (case, accents, Arabic letter forms and article), in order."""
    return [_fold_arabic(w) if _ARABIC.search(w) else w for w in _WORD.findall(fold(text))]


_STOP = frozenset(words(" ".join(STOPWORDS)))
_GENERIC = frozenset(words(" ".join(GENERIC)))


def content_words(text: str) -> list[str]:
    """The words of ``text`` that are not function words, at least two letters long."""
    return [w for w in words(text) if len(w) >= 2 and w not in _STOP]


def is_generic(word: str) -> bool:
    """Whether a content word is generic vocabulary (see :data:`GENERIC`); a plural ``s`` is ignored."""
    return word in _GENERIC or (word.endswith("s") and word[:-1] in _GENERIC)


# Keywords per sector (English, French, Arabic), written unfolded; see the module docstring for how they match.
SECTOR_KEYWORDS: dict[str, str] = {
    "publishing": "book books publish publisher printing printer literary literature comics library "
                  "livre livres edition editeur editrice imprimerie imprim librairie litteraire bande "
                  "كتاب كتب نشر ناشر طباعة مطبعة روايات مكتبة",
    "audiovisual": "film films cinema movie video photograph documentary postproduction footage filming "
                   "metrage tournage realisateur cinematographique "
                   "فيلم افلام سينما تصوير وثائقي فيديو مونتاج",
    "music": "music musical musician song songs concert concerts orchestra recording instruments "
             "musique musicien musiciens chanson chansons orchestre enregistrement "
             "موسيقى موسيقي غناء اغاني عازف تسجيل",
    "broadcasting_press": "radio television broadcast journalism journalist magazine newspaper press news "
                          "webmedia presse journal journaliste journalistes reportage reportages "
                          "اذاعة تلفزيون صحافة صحيفة مجلة صحفي",
    "performing_arts": "theatre theater dance dancer choreography performance performances circus puppet actors "
                       "danse danseur choregraph spectacle spectacles cirque marionnette comedien "
                       "مسرح مسرحي رقص دمى سيرك",
    "festivals_events": "festival festivals events fair fairs "
                        "evenement evenements evenementiel salon salons foire "
                        "مهرجان فعاليات تظاهرة ملتقى",
    "heritage_museums": "heritage museum museums archaeology archaeological historic historical monument monuments "
                        "archive archives patrimoine musee musees archeolog historique "
                        "تراث متحف متاحف اثار تاريخي ترميم مخطوطات",
    "visual_arts": "painting painter paintings sculpture sculptor gallery galleries artist artists calligraphy "
                   "contemporary peinture peintre sculpteur galerie artiste artistes calligraph "
                   "فنان فنانين فنون رسم نحت رواق تشكيلي",
    "crafts": "craft crafts craftspeople artisan artisans artisanal handmade pottery potter ceramic ceramics "
              "weaving weaver embroidery basketry leather copper carpet carpets rugs mosaic zellige glassblowing "
              "artisanat poterie potier ceramique tissage tisserand broderie vannerie cuir cuivre tapis mosaique "
              "tadelakt carving woodcarving sculpte sculptes "
              "حرف حرفي حرفيين خزف فخار تطريز سلال جلد نحاس زرابي سجاد فسيفساء زليج نقش تحف",
    "fashion_textile": "fashion clothing garment garments textile textiles fabric fabrics apparel footwear shoes "
                       "couture stylist linen silk yarn "
                       "mode pret vetement vetements tissu tissus chaussure chaussures styliste soie "
                       "ازياء ملابس اقمشه قماش خياطه خياط احذيه موضه",
    "jewellery": "jewellery jewelry jeweller jewels silver silversmith goldsmith necklace bracelet gemstones "
                 "bijou bijoux bijouterie joaillerie joaillier argent orfevre collier "
                 "مجوهرات حلي فضه فضيه ذهب صياغه",
    "furniture_interior": "furniture interior interiors decoration upholstery mashrabiya carpentry joinery "
                          "meuble meubles interieur decor moucharabieh menuiserie ebeniste "
                          "اثاث ديكور مفروشات نجاره داخلي",
    "graphic_product_design": "graphic design designer designers typography typeface typefaces logo logotypes "
                              "packaging illustration illustrator prototype prototypes designing "
                              "graphique typographie emballage illustrat "
                              "تصميم مصمم مصممين غرافيك جرافيك تغليف",
    "architecture": "architect architects architectural architecture urban urbanism landscape building "
                    "architecte architectes urbanisme paysag batiment "
                    "معماري عماره عمران بناء",
    "advertising": "advertising advert marketing communication campaigns campaign branding visibility "
                   "publicite publicitaire campagne campagnes "
                   "اشهار اعلان اعلانات تسويق حملات",
    "games_digital": "game games gaming digital software virtual interactive apps mobile "
                     "jeu jeux numerique logiciel virtuel interactif "
                     "العاب لعبه رقمي رقميه تطبيق تطبيقات برمجيات افتراضي",
    "cultural_tourism": "tourism tourist tourists travel travellers tour tours itinerary visitors excursion hiking "
                        "guesthouse hotes sejour sejours "
                        "tourisme touristique voyage voyages voyagistes itineraire visiteurs randonnee randonnees "
                        "سياحه سياحي سياح سفر رحلات زوار جولات",
    "culinary_heritage": "food foods cuisine culinary gastronomy recipe recipes spice spices olive cooking chef "
                         "restaurant bakery pastry honey dates preserves "
                         "gastronomie recette recettes epice epices huile cuisinier patisserie miel dattes "
                         "طبخ مطبخ طعام توابل وصفات زيت زيتون تمور عسل حلويات ماكولات",
}
assert set(SECTOR_KEYWORDS) == set(SECTORS)
_KEYWORDS: dict[str, tuple[str, ...]] = {s: tuple(dict.fromkeys(words(text))) for s, text in SECTOR_KEYWORDS.items()}
# Indexes of the keywords, so that a word is looked up rather than compared with every keyword: exact Latin words
# (and their plural), Latin prefixes by length, Arabic stems (found inside a word).
_EXACT: dict[str, set[str]] = {}
_PREFIX: dict[int, dict[str, set[str]]] = {}
_STEMS: list[tuple[str, str]] = []
for _sector, _keys in _KEYWORDS.items():
    for _k in _keys:
        if _ARABIC.search(_k):
            _STEMS.append((_k, _sector))
        elif len(_k) >= 5:
            _PREFIX.setdefault(len(_k), {}).setdefault(_k, set()).add(_sector)
        else:
            for _form in (_k, _k + "s"):
                _EXACT.setdefault(_form, set()).add(_sector)


def _sectors_of(word: str) -> set[str]:
    """The sectors one folded word is a keyword of."""
    if _ARABIC.search(word):
        return {sector for stem, sector in _STEMS if stem in word}
    found = set(_EXACT.get(word, ()))
    for length, prefixes in _PREFIX.items():
        if len(word) >= length:
            found |= prefixes.get(word[:length], set())
    return found


def sector_hits(text: str) -> dict[str, int]:
    """Per sector, how many distinct words of the text match one of its :data:`SECTOR_KEYWORDS` (sectors with
    none left out)."""
    hits: dict[str, int] = {}
    for word in set(words(text)):
        for sector in _sectors_of(word):
            hits[sector] = hits.get(sector, 0) + 1
    return hits
