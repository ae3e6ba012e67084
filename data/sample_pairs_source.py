"""Complementary partner pairs for testing cross-lingual matching (fictitious organisations).

Each pair links a seeker A, based in a Southern-Mediterranean country, with a partner B based
in another country (mostly in the European Union). By construction, A's first need is answered
by B's first offer, and one of B's needs is answered by one of A's offers. A and B write in
different languages (Arabic, French, English, and a few Italian or Spanish partners), so that a
multilingual search from A's first need over the "offers" of all profiles should rank B high.

Every pair is about a different, specific product or service (product + service + market).
Ids use the "09xx" range so they never clash with generated profiles. Pure data: no I/O.
"""

from __future__ import annotations


def _org(
    oid: str,
    name: str,
    kind: str,
    city: str,
    sectors: list[str],
    languages: list[str],
    size: int,
    domain: str,
    *,
    description: str,
    offers: list[str],
    needs: list[str],
    partnership_types: list[str],
) -> dict[str, object]:
    """One profile record; the country comes from the id prefix, the web addresses from ``domain``."""
    tld = oid[:2]
    return {
        "id": oid,
        "name": name,
        "kind": kind,
        "country": tld.upper(),
        "city": city,
        "sectors": sectors,
        "description": description,
        "offers": offers,
        "needs": needs,
        "partnership_types": partnership_types,
        "languages": languages,
        "size": size,
        "website": f"https://www.{domain}.example.{tld}",
        "contact_email": f"contact@{domain}.example.{tld}",
    }


def _pair(relation: str, seeker: dict[str, object], partner: dict[str, object]) -> dict[str, object]:
    """A seeker A whose first need is answered by the first offer of partner B."""
    return {"relation": relation, "seeker": seeker, "partner": partner}


PAIRS: list[dict[str, object]] = [
    # --- 1. Arabic seeker, French partner: hand-painted ceramics from Safi -> distribution in France
    _pair(
        "distribution",
        _org(
            "ma-0901", "تعاونية الفخار الأزرق بآسفي", "firm", "Safi", ["crafts"], ["ar", "fr"], 14, "fakhar-safi",
            description=(
                "تعاونية حرفية في آسفي تصنع الخزف المطلي والمزخرف يدويا بالألوان الزرقاء التقليدية، "
                "وتبيعه في السوق المغربية وللسياح."
            ),
            offers=[
                "أطباق وأوان خزفية مصنوعة ومزخرفة يدويا بطلاء أزرق تقليدي",
                "إنتاج مجموعات خزفية حسب الطلب للمطاعم والفنادق",
            ],
            needs=[
                "موزع للأواني الخزفية المغربية في فرنسا لدى متاجر الديكور",
                "المشاركة في معارض الديكور المنزلي في أوروبا",
            ],
            partnership_types=["distribution"],
        ),
        _org(
            "fr-0901", "Terres du Sud Distribution", "firm", "Lyon", ["crafts", "furniture_interior"], ["fr", "en"],
            7, "terresdusud",
            description=(
                "Grossiste lyonnais spécialisé dans les arts de la table artisanaux, qui approvisionne plus de "
                "200 boutiques de décoration et concept stores en France."
            ),
            offers=[
                "distribution de vaisselle en céramique marocaine en France auprès des boutiques de décoration",
                "arts de la table en céramique artisanale",
            ],
            needs=[
                "nouvelles collections de vaisselle en céramique peinte à la main du Maghreb",
                "séries de vaisselle sur mesure pour des restaurants",
            ],
            partnership_types=["distribution", "supply"],
        ),
    ),
    # --- 2. Arabic seeker, French partner: copperware (dinanderie) from Constantine -> Belgium
    _pair(
        "distribution",
        _org(
            "dz-0901", "عنقود النحاسيات بقسنطينة", "cluster", "Constantine", ["crafts"], ["ar", "fr"], 38,
            "nahas-constantine",
            description=(
                "عنقود يجمع نحو ثلاثين ورشة لصناعة النحاس المطروق والمنقوش في قسنطينة، "
                "ويطوّر تصاميم جديدة تلائم الأسواق الخارجية."
            ),
            offers=[
                "صوان وأباريق وفوانيس من النحاس المطروق والمنقوش يدويا",
                "تصنيع قطع نحاسية حسب الطلب للفنادق والمطاعم",
            ],
            needs=[
                "موزع لأواني النحاس المطروق (الدينانديري) لدى متاجر الديكور في بلجيكا",
                "تدريب على تقنيات حديثة لتلميع النحاس وحمايته من الأكسدة",
            ],
            partnership_types=["distribution", "training"],
        ),
        _org(
            "be-0901", "Cuivres & Maisons", "firm", "Liège", ["crafts", "furniture_interior"], ["fr", "nl", "en"],
            5, "cuivres-maisons",
            description=(
                "Importateur liégeois d'objets de décoration artisanaux en métal, présent dans une soixantaine "
                "de boutiques en Wallonie et à Bruxelles."
            ),
            offers=[
                ("distribution de dinanderie et d'objets en cuivre martelé dans les boutiques de décoration "
                 "en Belgique"),
                "import de plateaux et de lanternes en cuivre d'Afrique du Nord",
            ],
            needs=[
                "plateaux, lanternes et aiguières en cuivre martelé et ciselé à la main",
                "pièces en cuivre sur mesure pour l'hôtellerie",
            ],
            partnership_types=["distribution"],
        ),
    ),
    # --- 3. Arabic seeker, English partner: Hebron glass -> fair-trade shops in the Netherlands
    _pair(
        "distribution",
        _org(
            "ps-0901", "مصنع الخليل للزجاج اليدوي", "firm", "Hebron", ["crafts"], ["ar", "en"], 11, "hebron-glass",
            description=(
                "مصنع عائلي في الخليل ينفخ الزجاج يدويا بالطريقة التقليدية منذ ثلاثة أجيال، "
                "ويستخدم الزجاج المعاد تدويره بألوانه الزرقاء والخضراء المميزة."
            ),
            offers=[
                "كؤوس ومزهريات وثريات من زجاج الخليل المنفوخ يدويا",
                "قطع زجاجية ملونة مصنوعة من الزجاج المعاد تدويره",
            ],
            needs=[
                "مستورد لزجاج الخليل المنفوخ يدويا لمتاجر التجارة العادلة في هولندا",
                "دعم في تغليف المنتجات الزجاجية الهشة للشحن الدولي",
            ],
            partnership_types=["distribution"],
        ),
        _org(
            "nl-0901", "Fair Glass Trading", "firm", "Utrecht", ["crafts"], ["nl", "en"], 6, "fairglass",
            description=(
                "Dutch fair-trade importer supplying world shops and ethical gift stores across the Netherlands "
                "with handmade products from artisan producers."
            ),
            offers=[
                "import and wholesale of mouth-blown Hebron glass to fair-trade shops in the Netherlands",
                "fair-trade certification support for artisan producers",
            ],
            needs=[
                "hand-blown recycled glassware from Palestinian workshops",
                "producers able to pack fragile goods for sea freight",
            ],
            partnership_types=["distribution"],
        ),
    ),
    # --- 4. Arabic seeker, French partner: creative documentary co-production Cairo - Marseille
    _pair(
        "co_production",
        _org(
            "eg-0901", "استوديو النيل للأفلام الوثائقية", "firm", "Cairo", ["audiovisual"], ["ar", "en"], 8,
            "nile-docs",
            description=(
                "شركة إنتاج مستقلة في القاهرة تنتج أفلاما وثائقية إبداعية عن الذاكرة الحضرية "
                "والحرف التقليدية في مصر."
            ),
            offers=[
                "تصوير وإنتاج تنفيذي في مصر للأفلام الوثائقية الأجنبية",
                "أرشيف بصري عن أحياء القاهرة التاريخية",
            ],
            needs=[
                "منتج مشارك فرنسي لفيلم وثائقي إبداعي عن القاهرة التاريخية موجه للقنوات التلفزيونية الأوروبية",
                "تمويل من صناديق دعم الإنتاج المشترك في أوروبا",
            ],
            partnership_types=["co_production"],
        ),
        _org(
            "fr-0902", "Calanques Films", "firm", "Marseille", ["audiovisual"], ["fr", "en"], 6, "calanques-films",
            description=(
                "Société de production marseillaise de documentaires de création, tournée vers la Méditerranée "
                "et le monde arabe."
            ),
            offers=[
                ("coproduction française de documentaires de création avec des producteurs arabes pour les "
                 "chaînes de télévision européennes"),
                "aides à la coproduction documentaire (CNC, Eurimages)",
            ],
            needs=[
                "production exécutive et tournage en Égypte pour nos documentaires",
                "archives audiovisuelles sur les villes arabes",
            ],
            partnership_types=["co_production"],
        ),
    ),
    # --- 5. Arabic seeker, French partner: translation rights of Arabic picture books -> French publisher
    _pair(
        "licensing",
        _org(
            "lb-0901", "دار الأرزة لكتب الأطفال", "firm", "Beirut", ["publishing"], ["ar", "fr", "en"], 12,
            "arza-kids",
            description=(
                "دار نشر لبنانية متخصصة في كتب الأطفال المصورة باللغة العربية، تعمل مع رسامين "
                "وكتّاب من لبنان والعالم العربي."
            ),
            offers=[
                "كتب أطفال مصورة باللغة العربية لمرحلة ما قبل المدرسة",
                "حقوق نشر أكثر من أربعين عنوانا مصورا",
            ],
            needs=[
                "ناشر فرنسي يشتري حقوق ترجمة كتب الأطفال المصورة من العربية إلى الفرنسية",
                "جناح مشترك في معرض بولونيا لكتب الأطفال",
            ],
            partnership_types=["licensing"],
        ),
        _org(
            "fr-0903", "Éditions du Mistral Jeunesse", "firm", "Arles", ["publishing"], ["fr", "en"], 9,
            "mistral-jeunesse",
            description=(
                "Maison d'édition jeunesse indépendante qui publie des albums illustrés traduits de langues "
                "peu représentées en France."
            ),
            offers=[
                "achat de droits de traduction d'albums jeunesse illustrés de l'arabe vers le français",
                "diffusion en librairie dans toute la France et en Belgique",
            ],
            needs=[
                "albums illustrés pour enfants publiés en arabe à traduire",
                "illustrateurs du Liban et du Maghreb",
            ],
            partnership_types=["licensing"],
        ),
    ),
    # --- 6. Arabic seeker, English partner: mobile games from Amman -> European game publisher
    _pair(
        "distribution",
        _org(
            "jo-0901", "استوديو البتراء للألعاب", "firm", "Amman", ["games_digital"], ["ar", "en"], 15,
            "petra-games",
            description=(
                "استوديو أردني لتطوير ألعاب الهاتف المحمول المستوحاة من الحكايات والأساطير العربية، "
                "أطلق ثلاث ألعاب في المنطقة العربية."
            ),
            offers=[
                "تطوير ألعاب ألغاز ومغامرات للهاتف المحمول",
                "تعريب ألعاب الفيديو وتكييفها ثقافيا للأسواق العربية",
            ],
            needs=[
                "ناشر أوروبي لألعاب الهاتف المحمول المستقلة يتولى تسويقها في متاجر التطبيقات الأوروبية",
                "مستثمر لتمويل تطوير لعبتنا القادمة",
            ],
            partnership_types=["distribution", "investment"],
        ),
        _org(
            "mt-0901", "Harbour Light Games", "firm", "Valletta", ["games_digital"], ["en", "mt", "it"], 20,
            "harbourlight",
            description=(
                "Maltese indie game publisher handling marketing, localisation and store launches "
                "for small studios."
            ),
            offers=[
                "publishing and marketing of indie mobile games in European app stores",
                "user-acquisition campaigns and store-page optimisation",
            ],
            needs=[
                "Arabic localisation and cultural adaptation of games for Middle East markets",
                "mobile puzzle and adventure games from independent studios",
            ],
            partnership_types=["distribution", "licensing"],
        ),
    ),
    # --- 7. Arabic seeker, English partner: training in Roman mosaic restoration (El Djem - Ravenna)
    _pair(
        "training",
        _org(
            "tn-0901", "عنقود الفسيفساء بالجم", "cluster", "El Djem", ["crafts", "heritage_museums"], ["ar", "fr"],
            25, "fusaifisa-eljem",
            description=(
                "عنقود من الحرفيين والمرممين في الجم ينتج لوحات فسيفساء مستوحاة من الفن الروماني، "
                "ويشارك في صيانة المواقع الأثرية في المنطقة."
            ),
            offers=[
                "لوحات فسيفساء حجرية مصنوعة يدويا مستوحاة من النماذج الرومانية",
                "نسخ مطابقة للوحات الفسيفساء الأثرية للمتاحف والفنادق",
            ],
            needs=[
                "تدريب مهني على ترميم الفسيفساء الرومانية الأرضية وصيانتها في المواقع الأثرية",
                "خبرة في تقنيات رفع لوحات الفسيفساء ونقلها بأمان",
            ],
            partnership_types=["training"],
        ),
        _org(
            "it-0901", "Accademia Musiva Adriatica", "education", "Ravenna", ["heritage_museums", "crafts"],
            ["it", "en"], 18, "musiva-adriatica",
            description=(
                "Ravenna-based training centre for mosaic conservation, running courses for restorers, "
                "archaeologists and craftspeople from across the Mediterranean."
            ),
            offers=[
                "training courses in conservation and restoration of Roman floor mosaics on archaeological sites",
                "technical assistance for lifting and relaying ancient mosaics",
            ],
            needs=[
                "handmade stone mosaics inspired by Roman models for our teaching exhibitions",
                "partner workshops in North Africa to host field schools",
            ],
            partnership_types=["training", "research"],
        ),
    ),
    # --- 8. Arabic seeker, French partner: Moroccan spice blends -> fine-food shops in France
    _pair(
        "distribution",
        _org(
            "ma-0902", "دار التوابل المراكشية", "firm", "Marrakech", ["culinary_heritage"], ["ar", "fr"], 10,
            "tawabil-marrakech",
            description=(
                "شركة عائلية في مراكش تحضّر خلطات التوابل المغربية التقليدية وفق وصفات متوارثة، "
                "وتعبئها في علب خزفية وخشبية."
            ),
            offers=[
                "خلطات توابل مغربية تقليدية مثل رأس الحانوت والمشرمل",
                "علب هدايا للتوابل مصنوعة يدويا",
            ],
            needs=[
                "موزع لخلطات التوابل المغربية التقليدية (رأس الحانوت) لدى محلات البقالة الراقية في فرنسا",
                "الحصول على شهادة المنتجات العضوية الأوروبية",
            ],
            partnership_types=["distribution"],
        ),
        _org(
            "fr-0904", "Comptoir des Épices d'Aquitaine", "firm", "Bordeaux", ["culinary_heritage"], ["fr", "en"],
            8, "comptoir-epices",
            description=(
                "Grossiste bordelais en produits fins qui approvisionne les épiceries fines de Nouvelle-Aquitaine "
                "et d'Île-de-France."
            ),
            offers=[
                ("distribution de mélanges d'épices marocains traditionnels (ras el hanout) auprès des épiceries "
                 "fines en France"),
                "épices du Maghreb pour la restauration",
            ],
            needs=[
                "mélanges d'épices marocains artisanaux comme le ras el hanout",
                "coffrets cadeaux gourmands faits main",
            ],
            partnership_types=["distribution"],
        ),
    ),
    # --- 9. Arabic seeker, English partner: olive-wood nativity sets from Bethlehem -> German Christmas markets
    _pair(
        "distribution",
        _org(
            "ps-0902", "عنقود خشب الزيتون في بيت لحم", "cluster", "Bethlehem", ["crafts", "furniture_interior"],
            ["ar", "en"], 45, "olivewood-bethlehem",
            description=(
                "عنقود يضم ورشا عائلية في بيت لحم تنحت خشب الزيتون يدويا، وتصنع مجسمات المغارة "
                "والتماثيل الدينية والأدوات المنزلية."
            ),
            offers=[
                "مجسمات المغارة وتماثيل دينية منحوتة يدويا من خشب الزيتون",
                "أدوات مطبخ وأوان منزلية من خشب الزيتون",
            ],
            needs=[
                "موزع لمجسمات المغارة والتماثيل المنحوتة يدويا من خشب الزيتون لأسواق عيد الميلاد في ألمانيا",
                "تصاميم جديدة لمنتجات منزلية معاصرة",
            ],
            partnership_types=["distribution"],
        ),
        _org(
            "de-0901", "Alpenkrippe Handel GmbH", "firm", "München", ["crafts"], ["de", "en"], 12, "alpenkrippe",
            description=(
                "Munich wholesaler of religious art and nativity scenes supplying Christmas markets, church shops "
                "and gift retailers across Germany and Austria."
            ),
            offers=[
                ("wholesale of hand-carved olive wood nativity sets and figures to Christmas markets and church "
                "shops in Germany"),
                "advance orders for the Christmas season placed in spring",
            ],
            needs=[
                "hand-carved olive wood nativity scenes from Bethlehem",
                "small wooden ornaments for Christmas trees",
            ],
            partnership_types=["distribution"],
        ),
    ),
    # --- 10. Arabic seeker, French partner: cultural tours in Luxor and Aswan -> French tour operator
    _pair(
        "distribution",
        _org(
            "eg-0902", "طيبة للسياحة الثقافية", "firm", "Luxor", ["cultural_tourism"], ["ar", "en", "fr"], 22,
            "thebes-tours",
            description=(
                "وكالة سياحية في الأقصر تنظم جولات ثقافية مع مرشدين متخصصين في علم المصريات، "
                "وإقامات في بيوت نوبية تقليدية."
            ),
            offers=[
                "جولات ثقافية مع مرشدين متخصصين في المعابد والمقابر الفرعونية في الأقصر وأسوان",
                "رحلات نيلية على مراكب شراعية تقليدية (الذهبية)",
            ],
            needs=[
                "منظم رحلات فرنسي يسوّق الجولات الثقافية في الأقصر وأسوان لدى المجموعات السياحية الفرنسية",
                "تدريب المرشدين على اللغة الفرنسية",
            ],
            partnership_types=["distribution"],
        ),
        _org(
            "fr-0905", "Horizons Antiques Voyages", "firm", "Toulouse", ["cultural_tourism"], ["fr", "en"], 14,
            "horizons-antiques",
            description=(
                "Voyagiste toulousain spécialisé dans les circuits archéologiques accompagnés par des "
                "conférenciers, pour des groupes d'associations et de retraités."
            ),
            offers=[
                ("commercialisation de circuits culturels en Égypte (Louxor, Assouan) auprès des groupes de "
                "voyageurs français"),
                "conférenciers francophones spécialistes de l'Antiquité",
            ],
            needs=[
                "agence réceptive en Haute-Égypte avec des guides égyptologues",
                "croisières sur le Nil en dahabieh",
            ],
            partnership_types=["distribution"],
        ),
    ),
    # --- 11. Arabic seeker, English partner: contemporary silver jewellery design training (Batna - Porto)
    _pair(
        "training",
        _org(
            "dz-0902", "جمعية حرفيي الفضة بالأوراس", "association", "Batna", ["jewellery"], ["ar", "fr"], 30,
            "fidda-aures",
            description=(
                "جمعية تضم حرفيين في باتنة يصنعون الحلي الفضية الشاوية التقليدية، "
                "وتسعى إلى تجديد تصاميمها لجذب زبائن جدد."
            ),
            offers=[
                "حلي فضية شاوية تقليدية مصنوعة يدويا من أساور وخلاخيل وأقراط",
                "ورشات تعريفية بتقنيات صياغة الفضة التقليدية",
            ],
            needs=[
                "تدريب على تصميم المجوهرات الفضية المعاصرة باستخدام برامج التصميم بالحاسوب",
                "معدات حديثة للصب والتلميع",
            ],
            partnership_types=["training"],
        ),
        _org(
            "pt-0901", "Porto Jewellery Design Lab", "education", "Porto", ["jewellery", "graphic_product_design"],
            ["pt", "en"], 16, "porto-jewellery-lab",
            description=(
                "Porto jewellery school and design lab offering professional courses and workshops "
                "in contemporary jewellery."
            ),
            offers=[
                "training in contemporary silver jewellery design with CAD software for artisan workshops",
                "rapid prototyping and wax printing for jewellery",
            ],
            needs=[
                "traditional silversmiths to lead masterclasses on North African techniques",
                "partners for an Erasmus+ capacity-building project",
            ],
            partnership_types=["training", "research"],
        ),
    ),
    # --- 12. Arabic seeker, English partner: made-to-measure mashrabiya screens -> hotel interiors in Greece
    _pair(
        "supply",
        _org(
            "eg-0903", "ورشة المشربية بالجمالية", "firm", "Cairo", ["furniture_interior", "crafts"], ["ar", "en"],
            20, "mashrabiya-gamaliya",
            description=(
                "ورشة في حي الجمالية بالقاهرة تصنع المشربيات والأبواب الخشبية المخروطة يدويا "
                "وفق التقاليد المملوكية."
            ),
            offers=[
                "ستائر وحواجز مشربية من الخشب المخروط يدويا حسب المقاس",
                "ترميم المشربيات والأبواب الخشبية الأثرية",
            ],
            needs=[
                "شركات تصميم داخلي للفنادق تطلب ستائر مشربية خشبية مصنوعة حسب الطلب",
                "معدات خراطة حديثة للخشب",
            ],
            partnership_types=["supply", "subcontracting"],
        ),
        _org(
            "gr-0901", "Aegean Hotel Interiors", "firm", "Athens", ["furniture_interior", "architecture"],
            ["el", "en"], 24, "aegean-interiors",
            description=(
                "Athens interior design and fit-out firm delivering boutique hotel and resort interiors "
                "across Greece and Cyprus."
            ),
            offers=[
                ("hotel interior design projects ordering custom-made wooden mashrabiya screens from artisan "
                 "workshops"),
                "turnkey furnishing of boutique hotel rooms",
            ],
            needs=[
                "hand-turned wooden mashrabiya screens made to measure",
                "restoration of historic wooden doors and shutters",
            ],
            partnership_types=["supply", "subcontracting"],
        ),
    ),
    # --- 13. Arabic seeker, French partner: recording a gnawa album -> world-music studio and label
    _pair(
        "co_production",
        _org(
            "ma-0903", "فرقة أصوات كناوة الصويرة", "association", "Essaouira", ["music"], ["ar", "fr"], 9,
            "gnawa-essaouira",
            description=(
                "فرقة من معلمي موسيقى كناوة في الصويرة تحيي الحفلات والليالي التقليدية، "
                "وتشارك في مهرجانات داخل المغرب وخارجه."
            ),
            offers=[
                "حفلات موسيقى كناوة التقليدية بآلتي الكمبري والقراقب",
                "ورشات لتعليم إيقاعات كناوة",
            ],
            needs=[
                "استوديو لتسجيل ألبوم موسيقى كناوة وإنتاجه وتوزيعه رقميا في أوروبا",
                "مهرجانات أوروبية لاستضافة عروضنا",
            ],
            partnership_types=["co_production"],
        ),
        _org(
            "fr-0906", "Studio Ker Musiques", "firm", "Rennes", ["music"], ["fr", "en"], 6, "ker-musiques",
            description=(
                "Studio d'enregistrement et label rennais consacré aux musiques du monde "
                "et aux musiques traditionnelles."
            ),
            offers=[
                ("enregistrement, mixage et production d'albums de musiques traditionnelles et du monde, avec "
                 "distribution numérique en Europe"),
                "pressage de disques vinyles en petites séries",
            ],
            needs=[
                "musiciens traditionnels gnaoua et d'Afrique du Nord pour de nouveaux albums",
                "ateliers de percussions pour nos stages d'été",
            ],
            partnership_types=["co_production"],
        ),
    ),
    # ===== French-speaking seekers, English-speaking partners =====
    # --- 14. French seeker, English partner: modern kaftans from Casablanca -> sales agent in the Benelux
    _pair(
        "distribution",
        _org(
            "ma-0904", "Maison Lalla Studio", "firm", "Casablanca", ["fashion_textile"], ["fr", "ar", "en"], 18,
            "lalla-studio",
            description=(
                "Marque casablancaise de prêt-à-porter qui revisite le caftan et la djellaba en coupes modernes, "
                "fabriqués dans notre atelier de Casablanca."
            ),
            offers=[
                "collections de caftans modernes et de tuniques en prêt-à-porter",
                "fabrication de vêtements en petites séries pour d'autres marques",
            ],
            needs=[
                ("agent commercial pour placer notre collection de caftans modernes dans les concept stores "
                "du Benelux"),
                "participation à un salon de mode à Paris",
            ],
            partnership_types=["distribution"],
        ),
        _org(
            "nl-0902", "Canal Showroom Amsterdam", "firm", "Amsterdam", ["fashion_textile"], ["nl", "en", "fr"], 4,
            "canal-showroom",
            description=(
                "Amsterdam fashion showroom and sales agency representing independent designer labels "
                "to boutiques in the Netherlands, Belgium and Luxembourg."
            ),
            offers=[
                ("sales agency placing modern kaftan and designer ready-to-wear collections in concept stores "
                "across the Benelux"),
                "showroom space during Amsterdam fashion week",
            ],
            needs=[
                "contemporary designer labels from North Africa and the Middle East",
                "small-batch clothing manufacturing for our own label",
            ],
            partnership_types=["distribution"],
        ),
    ),
    # --- 15. French seeker, English partner: handmade zellige from Fès -> architects in Spain
    _pair(
        "distribution",
        _org(
            "ma-0905", "Zellige d'Art de Fès", "firm", "Fès", ["crafts", "architecture"], ["fr", "ar", "es"], 40,
            "zellige-fes",
            description=(
                "Atelier de zellige de Fès : nous taillons à la main des carreaux émaillés et réalisons des "
                "panneaux sur plan pour des projets résidentiels et hôteliers."
            ),
            offers=[
                "carreaux de zellige taillés et émaillés à la main",
                "panneaux de zellige sur mesure réalisés d'après les plans d'architectes",
            ],
            needs=[
                "distributeur de zellige fait main auprès des architectes et décorateurs d'intérieur en Espagne",
                "formation à la pose du zellige pour des carreleurs européens",
            ],
            partnership_types=["distribution"],
        ),
        _org(
            "es-0901", "Terracota & Co. Madrid", "firm", "Madrid", ["architecture", "furniture_interior"],
            ["es", "en"], 11, "terracota-madrid",
            description=(
                "Madrid showroom selling handmade tiles and surface materials to architects, interior designers "
                "and contractors across Spain."
            ),
            offers=[
                "distribution of handmade zellige and glazed tiles to architects and interior designers in Spain",
                "technical support for tile installation on site",
            ],
            needs=[
                "hand-cut glazed zellige tiles from Moroccan workshops",
                "custom tile panels made to architects' drawings",
            ],
            partnership_types=["distribution"],
        ),
    ),
    # --- 16. French seeker, English partner: colour grading and 5.1 mixing for Tunisian feature films
    _pair(
        "supply",
        _org(
            "tn-0902", "Médina Films", "firm", "Tunis", ["audiovisual"], ["fr", "ar", "en"], 10, "medina-films",
            description=(
                "Société tunisienne de production de longs métrages de fiction, dont deux films ont été "
                "sélectionnés aux Journées cinématographiques de Carthage."
            ),
            offers=[
                "production exécutive et tournages en Tunisie (décors naturels, équipes techniques)",
                "coproduction de longs métrages de fiction",
            ],
            needs=[
                ("prestataire d'étalonnage numérique et de mixage son 5.1 pour la postproduction de nos longs "
                "métrages"),
                "distributeur pour les salles de cinéma européennes",
            ],
            partnership_types=["supply", "co_production"],
        ),
        _org(
            "hr-0901", "Adriatic Post", "firm", "Zagreb", ["audiovisual"], ["hr", "en"], 25, "adriatic-post",
            description=(
                "Zagreb post-production house working on European feature films and series, "
                "with Dolby-certified mixing stages."
            ),
            offers=[
                "colour grading and 5.1 sound mixing post-production for feature films",
                "DCP mastering and festival deliverables",
            ],
            needs=[
                "shooting locations and production services in North Africa",
                "co-production partners for feature films",
            ],
            partnership_types=["supply", "co_production"],
        ),
    ),
    # --- 17. French seeker, English partner: booking Lebanese electro-oriental bands at European festivals
    _pair(
        "distribution",
        _org(
            "lb-0902", "Cèdre Sonore", "firm", "Beirut", ["music", "festivals_events"], ["fr", "ar", "en"], 5,
            "cedre-sonore",
            description=(
                "Label et agence de management beyrouthins qui accompagnent des groupes de musique "
                "électro-orientale et de jazz arabe."
            ),
            offers=[
                "groupes de musique électro-orientale et de jazz arabe prêts à partir en tournée",
                "licences de synchronisation de notre catalogue pour le cinéma et la publicité",
            ],
            needs=[
                ("agence de booking pour programmer nos groupes de musique électro-orientale dans les festivals "
                "d'été en Europe"),
                "aide à l'obtention des visas d'artistes",
            ],
            partnership_types=["distribution"],
        ),
        _org(
            "de-0902", "Spree Booking Agency", "firm", "Berlin", ["music", "festivals_events"], ["de", "en"], 7,
            "spree-booking",
            description=(
                "Berlin booking agency representing world and electronic music acts on the European festival "
                "and club circuit."
            ),
            offers=[
                "booking of Arab and world music bands for European summer festivals",
                "tour management and artist visa support",
            ],
            needs=[
                "new bands blending Arabic music with electronic music or jazz",
                "music catalogues available for film and advertising sync",
            ],
            partnership_types=["distribution"],
        ),
    ),
    # --- 18. French seeker, English partner: media buying for diaspora campaigns in France
    _pair(
        "supply",
        _org(
            "tn-0903", "Sahel Com", "firm", "Sousse", ["advertising"], ["fr", "ar"], 14, "sahel-com",
            description=(
                "Agence de communication de Sousse qui conçoit des campagnes pour des marques tunisiennes "
                "du tourisme et de l'agroalimentaire."
            ),
            offers=[
                "création de campagnes publicitaires et de contenus vidéo en arabe et en français",
                "production de spots publicitaires à coût maîtrisé en Tunisie",
            ],
            needs=[
                ("agence média partenaire pour planifier et acheter des campagnes publicitaires digitales "
                "ciblant la diaspora maghrébine en France"),
                "régie d'affichage urbain en Europe",
            ],
            partnership_types=["supply", "subcontracting"],
        ),
        _org(
            "fr-0907", "Bridge Media Paris", "firm", "Paris", ["advertising"], ["fr", "en", "ar"], 30,
            "bridge-media",
            description=(
                "Paris-based media agency specialised in multicultural and diaspora audiences, running "
                "programmatic and social media campaigns."
            ),
            offers=[
                ("media planning and buying for digital advertising campaigns targeting the North African "
                "diaspora in France"),
                "audience research on diaspora communities",
            ],
            needs=[
                "creative studios producing advertising content in Arabic and French",
                "cost-effective commercial video production in North Africa",
            ],
            partnership_types=["supply", "subcontracting"],
        ),
    ),
    # --- 19. French seeker, English partner: short-run offset printing of art books (Algiers - Verona)
    _pair(
        "supply",
        _org(
            "dz-0903", "Éditions El Bahdja", "firm", "Alger", ["publishing", "visual_arts"], ["fr", "ar"], 9,
            "el-bahdja",
            description=(
                "Éditeur algérois de beaux livres sur le patrimoine, l'architecture et la photographie "
                "en Algérie."
            ),
            offers=[
                "beaux livres illustrés sur le patrimoine algérien",
                "fonds photographique sur l'architecture de la Casbah d'Alger",
            ],
            needs=[
                "imprimeur pour l'impression offset en quadrichromie de beaux livres d'art en petits tirages",
                "coéditeur européen pour nos livres de photographie",
            ],
            partnership_types=["supply"],
        ),
        _org(
            "it-0902", "Tipografia Scaligera", "firm", "Verona", ["publishing"], ["it", "en", "fr"], 60,
            "tipografia-scaligera",
            description=(
                "Verona printing house with sixty years of experience in high-quality art books, exhibition "
                "catalogues and photography books."
            ),
            offers=[
                "offset four-colour printing of art books and illustrated catalogues in short runs",
                "prepress colour proofing and hand binding",
            ],
            needs=[
                "publishers of illustrated heritage and photography books",
                "photographic archives for co-published titles",
            ],
            partnership_types=["supply"],
        ),
    ),
    # --- 20. French seeker, English partner: equity investment to modernise a Tripoli furniture workshop
    _pair(
        "investment",
        _org(
            "lb-0903", "Ateliers du Bois de Tripoli", "firm", "Tripoli", ["furniture_interior"], ["fr", "ar", "en"],
            35, "bois-tripoli",
            description=(
                "Menuiserie familiale de Tripoli qui fabrique des meubles en bois massif sculpté et des boiseries "
                "pour hôtels et résidences."
            ),
            offers=[
                "meubles en bois massif sculptés à la main",
                "boiseries et portes sur mesure pour l'hôtellerie",
            ],
            needs=[
                "investisseur en fonds propres pour moderniser notre atelier de meubles avec des machines CNC",
                "designers pour une ligne de mobilier contemporain",
            ],
            partnership_types=["investment"],
        ),
        _org(
            "lu-0901", "MedCreative Impact Fund", "funder", "Luxembourg", ["furniture_interior", "crafts"],
            ["en", "fr"], 9, "medcreative-fund",
            description=(
                "Luxembourg impact investment fund backing small creative manufacturers in the Mediterranean "
                "region."
            ),
            offers=[
                "equity investment in furniture manufacturing workshops to finance CNC machinery and modernisation",
                "management support for export growth",
            ],
            needs=[
                "growing furniture and woodworking workshops in Lebanon and the Maghreb",
                "investment-ready business plans from creative manufacturers",
            ],
            partnership_types=["investment"],
        ),
    ),
    # --- 21. French seeker, English partner: certified European linen yarn for a Ksar Hellal weaving mill
    _pair(
        "supply",
        _org(
            "tn-0904", "Tissages de Ksar Hellal", "firm", "Ksar Hellal", ["fashion_textile"], ["fr", "ar"], 28,
            "tissages-ksarhellal",
            description=(
                "Atelier de tissage de Ksar Hellal qui produit du linge de maison et des tissus d'habillement "
                "sur des métiers semi-mécaniques."
            ),
            offers=[
                "linge de maison tissé : nappes, draps et serviettes",
                "tissage à façon de tissus pour des marques européennes",
            ],
            needs=[
                "fournisseur de fil de lin européen certifié pour le tissage de notre linge de maison",
                "formation aux finitions lavées et adoucies du lin",
            ],
            partnership_types=["supply", "subcontracting"],
        ),
        _org(
            "be-0902", "Flanders Flax Yarns", "firm", "Kortrijk", ["fashion_textile"], ["nl", "en", "fr"], 40,
            "flanders-flax",
            description=(
                "Kortrijk spinning mill producing certified European flax and linen yarns for weavers "
                "and knitters."
            ),
            offers=[
                "supply of certified European linen yarn for weaving household linen and apparel fabrics",
                "technical advice on linen finishing",
            ],
            needs=[
                "weaving mills in the Mediterranean for contract weaving of linen fabrics",
                "household linen makers to showcase our yarns",
            ],
            partnership_types=["supply", "subcontracting"],
        ),
    ),
    # --- 22. French seeker, English partner: premium packaging design for Sfax olive oil
    _pair(
        "supply",
        _org(
            "tn-0905", "Huilerie Zitouna de Sfax", "firm", "Sfax", ["culinary_heritage"], ["fr", "ar", "en"], 20,
            "zitouna-sfax",
            description=(
                "Huilerie familiale de Sfax qui produit une huile d'olive extra vierge de variété chemlali "
                "et vise les épiceries fines européennes."
            ),
            offers=[
                "huile d'olive extra vierge chemlali pressée à froid",
                "mise en bouteille d'huile d'olive sous marque de distributeur",
            ],
            needs=[
                ("agence de design d'emballage pour créer la bouteille et l'étiquette haut de gamme de notre "
                "huile d'olive"),
                "importateur d'huile d'olive en Allemagne",
            ],
            partnership_types=["supply"],
        ),
        _org(
            "gr-0902", "Thermaic Pack Design", "firm", "Thessaloniki", ["graphic_product_design"], ["el", "en"], 8,
            "thermaic-design",
            description=(
                "Thessaloniki design studio specialised in packaging and branding for premium Mediterranean "
                "food products."
            ),
            offers=[
                "packaging design and branding for premium olive oil and gourmet food exports",
                "coordination of label and bottle printing",
            ],
            needs=[
                "private-label extra virgin olive oil for our clients' gift ranges",
                "food producers preparing a premium export range",
            ],
            partnership_types=["supply"],
        ),
    ),
    # ===== English-speaking seekers, French-speaking partners =====
    # --- 23. English seeker, French partner: earth-construction expertise for desert eco-lodges in Jordan
    _pair(
        "training",
        _org(
            "jo-0902", "Wadi Earth Architects", "firm", "Amman", ["architecture"], ["en", "ar"], 12,
            "wadi-earth",
            description=(
                "Amman architecture studio designing eco-lodges and visitor centres in the Jordanian desert, "
                "around Dana and Wadi Rum."
            ),
            offers=[
                "architectural design of eco-lodges and visitor centres in desert landscapes",
                "surveys of traditional stone and mud buildings in Jordan",
            ],
            needs=[
                "training and technical expertise in earth construction (rammed earth, adobe) for desert eco-lodges",
                "partners for a research project on passive cooling",
            ],
            partnership_types=["training", "research"],
        ),
        _org(
            "fr-0908", "Terre Crue Formation", "education", "Grenoble", ["architecture"], ["fr", "en", "es"], 15,
            "terrecrue-formation",
            description=(
                "Centre de formation grenoblois dédié à l'architecture de terre, qui forme architectes et "
                "artisans et accompagne des chantiers en Afrique et au Moyen-Orient."
            ),
            offers=[
                ("formation et expertise technique en construction en terre (pisé, adobe) pour des écolodges "
                 "en zone désertique"),
                "architecture bioclimatique et rafraîchissement passif",
            ],
            needs=[
                "relevés d'architecture vernaculaire en pierre et en terre au Moyen-Orient",
                "projets d'écolodges pour nos stages de terrain",
            ],
            partnership_types=["training", "research"],
        ),
    ),
    # --- 24. English seeker, French partner: licensing Palestinian tatreez motifs to a Paris fashion brand
    _pair(
        "licensing",
        _org(
            "ps-0903", "Ramallah Stitches Cooperative", "association", "Ramallah",
            ["fashion_textile", "crafts"], ["en", "ar"], 60, "ramallah-stitches",
            description=(
                "Women's cooperative in Ramallah preserving Palestinian tatreez cross-stitch embroidery, "
                "with an archive of more than 300 regional motifs."
            ),
            offers=[
                "hand-embroidered tatreez panels and accessories",
                "archive of traditional Palestinian embroidery motifs available for licensing",
            ],
            needs=[
                ("French fashion brand to license our tatreez embroidery motifs for a ready-to-wear capsule "
                "collection"),
                "advice on fair royalty agreements",
            ],
            partnership_types=["licensing"],
        ),
        _org(
            "fr-0909", "Maison Fil d'Orient", "firm", "Paris", ["fashion_textile"], ["fr", "en"], 22,
            "fil-orient",
            description=(
                "Marque parisienne de prêt-à-porter éthique qui collabore avec des brodeuses artisanales "
                "du monde entier."
            ),
            offers=[
                ("collections capsules de prêt-à-porter sous licence de motifs de broderie traditionnelle "
                "(dont le tatreez palestinien), avec redevances versées aux brodeuses"),
                "vente dans nos boutiques parisiennes et en ligne",
            ],
            needs=[
                "motifs de broderie palestinienne traditionnelle au point de croix",
                "panneaux brodés à la main pour des pièces uniques",
            ],
            partnership_types=["licensing"],
        ),
    ),
    # --- 25. English seeker, French partner: French subtitling and dubbing of Egyptian feature films
    _pair(
        "supply",
        _org(
            "eg-0904", "Nile Screen Distribution", "firm", "Cairo", ["audiovisual"], ["en", "ar"], 16,
            "nile-screen",
            description=(
                "Cairo film distributor and sales agent handling Egyptian independent feature films "
                "for festivals and streaming platforms."
            ),
            offers=[
                "international sales of Egyptian independent feature films",
                "Arabic subtitling of foreign films for Middle East audiences",
            ],
            needs=[
                ("French subtitling and dubbing of Egyptian feature films for francophone festivals and "
                "streaming platforms"),
                "festival strategy advice for Europe",
            ],
            partnership_types=["supply"],
        ),
        _org(
            "be-0903", "Sous-Titres Bruxelles", "firm", "Bruxelles", ["audiovisual"], ["fr", "nl", "en", "ar"],
            20, "soustitres-bxl",
            description=(
                "Studio bruxellois de localisation audiovisuelle : sous-titrage, doublage et audiodescription "
                "pour le cinéma et les plateformes."
            ),
            offers=[
                ("sous-titrage et doublage en français de films arabes pour les festivals et les plateformes "
                "de streaming"),
                "sous-titres pour sourds et malentendants et audiodescription",
            ],
            needs=[
                "sous-titrage vers l'arabe de films européens",
                "films arabes récents à faire circuler dans les festivals francophones",
            ],
            partnership_types=["supply"],
        ),
    ),
    # --- 26. English seeker, French partner: Nabataean replicas -> museum shops in France
    _pair(
        "distribution",
        _org(
            "jo-0903", "Nabataean Heritage Replicas", "firm", "Amman", ["heritage_museums", "crafts"],
            ["en", "ar"], 9, "nabataean-replicas",
            description=(
                "Amman workshop producing museum-quality hand-cast replicas of Nabataean and Roman artefacts "
                "from Petra and Jerash."
            ),
            offers=[
                "hand-cast stone and resin replicas of Nabataean artefacts from Petra",
                "custom replicas for temporary exhibitions",
            ],
            needs=[
                "museum shop buyers in France for replicas of ancient Nabataean and Roman artefacts",
                "certification of replicas by an archaeology museum",
            ],
            partnership_types=["distribution"],
        ),
        _org(
            "fr-0910", "Boutiques de Musées Associées", "firm", "Lille", ["heritage_museums"], ["fr", "en"], 13,
            "boutiques-musees",
            description=(
                "Centrale d'achat lilloise qui sélectionne et achète les produits d'une trentaine "
                "de boutiques de musées en France."
            ),
            offers=[
                "achat de reproductions d'objets archéologiques antiques pour les boutiques de musées en France",
                "produits dérivés pour les expositions temporaires",
            ],
            needs=[
                "reproductions fidèles d'objets antiques du Proche-Orient",
                "objets artisanaux liés aux expositions sur la Méditerranée antique",
            ],
            partnership_types=["distribution"],
        ),
    ),
    # --- 27. English seeker, French partner: touring an Alexandria dance piece in French theatres
    _pair(
        "distribution",
        _org(
            "eg-0905", "Alexandria Contemporary Dance Company", "association", "Alexandria", ["performing_arts"],
            ["en", "ar", "fr"], 14, "alex-dance",
            description=(
                "Independent contemporary dance company from Alexandria whose pieces mix street dance "
                "with Egyptian folk movement."
            ),
            offers=[
                "touring contemporary dance pieces for six to eight dancers",
                "dance workshops for young people",
            ],
            needs=[
                ("French booking and touring agency to organise a tour of our contemporary dance piece "
                "in French theatres"),
                "artist residency in Europe",
            ],
            partnership_types=["distribution"],
        ),
        _org(
            "fr-0911", "Diffusion Danse Occitanie", "firm", "Montpellier", ["performing_arts"], ["fr", "en"], 5,
            "diffusion-danse",
            description=(
                "Bureau de production et de diffusion montpelliérain qui accompagne des compagnies "
                "de danse contemporaine internationales."
            ),
            offers=[
                ("diffusion et organisation de tournées de compagnies de danse contemporaine dans les théâtres "
                "et festivals français"),
                "accompagnement en production et en administration de compagnies",
            ],
            needs=[
                "compagnies de danse contemporaine du sud de la Méditerranée",
                "ateliers de danse pour les jeunes publics",
            ],
            partnership_types=["distribution"],
        ),
    ),
    # ===== Other language combinations =====
    # --- 28. Arabic seeker, Italian partner: Kairouan kilim and mergoum -> design shops in Italy
    _pair(
        "distribution",
        _org(
            "tn-0906", "مرقوم القيروان", "firm", "Kairouan", ["crafts", "furniture_interior"], ["ar", "fr"], 17,
            "mergoum-kairouan",
            description=(
                "ورشة نسيج في القيروان تنتج الكليم والمرقوم المنسوج يدويا من الصوف الطبيعي "
                "المصبوغ بأصباغ نباتية."
            ),
            offers=[
                "كليم ومرقوم منسوج يدويا من الصوف الطبيعي",
                "زرابي حسب الطلب بمقاسات وألوان مخصصة",
            ],
            needs=[
                "مستورد للكليم والمرقوم التونسي المنسوج يدويا لمتاجر التصميم في إيطاليا",
                "تصاميم معاصرة لمجموعات جديدة",
            ],
            partnership_types=["distribution"],
        ),
        _org(
            "it-0903", "Trame Mediterranee", "firm", "Milano", ["furniture_interior"], ["it", "en"], 7,
            "trame-mediterranee",
            description=(
                "Importatore milanese di tappeti e tessili d'arredo artigianali per negozi di design "
                "e architetti d'interni."
            ),
            offers=[
                "importazione e distribuzione di kilim e tappeti tessuti a mano nei negozi di design in Italia",
                "esposizione dei prodotti durante la settimana del design di Milano",
            ],
            needs=[
                "kilim in lana naturale con tinture vegetali",
                "tappeti su misura per progetti d'interni",
            ],
            partnership_types=["distribution"],
        ),
    ),
    # --- 29. Arabic seeker, Spanish partner: sabra (cactus silk) cushions and scarves -> decor shops in Spain
    _pair(
        "distribution",
        _org(
            "ma-0906", "تعاونية حرير الصبار بفاس", "firm", "Fès", ["fashion_textile", "crafts"], ["ar", "fr", "es"],
            21, "sabra-fes",
            description=(
                "تعاونية نسائية في فاس تنسج الوسائد والأوشحة من خيوط الصبرة، "
                "وهي حرير نباتي يستخرج من ألياف نبات الصبار."
            ),
            offers=[
                "وسائد وأوشحة وأغطية أسرّة منسوجة يدويا من حرير الصبار",
                "صباغة طبيعية حسب الألوان المطلوبة",
            ],
            needs=[
                "موزع لوسائد وأوشحة حرير الصبار (الصبرة) لدى متاجر الديكور في إسبانيا",
                "تدريب على التسويق الإلكتروني",
            ],
            partnership_types=["distribution"],
        ),
        _org(
            "es-0902", "Casa Fibra Barcelona", "firm", "Barcelona", ["furniture_interior", "fashion_textile"],
            ["es", "ca", "en"], 6, "casafibra",
            description=(
                "Distribuidora barcelonesa de textiles artesanales para el hogar, con una red de tiendas "
                "de decoración en Cataluña y Valencia."
            ),
            offers=[
                "distribución de cojines y fulares de seda de cactus (sabra) en tiendas de decoración en España",
                "importación de textiles artesanales de Marruecos",
            ],
            needs=[
                "textiles de seda vegetal tejidos a mano",
                "tintes naturales en colores a medida",
            ],
            partnership_types=["distribution"],
        ),
    ),
    # --- 30. French seeker, Italian partner: lost-wax casting machines and training for gold jewellery
    _pair(
        "supply",
        _org(
            "lb-0904", "Joaillerie Bourj Hammoud", "firm", "Beirut", ["jewellery"], ["fr", "ar", "hy", "en"], 12,
            "joaillerie-bourjhammoud",
            description=(
                "Atelier de joaillerie de Bourj Hammoud, à Beyrouth, qui crée des bijoux en or 18 carats "
                "pour les bijoutiers du Liban et du Golfe."
            ),
            offers=[
                "bijoux en or 18 carats sertis à la main",
                "fabrication de bijoux en or à façon pour des bijoutiers",
            ],
            needs=[
                ("fournisseur de machines de microfusion à cire perdue pour la bijouterie en or, avec formation "
                "technique"),
                "designers de bijoux pour une nouvelle collection",
            ],
            partnership_types=["supply", "training"],
        ),
        _org(
            "it-0904", "Arezzo Oro Tecnologie", "firm", "Arezzo", ["jewellery"], ["it", "en"], 45, "arezzo-oro",
            description=(
                "Azienda aretina che produce macchinari per l'oreficeria e forma i tecnici dei laboratori orafi."
            ),
            offers=[
                ("fornitura di macchinari per microfusione a cera persa per l'oreficeria in oro, "
                "con formazione tecnica"),
                "assistenza tecnica post-vendita",
            ],
            needs=[
                "laboratori orafi in Medio Oriente per la produzione conto terzi di gioielli in oro 18 carati",
                "distributori di macchinari per l'oreficeria nel Levante",
            ],
            partnership_types=["supply", "training"],
        ),
    ),
]
