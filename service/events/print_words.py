"""The words of the printed agendas and table signs in Arabic, French and English. The event service sits below
the web app (which imports it), so it cannot read the web's gettext catalogs; the words it shares with them
(sector names, "Why you meet", the evidence phrases) are copied here and a test keeps them equal."""

from __future__ import annotations

from matcher.taxonomy import COUNTRIES

LANGUAGES: tuple[str, ...] = ("ar", "fr", "en")
RTL: frozenset[str] = frozenset({"ar"})

WORDS: dict[str, dict[str, str]] = {
    "Your agenda": {"ar": "جدول مواعيدك", "fr": "Votre agenda"},
    "Time": {"ar": "الوقت", "fr": "Heure"},
    "Table": {"ar": "الطاولة", "fr": "Table"},
    "Table {number}": {"ar": "الطاولة {number}", "fr": "Table {number}"},
    "Partner": {"ar": "الشريك", "fr": "Partenaire"},
    "Country and sector": {"ar": "البلد والقطاع", "fr": "Pays et secteur"},
    "Why you meet": {"ar": "سبب اللقاء", "fr": "Pourquoi vous vous rencontrez"},
    "They offer": {"ar": "يقدّمون", "fr": "Ils offrent"},
    "which answers your need": {"ar": "وهو ما يلبّي حاجتك", "fr": "ce qui répond à votre besoin"},
    "They need": {"ar": "يحتاجون إلى", "fr": "Ils recherchent"},
    "which you offer": {"ar": "وهو ما تقدّمه", "fr": "ce que vous offrez"},
    "Similar activity:": {"ar": "نشاط مشابه:", "fr": "Activité proche :"},
    "Close activities and sectors.": {"ar": "أنشطة وقطاعات متقاربة.", "fr": "Activités et secteurs proches."},
    "Requested by a participant.": {"ar": "بطلب من أحد المشاركين.", "fr": "Demandé par un participant."},
    "No meeting was scheduled for you. Ask the organiser if you expected one.": {
        "ar": "لم يُجدول لك أي لقاء. اسأل المنظم إن كنت تنتظر لقاءً.",
        "fr": "Aucun rendez-vous n'a été planifié pour vous. Demandez à l'organisateur si vous en attendiez un."},
    "Scan to open your personal page": {"ar": "امسح الرمز لفتح صفحتك الشخصية",
                                        "fr": "Scannez pour ouvrir votre page personnelle"},
    "Meetings at this table": {"ar": "لقاءات هذه الطاولة", "fr": "Rendez-vous à cette table"},
    "Meeting": {"ar": "اللقاء", "fr": "Rendez-vous"},
    "No meeting at this table.": {"ar": "لا لقاء على هذه الطاولة.", "fr": "Aucun rendez-vous à cette table."},
}

# the web app's sector names (service/web/vocabulary.py and translations/*/vocabulary.po)
SECTORS: dict[str, dict[str, str]] = {
    "publishing": {"en": "Publishing and printing", "fr": "Édition et imprimerie", "ar": "النشر والطباعة"},
    "audiovisual": {"en": "Film, photography and video", "fr": "Cinéma, photographie et vidéo",
                    "ar": "السينما والتصوير والفيديو"},
    "music": {"en": "Music", "fr": "Musique", "ar": "الموسيقى"},
    "broadcasting_press": {"en": "Broadcasting and press", "fr": "Radio, télévision et presse",
                           "ar": "الإذاعة والتلفزيون والصحافة"},
    "performing_arts": {"en": "Performing arts", "fr": "Arts du spectacle", "ar": "فنون الأداء"},
    "festivals_events": {"en": "Festivals and events", "fr": "Festivals et événements", "ar": "المهرجانات والتظاهرات"},
    "heritage_museums": {"en": "Heritage and museums", "fr": "Patrimoine et musées", "ar": "التراث والمتاحف"},
    "visual_arts": {"en": "Visual arts", "fr": "Arts visuels", "ar": "الفنون التشكيلية"},
    "crafts": {"en": "Crafts", "fr": "Artisanat", "ar": "الحرف اليدوية"},
    "fashion_textile": {"en": "Fashion and textile", "fr": "Mode et textile", "ar": "الأزياء والنسيج"},
    "jewellery": {"en": "Jewellery", "fr": "Bijouterie", "ar": "المجوهرات"},
    "furniture_interior": {"en": "Furniture and interior design", "fr": "Mobilier et décoration intérieure",
                           "ar": "الأثاث والتصميم الداخلي"},
    "graphic_product_design": {"en": "Graphic and product design", "fr": "Design graphique et design produit",
                               "ar": "التصميم الغرافيكي وتصميم المنتجات"},
    "architecture": {"en": "Architecture", "fr": "Architecture", "ar": "العمارة"},
    "advertising": {"en": "Advertising and communication", "fr": "Publicité et communication",
                    "ar": "الإشهار والاتصال"},
    "games_digital": {"en": "Video games and digital creation", "fr": "Jeux vidéo et création numérique",
                      "ar": "ألعاب الفيديو والإبداع الرقمي"},
    "cultural_tourism": {"en": "Cultural tourism", "fr": "Tourisme culturel", "ar": "السياحة الثقافية"},
    "culinary_heritage": {"en": "Culinary heritage", "fr": "Patrimoine culinaire", "ar": "التراث الغذائي"},
}


def word(text: str, lang: str, **values: object) -> str:
    """``text`` (an English phrase of :data:`WORDS`) in ``lang``, with ``{name}`` fields filled in."""
    return WORDS.get(text, {}).get(lang, text).format(**values)


def sector_name(code: str, lang: str) -> str:
    return SECTORS.get(code, {}).get(lang, code)


def country_name(code: str, lang: str) -> str:
    country = COUNTRIES.get(code)
    if country is None:
        return code
    return {"ar": country.ar, "fr": country.fr}.get(lang, country.en)
