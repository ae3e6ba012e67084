"""Phrase tables for generating fictitious ccimatch organisation profiles.

The generator composes sample profiles for the cultural and creative industries (CCI) of the
Southern Mediterranean and Europe from these tables. Every organisation named or implied here is
fictitious. Descriptions may contain the placeholder ``{city}``, to be filled in by the generator.

``SECTOR_PHRASES`` describes firms (workshops, studios, producers, distributors, shops) by sector
and language; ``KIND_PHRASES`` describes the other kinds of organisation (clusters, associations,
schools, public bodies, funders, support organisations, individuals) by kind and language.
Languages are ``"ar"`` (Modern Standard Arabic), ``"fr"`` and ``"en"``.

Pure data: this module performs no I/O.
"""

from __future__ import annotations

from typing import TypedDict


class Entry(TypedDict):
    """One phrase entry: a short description plus what the organisation offers and needs."""

    description: str
    offers: list[str]
    needs: list[str]


def _e(description: str, offers: list[str], needs: list[str]) -> Entry:
    """Build an :class:`Entry` (keeps the tables below compact)."""
    return {"description": description, "offers": offers, "needs": needs}


# --------------------------------------------------------------------------------------------
# Sectors (firms)
# --------------------------------------------------------------------------------------------

_PUBLISHING: dict[str, list[Entry]] = {
    "ar": [
        _e("دار نشر مستقلة في {city} تصدر روايات وكتب أطفال مصوّرة باللغة العربية.",
           ["كتب أطفال مصوّرة", "حقوق ترجمة"], ["رسامون لكتب الأطفال", "موزع في أوروبا"]),
        _e("مطبعة عائلية في {city} متخصصة في طباعة الكتب الفنية والكتالوجات بجودة عالية.",
           ["طباعة أوفست", "تجليد يدوي"], ["دور نشر شريكة", "ورق معاد تدويره"]),
        _e("شركة توزيع كتب تغطي المكتبات في المغرب العربي وتستورد عناوين فرنكوفونية.",
           ["توزيع في المكتبات", "استيراد كتب"], ["ناشرون أوروبيون", "منصة بيع إلكتروني"]),
        _e("وكالة أدبية في {city} تمثل كتّاباً شباباً وتبيع حقوق الترجمة في معارض الكتاب الدولية.",
           ["تمثيل المؤلفين", "بيع حقوق الترجمة"], ["ناشرون في أوروبا", "مترجمون أدبيون"]),
    ],
    "fr": [
        _e("Maison d'édition indépendante basée à {city}, publiant romans et essais en français et en arabe.",
           ["droits de traduction", "coédition"], ["traducteurs littéraires", "diffuseur en France"]),
        _e("Imprimerie familiale à {city}, spécialisée dans les beaux livres et catalogues d'exposition.",
           ["impression offset", "reliure artisanale"], ["éditeurs partenaires", "papier certifié FSC"]),
        _e("Diffuseur-distributeur de livres couvrant les librairies du Maghreb et l'importation de titres européens.",
           ["distribution en librairie", "importation de livres"],
           ["éditeurs européens", "plateforme de vente en ligne"]),
        _e("Petite maison spécialisée dans la bande dessinée et le roman graphique, installée à {city}.",
           ["albums de bande dessinée", "ateliers de dessin"], ["illustrateurs", "festival de BD partenaire"]),
    ],
    "en": [
        _e("Independent publisher in {city} producing illustrated children's books in Arabic and English.",
           ["illustrated children's books", "translation rights"], ["illustrators", "European distributor"]),
        _e("Family-run printing house in {city} specialising in art books and exhibition catalogues.",
           ["offset printing", "hand binding"], ["partner publishers", "recycled paper supplier"]),
        _e("Book distributor serving bookshops across the Levant and importing academic titles.",
           ["bookshop distribution", "book import"], ["European publishers", "e-commerce platform"]),
        _e("Small literary agency representing emerging Arab authors at international book fairs.",
           ["author representation", "rights sales"], ["foreign publishers", "literary translators"]),
    ],
}

_AUDIOVISUAL: dict[str, list[Entry]] = {
    "ar": [
        _e("شركة إنتاج أفلام وثائقية في {city} تهتم بقصص الحرفيين والتراث المحلي.",
           ["إنتاج أفلام وثائقية", "تصوير ميداني"], ["منتج مشارك أوروبي", "قنوات بث"]),
        _e("استوديو ما بعد الإنتاج في {city} يقدم خدمات المونتاج وتصحيح الألوان والترجمة.",
           ["مونتاج", "تصحيح الألوان", "ترجمة نصية للأفلام"], ["شركات إنتاج", "معدات حديثة"]),
        _e("شركة توزيع أفلام عربية مستقلة تبيع الحقوق للمهرجانات والمنصات الرقمية.",
           ["توزيع أفلام", "بيع الحقوق"], ["أفلام روائية جديدة", "منصات بث"]),
        _e("استوديو تصوير فوتوغرافي في {city} متخصص في تصوير المنتجات الحرفية والأزياء.",
           ["تصوير المنتجات", "كتالوجات مصوّرة"], ["علامات أزياء", "ورش حرفية"]),
    ],
    "fr": [
        _e("Société de production de documentaires à {city}, tournée vers les récits de savoir-faire et de patrimoine.",
           ["production documentaire", "tournage"], ["coproducteur européen", "diffuseurs TV"]),
        _e("Studio de post-production à {city} : montage, étalonnage, mixage et sous-titrage multilingue.",
           ["montage", "étalonnage", "sous-titrage"], ["sociétés de production", "financement d'équipement"]),
        _e("Distributeur indépendant de films arabes vendant les droits aux festivals, salles et plateformes.",
           ["distribution de films", "ventes internationales"],
           ["nouveaux longs métrages", "plateformes de streaming"]),
        _e("Studio photo à {city} spécialisé dans la prise de vue de produits artisanaux et de mode.",
           ["photographie de produits", "catalogues"], ["marques de mode", "ateliers artisanaux"]),
    ],
    "en": [
        _e("Documentary production company in {city} telling the stories of artisans and living heritage.",
           ["documentary production", "location shooting"], ["European co-producer", "broadcasters"]),
        _e("Post-production studio in {city} offering editing, colour grading, sound mixing and subtitling.",
           ["editing", "colour grading", "subtitling"], ["production companies", "equipment financing"]),
        _e("Independent distributor of Arab films selling rights to festivals, cinemas and streaming services.",
           ["film distribution", "international sales"], ["new feature films", "streaming platforms"]),
        _e("Photography studio in {city} focused on product shoots for craft and fashion brands.",
           ["product photography", "lookbooks"], ["fashion labels", "craft workshops"]),
    ],
}

_MUSIC: dict[str, list[Entry]] = {
    "ar": [
        _e("شركة إنتاج موسيقي مستقلة في {city} تسجّل لفنانين شباب يمزجون الموسيقى التقليدية بالإلكترونية.",
           ["تسجيل وإنتاج ألبومات", "نشر موسيقي"], ["موزع رقمي", "مروّج حفلات في أوروبا"]),
        _e("ورشة لصناعة العود والآلات الوترية يدوياً في {city} منذ ثلاثة أجيال.",
           ["آلات عود مصنوعة يدوياً", "صيانة الآلات"], ["خشب الجوز المجفف", "متاجر آلات موسيقية في الخارج"]),
        _e("وكالة تنظيم حفلات وجولات موسيقية لفرق من شمال أفريقيا والشرق الأوسط.",
           ["تنظيم جولات", "حجز فنانين"], ["مهرجانات شريكة", "قاعات عروض"]),
    ],
    "fr": [
        _e("Label indépendant à {city} produisant des artistes qui mêlent gnaoua, chaâbi et musiques électroniques.",
           ["production d'albums", "édition musicale"], ["distributeur numérique", "tourneur européen"]),
        _e("Atelier de lutherie à {city} fabriquant ouds, qanouns et darboukas à la main depuis trois générations.",
           ["instruments faits main", "réparation d'instruments"],
           ["bois de noyer séché", "magasins de musique à l'export"]),
        _e("Agence de booking et de tournées pour des groupes du Maghreb et du Moyen-Orient.",
           ["organisation de tournées", "booking d'artistes"], ["festivals partenaires", "salles de concert"]),
        _e("Studio d'enregistrement à {city} équipé pour les ensembles acoustiques et la musique de film.",
           ["enregistrement", "mixage et mastering"], ["producteurs de films", "labels"]),
    ],
    "en": [
        _e("Independent record label in {city} producing artists who blend traditional maqam with electronic music.",
           ["album production", "music publishing"], ["digital distributor", "European booking agent"]),
        _e("Oud-making workshop in {city} building string instruments by hand for three generations.",
           ["handmade ouds", "instrument repair"], ["seasoned walnut wood", "music shops abroad"]),
        _e("Live-music promoter organising concerts and regional tours for Levantine bands.",
           ["tour booking", "concert promotion"], ["partner festivals", "venues in Europe"]),
    ],
}

_BROADCASTING_PRESS: dict[str, list[Entry]] = {
    "ar": [
        _e("إذاعة محلية في {city} تبث برامج ثقافية وموسيقية وتغطي الأحداث الفنية في المنطقة.",
           ["بث إذاعي", "مساحات إعلانية"], ["منتجو محتوى", "رعاة برامج"]),
        _e("مجلة ثقافية شهرية تصدر بالعربية والفرنسية وتهتم بالتصميم والحرف المعاصرة.",
           ["مقالات ومراجعات", "إعلانات مطبوعة"], ["مصورون صحفيون", "شبكة توزيع في الأكشاك"]),
        _e("موقع إخباري رقمي في {city} متخصص في أخبار الفنون والسينما والصناعات الإبداعية.",
           ["محتوى رقمي", "تغطية إعلامية"], ["شراكات إعلانية", "صحفيون مستقلون"]),
    ],
    "fr": [
        _e("Radio associative à {city} diffusant des émissions culturelles et musicales en arabe et en français.",
           ["diffusion radio", "espaces publicitaires"], ["producteurs de contenus", "sponsors d'émissions"]),
        _e("Magazine culturel bimestriel consacré au design, à l'artisanat contemporain et à l'architecture.",
           ["couverture médiatique", "publicité imprimée"], ["photographes", "réseau de diffusion en kiosque"]),
        _e("Webmédia basé à {city} qui couvre l'actualité des arts, du cinéma et des industries créatives.",
           ["articles et reportages", "vidéos courtes"], ["partenariats publicitaires", "journalistes pigistes"]),
    ],
    "en": [
        _e("Community radio station in {city} broadcasting cultural talk shows and local music.",
           ["radio airtime", "advertising slots"], ["content producers", "programme sponsors"]),
        _e("Bilingual quarterly magazine covering contemporary design, crafts and architecture in the region.",
           ["editorial coverage", "print advertising"], ["photojournalists", "newsstand distribution"]),
        _e("Online news outlet in {city} reporting on arts, film and the creative economy.",
           ["digital features", "media coverage"], ["advertising partners", "freelance reporters"]),
    ],
}

_PERFORMING_ARTS: dict[str, list[Entry]] = {
    "ar": [
        _e("فرقة مسرحية مستقلة في {city} تقدّم عروضاً معاصرة مستوحاة من الحكايات الشعبية.",
           ["عروض مسرحية", "ورشات تمثيل"], ["مسارح مضيفة في أوروبا", "تمويل الجولات"]),
        _e("فرقة رقص معاصر تعمل على تجديد الدبكة والرقصات التقليدية بلغة حركية حديثة.",
           ["عروض رقص", "إقامات فنية"], ["مهرجانات رقص", "مصمم إضاءة"]),
        _e("ورشة لصناعة الديكور والأزياء المسرحية في {city} تخدم المسارح وشركات الإنتاج.",
           ["ديكور مسرحي", "أزياء للعروض"], ["فرق مسرحية", "أقمشة بأسعار الجملة"]),
    ],
    "fr": [
        _e("Compagnie de théâtre indépendante à {city} qui crée des spectacles contemporains à partir de contes "
           "populaires.",
           ["spectacles en tournée", "ateliers de jeu"], ["théâtres d'accueil en Europe", "aide à la tournée"]),
        _e("Compagnie de danse contemporaine revisitant la dabké et les danses traditionnelles du Maghreb.",
           ["spectacles de danse", "résidences de création"], ["festivals de danse", "créateur lumière"]),
        _e("Atelier de décors et de costumes de scène à {city}, au service des théâtres et des productions.",
           ["décors de scène", "costumes"], ["compagnies de théâtre", "tissus en gros"]),
    ],
    "en": [
        _e("Independent theatre company in {city} creating contemporary plays drawn from folk tales.",
           ["touring productions", "acting workshops"], ["host theatres in Europe", "touring grants"]),
        _e("Contemporary dance company reinventing dabke and traditional dances through a modern vocabulary.",
           ["dance performances", "artist residencies"], ["dance festivals", "lighting designer"]),
        _e("Scenery and costume workshop in {city} serving theatres, operas and film productions.",
           ["stage sets", "stage costumes"], ["theatre companies", "wholesale fabrics"]),
    ],
}

_FESTIVALS_EVENTS: dict[str, list[Entry]] = {
    "ar": [
        _e("شركة تنظيم فعاليات في {city} متخصصة في المعارض الحرفية وأسواق التصميم.",
           ["تنظيم معارض", "إدارة الفعاليات"], ["عارضون حرفيون", "رعاة"]),
        _e("مؤسسة تنظم مهرجاناً سنوياً للموسيقى والفنون في الهواء الطلق يجذب آلاف الزوار.",
           ["منصة عرض للفنانين", "رعاية وإشهار"], ["فرق موسيقية", "شركاء لوجستيون"]),
        _e("شركة خدمات تقنية للفعاليات توفر الصوت والإضاءة والمنصات في {city} والمدن المجاورة.",
           ["أنظمة صوت وإضاءة", "تركيب المنصات"], ["منظمو مهرجانات", "تجديد المعدات"]),
    ],
    "fr": [
        _e("Agence événementielle à {city} spécialisée dans les salons d'artisanat et les marchés de créateurs.",
           ["organisation de salons", "gestion d'événements"], ["exposants artisans", "sponsors"]),
        _e("Société organisatrice d'un festival annuel de musique et d'arts de rue attirant des milliers de visiteurs.",
           ["scène pour artistes", "visibilité pour partenaires"], ["groupes programmés", "partenaires logistiques"]),
        _e("Prestataire technique à {city} fournissant son, lumière et scènes pour festivals et concerts.",
           ["sonorisation et éclairage", "montage de scènes"],
           ["organisateurs de festivals", "renouvellement du matériel"]),
    ],
    "en": [
        _e("Event agency in {city} specialising in craft fairs, design markets and pop-up exhibitions.",
           ["fair organisation", "event management"], ["craft exhibitors", "sponsors"]),
        _e("Company running a yearly open-air music and arts festival that draws thousands of visitors.",
           ["stage for artists", "sponsor visibility"], ["touring bands", "logistics partners"]),
        _e("Technical event supplier in {city} providing sound, lighting and staging for festivals.",
           ["sound and lighting", "stage building"], ["festival organisers", "equipment financing"]),
    ],
}

_HERITAGE_MUSEUMS: dict[str, list[Entry]] = {
    "ar": [
        _e("متحف خاص في {city} يعرض مجموعة من الأزياء التقليدية والحلي القديمة ويدير متجراً للهدايا.",
           ["متجر المتحف", "جولات إرشادية"], ["منتجات حرفية للمتجر", "خبراء ترميم"]),
        _e("شركة متخصصة في ترميم المعالم التاريخية والفسيفساء والزخارف الجصية.",
           ["ترميم الفسيفساء", "دراسات تراثية"], ["حرفيون مؤهلون", "مشاريع ترميم"]),
        _e("مكتب ينتج أدلة رقمية وتجارب واقع معزز للمواقع الأثرية والمتاحف.",
           ["أدلة صوتية رقمية", "تطبيقات الواقع المعزز"], ["متاحف شريكة", "متخصصون في المسح ثلاثي الأبعاد"]),
    ],
    "fr": [
        _e("Musée privé à {city} présentant costumes traditionnels et bijoux anciens, avec une boutique de musée.",
           ["boutique de musée", "visites guidées"], ["objets artisanaux pour la boutique", "restaurateurs"]),
        _e("Entreprise de restauration du patrimoine bâti : mosaïques, stucs et boiseries anciennes.",
           ["restauration de mosaïques", "études patrimoniales"], ["artisans qualifiés", "chantiers de restauration"]),
        _e("Bureau de médiation numérique créant audioguides et parcours en réalité augmentée pour sites "
           "archéologiques.",
           ["audioguides", "applications de réalité augmentée"], ["musées partenaires", "spécialistes de la 3D"]),
    ],
    "en": [
        _e("Private museum in {city} showing traditional dress and antique jewellery, with a museum shop.",
           ["museum shop", "guided tours"], ["craft products for the shop", "conservators"]),
        _e("Heritage conservation firm restoring mosaics, stucco and historic woodwork.",
           ["mosaic restoration", "heritage surveys"], ["skilled craftspeople", "restoration contracts"]),
        _e("Studio producing digital guides and augmented-reality tours for archaeological sites and museums.",
           ["audio guides", "AR applications"], ["partner museums", "3D scanning specialists"]),
    ],
}

_VISUAL_ARTS: dict[str, list[Entry]] = {
    "ar": [
        _e("رواق فني معاصر في {city} يعرض أعمال رسامين ونحاتين من المنطقة ويشارك في معارض دولية.",
           ["معارض فنية", "تمثيل الفنانين"], ["جامعو أعمال فنية", "أروقة شريكة في أوروبا"]),
        _e("ورشة طباعة فنية (حفر وطباعة حجرية) في {city} تستقبل الفنانين لإنجاز إصدارات محدودة.",
           ["طباعة فنية محدودة", "إقامات للفنانين"], ["فنانون زائرون", "أحبار وورق فني"]),
        _e("شركة متخصصة في تأطير الأعمال الفنية ونقلها وتأمينها للمعارض.",
           ["تأطير", "نقل الأعمال الفنية"], ["أروقة ومتاحف", "شريك شحن دولي"]),
    ],
    "fr": [
        _e("Galerie d'art contemporain à {city} représentant peintres et sculpteurs de la région sur les foires "
           "internationales.",
           ["expositions", "représentation d'artistes"], ["collectionneurs", "galeries partenaires en Europe"]),
        _e("Atelier de gravure et de lithographie à {city} accueillant des artistes pour des éditions limitées.",
           ["tirages d'art", "résidences d'artistes"], ["artistes invités", "encres et papiers d'art"]),
        _e("Société d'encadrement, d'emballage et de transport d'œuvres d'art pour galeries et musées.",
           ["encadrement", "transport d'œuvres"], ["galeries et musées", "transitaire international"]),
    ],
    "en": [
        _e("Contemporary art gallery in {city} representing regional painters and sculptors at international fairs.",
           ["exhibitions", "artist representation"], ["collectors", "partner galleries in Europe"]),
        _e("Fine-art printmaking studio in {city} welcoming artists to produce limited editions.",
           ["limited-edition prints", "artist residencies"], ["visiting artists", "art papers and inks"]),
        _e("Art logistics company handling framing, crating and insured transport of artworks.",
           ["framing", "fine-art shipping"], ["galleries and museums", "international freight partner"]),
    ],
}

_CRAFTS: dict[str, list[Entry]] = {
    "ar": [
        _e("ورشة عائلية للفخار المطلي في {city} متخصصة في الصحون والأوعية ذات الزخارف الزرقاء التقليدية.",
           ["أواني فخارية مطلية", "إنتاج حسب الطلب"], ["موزع في أوروبا", "مصمم لمجموعات جديدة"]),
        _e("ورشة نحاسيات في {city} تصنع الصواني والأباريق المنقوشة يدوياً بتقنيات الدينانديري الموروثة.",
           ["صواني وأباريق نحاسية", "نقش يدوي"], ["مواد خام: نحاس", "تصدير إلى أوروبا"]),
        _e("تعاونية صغيرة في {city} لصناعة الزليج وتركيب الفسيفساء للمنازل والفنادق.",
           ["زليج مقطوع يدوياً", "تركيب الفسيفساء"], ["مهندسون معماريون", "مشاريع فندقية"]),
        _e("ورشة لنفخ الزجاج على طريقة زجاج الخليل تنتج المصابيح والكؤوس الملونة.",
           ["زجاج منفوخ يدوياً", "مصابيح ملونة"], ["متاجر مفاهيمية", "تغليف آمن للشحن"]),
        _e("ورشة نقش على خشب الزيتون في {city} تنتج تحفاً وأدوات مائدة وهدايا للسياح.",
           ["منتجات من خشب الزيتون", "هدايا تذكارية"], ["متاجر المتاحف", "شهادة منشأ وجودة"]),
        _e("شركة تصدير منتجات حرفية تجمع إنتاج عشرات الورش وتبيعه لمتاجر الديكور في الخارج.",
           ["تصدير وتجميع الطلبيات", "مراقبة الجودة"], ["ورش حرفية موثوقة", "مشترون أوروبيون"]),
    ],
    "fr": [
        _e("Atelier familial de poterie émaillée à {city}, spécialisé dans les plats et bols aux motifs bleus "
           "traditionnels.",
           ["poterie émaillée", "séries sur commande"],
           ["distributeur en Europe", "designer pour nouvelles collections"]),
        _e("Atelier de dinanderie à {city} : plateaux, aiguières et lanternes en cuivre ciselés à la main.",
           ["objets en cuivre ciselé", "restauration de pièces anciennes"],
           ["matière première : cuivre", "export vers l'Europe"]),
        _e("Petite entreprise de zellige à {city}, taillé et posé à la main pour riads, hôtels et résidences.",
           ["zellige taillé main", "pose de mosaïque"], ["architectes d'intérieur", "chantiers hôteliers"]),
        _e("Atelier de tadelakt et d'enduits traditionnels à la chaux, intervenant sur des projets de rénovation.",
           ["enduits tadelakt", "formation d'applicateurs"], ["architectes", "chaux de qualité"]),
        _e("Tissage de kilims et de tapis berbères en laine naturelle, teints aux colorants végétaux, à {city}.",
           ["kilims tissés main", "tapis sur mesure"], ["concept stores européens", "laine filée localement"]),
        _e("Négociant-exportateur d'artisanat regroupant la production de dizaines d'ateliers pour les boutiques déco "
           "à l'étranger.",
           ["export et consolidation", "contrôle qualité"], ["ateliers fiables", "acheteurs européens"]),
    ],
    "en": [
        _e("Family pottery workshop in {city} making glazed plates and bowls with traditional blue patterns.",
           ["glazed pottery", "custom orders"], ["European distributor", "designer for new collections"]),
        _e("Copperware workshop in {city} hand-chasing trays, ewers and lanterns in the dinanderie tradition.",
           ["hand-chased copperware", "restoration of antique pieces"],
           ["raw material: copper sheet", "export to Europe"]),
        _e("Hebron glass studio producing mouth-blown lamps, tumblers and vases in deep blues and greens.",
           ["mouth-blown glass", "coloured lamps"], ["concept stores", "safe export packaging"]),
        _e("Olive-wood carving workshop in {city} making nativity sets, kitchenware and gifts.",
           ["olive-wood products", "souvenirs"], ["museum shops", "certification of origin"]),
        _e("Mosaic workshop in {city} producing tabletops and wall panels inspired by Roman floor mosaics.",
           ["mosaic panels", "mosaic tabletops"], ["interior designers", "hotel projects"]),
        _e("Craft export house consolidating orders from dozens of workshops for home-décor retailers abroad.",
           ["export consolidation", "quality control"], ["reliable workshops", "European buyers"]),
    ],
}

_FASHION_TEXTILE: dict[str, list[Entry]] = {
    "ar": [
        _e("علامة أزياء نسائية في {city} تعيد تصميم القفطان والجلابة بقصّات عصرية وأقمشة طبيعية.",
           ["مجموعات أزياء جاهزة", "تصميم حسب الطلب"], ["متاجر مفاهيمية في أوروبا", "أقمشة حريرية"]),
        _e("ورشة تطريز فلسطيني (التطريز الفلاحي) تعمل فيها نساء من {city} وتنتج حقائب وشالات ومطرزات.",
           ["قطع مطرزة يدوياً", "تطريز بالطلب لعلامات أخرى"], ["علامات أزياء شريكة", "خيوط قطنية ملونة"]),
        _e("مصنع خياطة صغير في {city} ينفذ طلبيات الإنتاج بالجملة للعلامات المحلية والأوروبية.",
           ["خياطة بالمقاولة", "إنتاج سلاسل صغيرة"], ["علامات تجارية تبحث عن مصنع", "ماكينات خياطة حديثة"]),
        _e("ورشة نسيج يدوي لحرير الصبرة تنتج أغطية وسائد ومفارش ملونة.",
           ["منسوجات من حرير الصبرة", "أغطية وسائد"], ["مصمم ديكور", "موزع في الخليج وأوروبا"]),
        _e("شركة استيراد وتوزيع أقمشة في {city} تزود الخياطين والمصممين بالأقمشة والإكسسوارات.",
           ["أقمشة بالجملة", "أزرار وإكسسوارات خياطة"], ["مصممون شباب", "موردون أوروبيون"]),
        _e("علامة أحذية جلدية مصنوعة يدوياً تعتمد على جلود مدبوغة نباتياً من {city}.",
           ["أحذية جلدية يدوية", "بلاغي تقليدية بتصميم معاصر"], ["مدبغة نباتية موثوقة", "متاجر إلكترونية"]),
    ],
    "fr": [
        _e("Marque de prêt-à-porter féminin à {city} qui revisite le caftan et la djellaba avec des coupes modernes.",
           ["collections prêt-à-porter", "pièces sur mesure"], ["concept stores en Europe", "soie et lin"]),
        _e("Atelier de confection à {city} réalisant des petites et moyennes séries pour marques locales et "
           "européennes.",
           ["confection à façon", "petites séries"], ["marques cherchant un façonnier", "machines à coudre modernes"]),
        _e("Tissage artisanal de soie de sabra produisant coussins, plaids et foutas aux couleurs vives.",
           ["textiles en soie de sabra", "foutas tissées main"], ["architecte d'intérieur", "distributeur à l'export"]),
        _e("Importateur et grossiste en tissus à {city}, fournisseur des couturiers et jeunes créateurs.",
           ["tissus en gros", "mercerie"], ["jeunes créateurs", "fournisseurs européens"]),
        _e("Marque de babouches et chaussures en cuir tanné végétal, fabriquées à la main à {city}.",
           ["babouches contemporaines", "chaussures en cuir"], ["tannerie végétale fiable", "e-commerce"]),
        _e("Concept store de mode à {city} vendant des créateurs émergents du Maghreb et d'Europe.",
           ["point de vente pour créateurs", "pop-up stores"], ["nouvelles marques", "collections capsules"]),
    ],
    "en": [
        _e("Womenswear label in {city} reinterpreting the abaya and caftan with contemporary cuts and natural fabrics.",
           ["ready-to-wear collections", "made-to-measure pieces"], ["European concept stores", "silk suppliers"]),
        _e("Tatreez embroidery workshop employing women from {city}, making bags, scarves and embroidered panels.",
           ["hand-embroidered pieces", "embroidery for other brands"],
           ["partner fashion labels", "cotton embroidery thread"]),
        _e("Garment factory in {city} producing small and medium runs for local and European brands.",
           ["cut-make-trim production", "small production runs"],
           ["brands seeking a manufacturer", "new sewing machines"]),
        _e("Textile wholesaler in {city} importing fabrics and trims for tailors and young designers.",
           ["wholesale fabrics", "trims and notions"], ["young designers", "European suppliers"]),
        _e("Handmade leather shoe brand working with vegetable-tanned hides from {city}.",
           ["handmade leather shoes", "modern slippers"], ["reliable tannery", "online retailers"]),
        _e("Fashion concept store in {city} stocking emerging designers from the region and Europe.",
           ["retail space for designers", "pop-up events"], ["new labels", "capsule collections"]),
    ],
}

_JEWELLERY: dict[str, list[Entry]] = {
    "ar": [
        _e("ورشة حلي فضية تقليدية في {city} تصنع الأساور والخلاخل والمشابك الشاوية المرصعة بالمرجان.",
           ["حلي فضية تقليدية", "ترميم الحلي القديمة"], ["مواد خام: فضة", "مصمم لمجموعات معاصرة"]),
        _e("مصمّمة مجوهرات معاصرة في {city} تمزج الذهب بالأحجار الكريمة وزخارف الخط العربي.",
           ["مجوهرات ذهبية بتصميم خاص", "قطع حسب الطلب"], ["أروقة ومتاجر فاخرة في أوروبا", "مورد أحجار كريمة معتمد"]),
        _e("ورشة صياغة بالجملة في {city} تنفذ طلبيات الإنتاج لعلامات المجوهرات والمصممين.",
           ["صياغة بالمقاولة", "صبّ وتلميع"], ["علامات مجوهرات", "تمويل معدات الصب"]),
        _e("شركة تصدير مجوهرات حرفية تجمع منتجات الورش وتتولى الدمغ والتغليف والشحن.",
           ["تصدير ودمغ المعادن", "تغليف فاخر"], ["ورش صياغة", "مشترون دوليون"]),
        _e("علامة إكسسوارات بأسعار معقولة تستخدم النحاس والخرز والأصداف بطابع أمازيغي.",
           ["إكسسوارات من النحاس والخرز", "بيع بالجملة"], ["متاجر هدايا", "مصوّر منتجات"]),
        _e("متجر مجوهرات في {city} يعرض إبداعات صاغة محليين للسياح والزبائن المحليين.",
           ["نقطة بيع", "واجهة للمصممين"], ["مصممون محليون", "قطع حصرية"]),
    ],
    "fr": [
        _e("Atelier de bijoux berbères en argent à {city} : bracelets, khalkhals et fibules sertis de corail et "
           "d'émail.",
           ["bijoux traditionnels en argent", "restauration de bijoux anciens"],
           ["matière première : argent", "designer pour collections contemporaines"]),
        _e("Créatrice de bijoux contemporains à {city} mêlant or, pierres fines et motifs calligraphiques.",
           ["bijoux en or de création", "pièces uniques sur commande"],
           ["galeries et boutiques de luxe en Europe", "fournisseur de pierres certifiées"]),
        _e("Atelier de sous-traitance en joaillerie à {city} réalisant fonte, sertissage et polissage pour les "
           "marques.",
           ["fabrication à façon", "fonte et sertissage"], ["marques de bijoux", "financement d'équipement"]),
        _e("Exportateur de bijoux artisanaux assurant poinçonnage, emballage et expédition pour une vingtaine "
           "d'ateliers.",
           ["export et poinçonnage", "emballage haut de gamme"], ["ateliers d'orfèvrerie", "acheteurs internationaux"]),
        _e("Marque de bijoux fantaisie en laiton, perles et coquillages d'inspiration amazighe.",
           ["bijoux fantaisie", "vente en gros"], ["boutiques de musées", "photographe produit"]),
        _e("Bijouterie-galerie à {city} exposant les créations d'orfèvres locaux pour touristes et clientèle locale.",
           ["point de vente", "vitrine pour créateurs"], ["créateurs locaux", "pièces exclusives"]),
    ],
    "en": [
        _e("Silver jewellery workshop in {city} making traditional bracelets, anklets and brooches set with coral.",
           ["traditional silver jewellery", "antique jewellery repair"],
           ["raw material: silver", "designer for contemporary lines"]),
        _e("Contemporary jewellery designer in {city} combining gold, gemstones and Arabic calligraphy motifs.",
           ["designer gold jewellery", "bespoke pieces"],
           ["luxury boutiques in Europe", "certified gemstone supplier"]),
        _e("Jewellery manufacturing workshop in {city} offering casting, stone setting and polishing to brands.",
           ["contract manufacturing", "casting and setting"], ["jewellery brands", "equipment financing"]),
        _e("Craft jewellery exporter handling hallmarking, packaging and shipping for some twenty workshops.",
           ["export and hallmarking", "premium packaging"], ["goldsmith workshops", "international buyers"]),
        _e("Affordable accessories brand using brass, beads and shells with an Amazigh touch.",
           ["brass and bead accessories", "wholesale"], ["museum shops", "product photographer"]),
        _e("Jewellery boutique in {city} showcasing local goldsmiths to tourists and residents.",
           ["retail outlet", "showcase for designers"], ["local designers", "exclusive pieces"]),
    ],
}

_FURNITURE_INTERIOR: dict[str, list[Entry]] = {
    "ar": [
        _e("ورشة نجارة فنية في {city} تصنع أثاثاً من خشب الأرز والجوز مطعّماً بالصدف.",
           ["أثاث مطعّم بالصدف", "قطع حسب الطلب"], ["مصمم داخلي", "معارض أثاث في أوروبا"]),
        _e("مصنع أثاث متوسط الحجم في {city} ينتج غرف الجلوس والنوم للسوق المحلية ويسعى إلى التصدير.",
           ["إنتاج أثاث بكميات كبيرة", "تشطيب وطلاء"], ["شهادات جودة للتصدير", "مصمم لخط إنتاج جديد"]),
        _e("ورشة مشربيات وخشب مخروط في {city} تنفذ النوافذ والفواصل والأبواب للفيلات والفنادق.",
           ["مشربيات خشبية", "أبواب منقوشة"], ["مهندسون معماريون", "خشب مجفف بجودة عالية"]),
        _e("ورشة إنارة تصنع الفوانيس والثريات من النحاس المخرّم والزجاج الملون.",
           ["فوانيس نحاسية مخرّمة", "ثريات حسب الطلب"], ["متاجر ديكور", "موزع في أوروبا"]),
        _e("مكتب تصميم داخلي في {city} ينجز مشاريع الفنادق والمطاعم باستخدام منتجات الحرفيين المحليين.",
           ["تصميم داخلي", "إدارة المشاريع"], ["ورش حرفية مورّدة", "زبائن فندقيون"]),
        _e("متجر ومستورد لأدوات المنزل والديكور يبيع منتجات حرفية عبر متجره الإلكتروني وفي {city}.",
           ["بيع بالتجزئة والجملة", "متجر إلكتروني"], ["منتجات منزلية حرفية", "موردون من المنطقة"]),
    ],
    "fr": [
        _e("Ébénisterie d'art à {city} fabriquant des meubles en cèdre et en noyer incrustés de nacre.",
           ["meubles marquetés de nacre", "pièces sur mesure"],
           ["architecte d'intérieur", "salons du meuble en Europe"]),
        _e("Fabricant de meubles de taille moyenne à {city}, produisant salons et chambres pour le marché local.",
           ["production en série", "finition et vernissage"],
           ["certification pour l'export", "designer pour nouvelle gamme"]),
        _e("Atelier de moucharabieh et de bois tourné à {city} réalisant claustras, portes et fenêtres pour villas et "
           "hôtels.",
           ["moucharabiehs en bois", "portes sculptées"], ["architectes", "bois séché de qualité"]),
        _e("Atelier de luminaires fabriquant lanternes et lustres en laiton ajouré et verre coloré.",
           ["lanternes en laiton ajouré", "lustres sur mesure"], ["boutiques de décoration", "distributeur en Europe"]),
        _e("Agence d'architecture intérieure à {city} aménageant hôtels et restaurants avec des objets d'artisans "
           "locaux.",
           ["architecture intérieure", "gestion de projet"], ["ateliers fournisseurs", "clients hôteliers"]),
        _e("Importateur et boutique d'articles pour la maison à {city}, vendant en ligne et en magasin.",
           ["vente au détail et en gros", "boutique en ligne"],
           ["articles de maison artisanaux", "fournisseurs méditerranéens"]),
    ],
    "en": [
        _e("Fine woodwork studio in {city} crafting cedar and walnut furniture inlaid with mother-of-pearl.",
           ["mother-of-pearl inlaid furniture", "bespoke pieces"], ["interior designer", "furniture fairs in Europe"]),
        _e("Mid-sized furniture manufacturer in {city} producing living-room and bedroom sets, aiming to export.",
           ["volume furniture production", "finishing and lacquering"],
           ["export certification", "designer for a new line"]),
        _e("Mashrabiya and turned-wood workshop in {city} making screens, doors and windows for villas and hotels.",
           ["wooden mashrabiya screens", "carved doors"], ["architects", "kiln-dried hardwood"]),
        _e("Lighting workshop producing pierced brass lanterns and coloured-glass chandeliers.",
           ["pierced brass lanterns", "custom chandeliers"], ["home-décor shops", "European distributor"]),
        _e("Interior design practice in {city} fitting out hotels and restaurants with local craft pieces.",
           ["interior design", "project management"], ["craft suppliers", "hospitality clients"]),
        _e("Home-goods importer and shop in {city} selling handmade homeware online and in store.",
           ["retail and wholesale", "online shop"], ["handmade homeware", "Mediterranean suppliers"]),
    ],
}

_GRAPHIC_PRODUCT_DESIGN: dict[str, list[Entry]] = {
    "ar": [
        _e("استوديو تصميم غرافيكي في {city} متخصص في الهوية البصرية والتغليف للعلامات الحرفية.",
           ["هوية بصرية", "تصميم التغليف"], ["ورش حرفية تبحث عن علامة", "مطبعة شريكة"]),
        _e("مكتب تصميم منتجات يعمل مع الحرفيين على تطوير مجموعات جديدة تناسب الأسواق الأوروبية.",
           ["تطوير المنتجات", "نماذج أولية"], ["ورش إنتاج", "مشترون لاختبار المجموعات"]),
        _e("استوديو خط عربي وتصميم حروف في {city} يصمم خطوطاً رقمية وشعارات.",
           ["تصميم خطوط عربية", "شعارات بالخط العربي"], ["دور نشر", "وكالات إعلان"]),
    ],
    "fr": [
        _e("Studio de design graphique à {city} spécialisé dans l'identité visuelle et le packaging des marques "
           "artisanales.",
           ["identité visuelle", "packaging"], ["ateliers à la recherche d'une marque", "imprimeur partenaire"]),
        _e("Bureau de design produit accompagnant les artisans dans la création de collections adaptées aux marchés "
           "européens.",
           ["développement de produits", "prototypes"],
           ["ateliers de production", "acheteurs pour tests de collection"]),
        _e("Studio de typographie arabe et latine à {city} créant polices numériques et logotypes bilingues.",
           ["création de polices", "logotypes bilingues"], ["maisons d'édition", "agences de communication"]),
    ],
    "en": [
        _e("Graphic design studio in {city} focusing on brand identity and packaging for craft businesses.",
           ["brand identity", "packaging design"], ["workshops needing a brand", "partner printer"]),
        _e("Product design consultancy helping artisans develop collections suited to European markets.",
           ["product development", "prototyping"], ["production workshops", "buyers to test collections"]),
        _e("Arabic type foundry in {city} designing digital typefaces and bilingual logotypes.",
           ["Arabic typefaces", "bilingual logotypes"], ["publishers", "advertising agencies"]),
    ],
}

_ARCHITECTURE: dict[str, list[Entry]] = {
    "ar": [
        _e("مكتب هندسة معمارية في {city} متخصص في ترميم البيوت التقليدية وتحويلها إلى دور ضيافة.",
           ["تصميم معماري", "ترميم المباني التراثية"], ["حرفيو الزليج والجبس", "مستثمرون في السياحة"]),
        _e("مكتب تصميم معماري شاب يعتمد البناء بالطين والمواد المحلية منخفضة الكربون.",
           ["عمارة بيئية", "دراسات الجدوى"], ["شركاء أوروبيون للبحث", "مقاولون مدرَّبون"]),
        _e("شركة مقاولات صغيرة في {city} تنفذ أعمال التشطيب بالتادلاكت والجبس المنقوش.",
           ["تشطيبات تقليدية", "تنفيذ المشاريع"], ["مكاتب هندسة", "عمال مهرة"]),
    ],
    "fr": [
        _e("Cabinet d'architecture à {city} spécialisé dans la réhabilitation de maisons traditionnelles en maisons "
           "d'hôtes.",
           ["conception architecturale", "réhabilitation du patrimoine"],
           ["artisans zellige et plâtre", "investisseurs touristiques"]),
        _e("Jeune agence d'architecture pratiquant la construction en terre crue et en matériaux locaux bas carbone.",
           ["architecture écologique", "études de faisabilité"],
           ["partenaires de recherche européens", "entreprises formées"]),
        _e("Petite entreprise de bâtiment à {city} réalisant finitions en tadelakt et plâtre sculpté.",
           ["finitions traditionnelles", "exécution de chantiers"], ["cabinets d'architecture", "ouvriers qualifiés"]),
    ],
    "en": [
        _e("Architecture firm in {city} restoring traditional courtyard houses and converting them into guesthouses.",
           ["architectural design", "heritage rehabilitation"], ["zellige and plaster artisans", "tourism investors"]),
        _e("Young architecture practice working with rammed earth and low-carbon local materials.",
           ["sustainable architecture", "feasibility studies"], ["European research partners", "trained contractors"]),
        _e("Small building contractor in {city} specialising in stone restoration and traditional finishes.",
           ["traditional finishes", "site works"], ["architecture firms", "skilled masons"]),
    ],
}

_ADVERTISING: dict[str, list[Entry]] = {
    "ar": [
        _e("وكالة إعلان وتواصل في {city} تدير الحملات الرقمية لعلامات الأزياء والسياحة.",
           ["حملات إعلانية رقمية", "إدارة شبكات التواصل"], ["زبائن في قطاع الأزياء", "مصممو حركة"]),
        _e("وكالة علاقات عامة تساعد العلامات الحرفية على الظهور في الصحافة والمعارض الدولية.",
           ["علاقات صحفية", "تنظيم إطلاق المنتجات"], ["علامات حرفية طموحة", "شبكة صحفيين في أوروبا"]),
        _e("شركة إنتاج محتوى مرئي في {city} تصور الإعلانات القصيرة ومقاطع الفيديو للمنصات الاجتماعية.",
           ["فيديوهات إعلانية", "تصوير المنتجات"], ["وكالات إعلان", "علامات تجارية محلية"]),
    ],
    "fr": [
        _e("Agence de communication à {city} pilotant les campagnes digitales de marques de mode et de tourisme.",
           ["campagnes digitales", "gestion des réseaux sociaux"], ["clients dans la mode", "motion designers"]),
        _e("Agence de relations presse aidant les marques artisanales à gagner en visibilité dans les médias et "
           "salons.",
           ["relations presse", "lancements de produits"],
           ["marques artisanales ambitieuses", "réseau de journalistes en Europe"]),
        _e("Boîte de production de contenus à {city} réalisant spots courts et vidéos pour les réseaux sociaux.",
           ["spots publicitaires", "vidéos produits"], ["agences de publicité", "marques locales"]),
    ],
    "en": [
        _e("Communication agency in {city} running digital campaigns for fashion and tourism brands.",
           ["digital campaigns", "social media management"], ["fashion clients", "motion designers"]),
        _e("PR agency helping craft brands gain visibility in the international press and at trade fairs.",
           ["press relations", "product launches"], ["ambitious craft brands", "journalist network in Europe"]),
        _e("Content production house in {city} shooting short ads and social-media videos.",
           ["advertising spots", "product videos"], ["advertising agencies", "local brands"]),
    ],
}

_GAMES_DIGITAL: dict[str, list[Entry]] = {
    "ar": [
        _e("استوديو ألعاب فيديو مستقل في {city} يطوّر ألعاباً للهواتف مستوحاة من الحكايات العربية.",
           ["تطوير ألعاب الهاتف", "فن رقمي ورسوم متحركة"], ["ناشر ألعاب دولي", "تمويل أولي"]),
        _e("شركة ناشئة تطوّر منصة تجارة إلكترونية لبيع المنتجات الحرفية مباشرة إلى الزبائن في الخارج.",
           ["متجر إلكتروني للحرفيين", "خدمات الدفع والشحن"], ["ورش حرفية", "مستثمرون"]),
        _e("استوديو رسوم متحركة ثلاثية الأبعاد في {city} ينفذ مشاريع للإعلان والتعليم والواقع الافتراضي.",
           ["رسوم متحركة ثلاثية الأبعاد", "تجارب الواقع الافتراضي"], ["زبائن دوليون", "فنانون رقميون"]),
    ],
    "fr": [
        _e("Studio indépendant de jeux vidéo à {city} développant des jeux mobiles inspirés des contes arabes.",
           ["développement de jeux mobiles", "art numérique et animation"],
           ["éditeur de jeux international", "financement d'amorçage"]),
        _e("Start-up développant une place de marché en ligne pour vendre l'artisanat directement aux clients "
           "étrangers.",
           ["boutique en ligne pour artisans", "paiement et logistique"], ["ateliers artisanaux", "investisseurs"]),
        _e("Studio d'animation 3D à {city} réalisant des projets pour la publicité, l'éducation et la réalité "
           "virtuelle.",
           ["animation 3D", "expériences de réalité virtuelle"], ["clients internationaux", "artistes numériques"]),
    ],
    "en": [
        _e("Indie game studio in {city} developing mobile games inspired by Arabic folk tales.",
           ["mobile game development", "digital art and animation"], ["international game publisher", "seed funding"]),
        _e("Start-up building an online marketplace that sells crafts directly to customers abroad.",
           ["online shop for artisans", "payment and shipping services"], ["craft workshops", "investors"]),
        _e("3D animation studio in {city} delivering projects for advertising, education and virtual reality.",
           ["3D animation", "VR experiences"], ["international clients", "digital artists"]),
    ],
}

_CULTURAL_TOURISM: dict[str, list[Entry]] = {
    "ar": [
        _e("وكالة أسفار في {city} تنظم جولات ثقافية لزيارة ورش الحرفيين والمواقع الأثرية.",
           ["جولات ثقافية", "زيارات للورش الحرفية"], ["وكالات سفر أوروبية", "مرشدون ناطقون بلغات أجنبية"]),
        _e("دار ضيافة تقليدية في مدينة {city} العتيقة تقترح إقامات مع ورشات طبخ وحرف.",
           ["إقامة في بيت تقليدي", "ورشات حرفية للضيوف"], ["منصات حجز", "حرفيون لتأطير الورشات"]),
        _e("شركة سياحة بيئية تنظم رحلات المشي في القرى الجبلية ولقاءات مع النسّاجات.",
           ["رحلات مشي", "سياحة تضامنية"], ["منظمو رحلات في أوروبا", "تعاونيات قروية"]),
    ],
    "fr": [
        _e("Agence de voyages à {city} organisant des circuits culturels à la rencontre des artisans et des sites "
           "antiques.",
           ["circuits culturels", "visites d'ateliers"], ["tour-opérateurs européens", "guides polyglottes"]),
        _e("Maison d'hôtes dans la médina de {city} proposant séjours avec ateliers de cuisine et d'artisanat.",
           ["séjours en maison traditionnelle", "ateliers d'artisanat"],
           ["plateformes de réservation", "artisans animateurs"]),
        _e("Opérateur d'écotourisme organisant randonnées dans les villages de montagne et rencontres avec les "
           "tisserandes.",
           ["randonnées", "tourisme solidaire"], ["voyagistes européens", "coopératives villageoises"]),
    ],
    "en": [
        _e("Travel agency in {city} running cultural tours to artisans' workshops and ancient sites.",
           ["cultural tours", "workshop visits"], ["European tour operators", "multilingual guides"]),
        _e("Guesthouse in the old city of {city} offering stays with cooking and craft workshops.",
           ["heritage guesthouse stays", "craft workshops for guests"], ["booking platforms", "artisan instructors"]),
        _e("Community tourism operator leading hikes through hill villages and visits to women weavers.",
           ["guided hikes", "community-based tourism"], ["European tour operators", "village cooperatives"]),
    ],
}

_CULINARY_HERITAGE: dict[str, list[Entry]] = {
    "ar": [
        _e("مصنع صغير في {city} لإنتاج زيت الزيتون البكر وصابون زيت الزيتون التقليدي.",
           ["زيت زيتون بكر ممتاز", "صابون تقليدي"], ["مستوردون في أوروبا", "تصميم التغليف"]),
        _e("تعاونية نسائية لإنتاج الكسكس المفتول يدوياً والتوابل والمربيات التقليدية.",
           ["كسكس يدوي", "توابل ومربيات"], ["متاجر المنتجات الرفيعة", "شهادة الإنتاج العضوي"]),
        _e("مدرسة طبخ في {city} تقدم دروساً في المطبخ التقليدي للسياح والمحترفين.",
           ["دروس طبخ", "جولات في الأسواق"], ["وكالات سياحة", "طهاة زائرون"]),
    ],
    "fr": [
        _e("Petite huilerie à {city} produisant huile d'olive vierge extra et savon traditionnel à l'huile d'olive.",
           ["huile d'olive vierge extra", "savon traditionnel"], ["importateurs européens", "design de packaging"]),
        _e("Coopérative féminine produisant couscous roulé main, épices, harissa et confitures traditionnelles.",
           ["couscous roulé main", "épices et conserves"], ["épiceries fines", "certification bio"]),
        _e("École de cuisine à {city} proposant des cours de cuisine traditionnelle aux touristes et aux "
           "professionnels.",
           ["cours de cuisine", "visites de marchés"], ["agences de voyages", "chefs invités"]),
    ],
    "en": [
        _e("Small olive press in {city} producing extra-virgin olive oil and traditional olive-oil soap.",
           ["extra-virgin olive oil", "traditional soap"], ["European importers", "packaging design"]),
        _e("Women's food producer making hand-rolled maftoul, za'atar, spice blends and preserves.",
           ["hand-rolled maftoul", "za'atar and preserves"], ["delicatessen retailers", "organic certification"]),
        _e("Cooking school in {city} teaching traditional cuisine to visitors and food professionals.",
           ["cooking classes", "market tours"], ["travel agencies", "guest chefs"]),
    ],
}

SECTOR_PHRASES: dict[str, dict[str, list[Entry]]] = {
    "publishing": _PUBLISHING,
    "audiovisual": _AUDIOVISUAL,
    "music": _MUSIC,
    "broadcasting_press": _BROADCASTING_PRESS,
    "performing_arts": _PERFORMING_ARTS,
    "festivals_events": _FESTIVALS_EVENTS,
    "heritage_museums": _HERITAGE_MUSEUMS,
    "visual_arts": _VISUAL_ARTS,
    "crafts": _CRAFTS,
    "fashion_textile": _FASHION_TEXTILE,
    "jewellery": _JEWELLERY,
    "furniture_interior": _FURNITURE_INTERIOR,
    "graphic_product_design": _GRAPHIC_PRODUCT_DESIGN,
    "architecture": _ARCHITECTURE,
    "advertising": _ADVERTISING,
    "games_digital": _GAMES_DIGITAL,
    "cultural_tourism": _CULTURAL_TOURISM,
    "culinary_heritage": _CULINARY_HERITAGE,
}
"""Firm phrases: sector -> language ("ar", "fr", "en") -> entries."""


# --------------------------------------------------------------------------------------------
# Other kinds of organisation
# --------------------------------------------------------------------------------------------

_CLUSTER: dict[str, list[Entry]] = {
    "ar": [
        _e("عنقود حرفيي النحاس في {city} يجمع أكثر من ثلاثين ورشة لتطوير المنتجات والتسويق المشترك.",
           ["منتجات عشرات الورش", "مشاركة جماعية في المعارض"], ["مصممون", "مشترون دوليون"]),
        _e("تجمّع صنّاع الحلي في {city} يضم صاغة ومصممين ومورّدين حول علامة جماعية مشتركة.",
           ["علامة جماعية", "طاقة إنتاجية مشتركة"], ["موزعون في أوروبا", "تكوين في التصميم"]),
        _e("عنقود الأثاث والديكور في {city} يربط الورش الصغيرة بالمصممين والمصدرين.",
           ["إنتاج أثاث متنوع", "تنسيق الطلبيات الكبيرة"], ["مشاريع فندقية", "دعم تقني لتحسين الجودة"]),
    ],
    "fr": [
        _e("Cluster des artisans du cuivre de {city}, regroupant une trentaine d'ateliers de dinanderie autour d'une "
           "marque commune.",
           ["production de trente ateliers", "participation collective aux salons"],
           ["designers", "acheteurs internationaux"]),
        _e("Grappe des céramistes de {city}, qui mutualise fours, achats de matières premières et prospection "
           "commerciale.",
           ["céramique artisanale", "achats groupés"], ["distributeurs en Europe", "formation au design"]),
        _e("Cluster mode et habillement de {city} réunissant confectionneurs, stylistes et jeunes marques.",
           ["capacité de confection", "collections de créateurs"], ["donneurs d'ordre européens", "accès aux salons"]),
    ],
    "en": [
        _e("Furniture cluster of {city} linking small carpentry workshops with designers and exporters.",
           ["varied furniture production", "coordination of large orders"], ["hotel projects", "technical assistance"]),
        _e("Ceramics and clothing cluster in {city} bringing together potters, seamstresses and young brands.",
           ["ceramics and garments", "shared showroom"], ["European buyers", "branding support"]),
        _e("Mosaic makers' cluster of {city}, pooling workshops that revive the town's Roman mosaic tradition.",
           ["mosaic production", "collective brand"], ["architects and designers", "access to trade fairs"]),
    ],
}

_ASSOCIATION: dict[str, list[Entry]] = {
    "ar": [
        _e("تعاونية نسائية للتطريز في {city} تضم حرفيات من القرى المجاورة وتسوّق منتجاتهن بشكل جماعي.",
           ["مطرزات يدوية", "تكوين الحرفيات"], ["نقاط بيع عادلة", "مصمم لتطوير المنتجات"]),
        _e("جمعية ثقافية في {city} تنظم مهرجاناً سنوياً للفنون الشعبية وورشات للشباب.",
           ["تنظيم مهرجان", "ورشات فنية للشباب"], ["تمويل", "فرق وفنانون ضيوف"]),
        _e("جمعية لحماية التراث المعماري تعمل على توثيق البيوت القديمة وتكوين الحرفيين.",
           ["جرد وتوثيق التراث", "ورشات تكوين"], ["شركاء جامعيون", "متطوعون"]),
    ],
    "fr": [
        _e("Coopérative féminine de tisserandes à {city}, commercialisant collectivement tapis et kilims.",
           ["tapis et kilims tissés main", "formation des tisserandes"], ["débouchés équitables", "designer textile"]),
        _e("Association culturelle de {city} organisant un festival annuel des arts populaires et des ateliers pour "
           "jeunes.",
           ["organisation de festival", "ateliers artistiques"], ["financements", "artistes invités"]),
        _e("Association de sauvegarde de la médina de {city}, engagée dans l'inventaire du patrimoine et la formation "
           "d'artisans.",
           ["inventaire du patrimoine", "chantiers-écoles"], ["partenaires universitaires", "bénévoles"]),
    ],
    "en": [
        _e("Women's embroidery cooperative in {city} bringing together artisans from nearby villages.",
           ["hand-embroidered products", "training for women artisans"], ["fair-trade outlets", "product designer"]),
        _e("Cultural association in {city} running a yearly folk-arts festival and youth workshops.",
           ["festival organisation", "youth art workshops"], ["funding", "guest artists"]),
        _e("Heritage association documenting old houses in {city} and training young craftspeople.",
           ["heritage documentation", "training workshops"], ["university partners", "volunteers"]),
    ],
}

_EDUCATION: dict[str, list[Entry]] = {
    "ar": [
        _e("مدرسة عليا للتصميم في {city} تكوّن مصممي المنتجات والديكور الداخلي وتربط طلبتها بالحرفيين.",
           ["تدريب في التصميم", "مشاريع طلابية تطبيقية"], ["شركات لتدريب الطلبة", "شركاء أوروبيون للتبادل"]),
        _e("مركز للتكوين المهني في {city} متخصص في الحرف التقليدية، يدرّس النقش على النحاس والخزف والنسيج.",
           ["تكوين مهني في الحرف", "شهادات مهنية"], ["ورش لاستقبال المتدربين", "معدات حديثة"]),
        _e("كلية الفنون الجميلة في جامعة {city} تقدم برامج في الفنون البصرية والتصميم الغرافيكي.",
           ["برامج جامعية", "أبحاث في التراث والتصميم"], ["شراكات مع المؤسسات الثقافية", "تمويل البحث"]),
    ],
    "fr": [
        _e("École supérieure de design de {city} formant designers produit et d'intérieur, en lien étroit avec les "
           "artisans.",
           ["formation en design", "projets étudiants appliqués"],
           ["entreprises pour stages", "écoles européennes partenaires"]),
        _e("Centre de formation professionnelle aux métiers de l'artisanat à {city} : dinanderie, céramique, tissage.",
           ["formation qualifiante", "certification professionnelle"],
           ["ateliers d'accueil pour apprentis", "équipements modernes"]),
        _e("Académie de mode à {city} proposant stylisme, modélisme et gestion de marque.",
           ["cursus de stylisme", "défilés de fin d'études"],
           ["maisons de couture pour stages", "partenariats industriels"]),
    ],
    "en": [
        _e("Fashion academy in {city} offering courses in design, pattern-making and brand management.",
           ["fashion design training", "graduate shows"], ["fashion houses for internships", "industry partners"]),
        _e("University design department in {city} running programmes in product, interior and graphic design.",
           ["degree programmes", "design research"],
           ["companies for student internships", "European exchange partners"]),
        _e("Vocational crafts centre in {city} training young people in ceramics, glass-blowing and embroidery.",
           ["vocational training", "certified courses"], ["workshops hosting apprentices", "modern equipment"]),
    ],
}

_PUBLIC_BODY: dict[str, list[Entry]] = {
    "ar": [
        _e("المديرية الجهوية للصناعة التقليدية في {city} تشرف على برامج دعم الحرفيين وتنظيم المعارض.",
           ["برامج دعم الحرفيين", "أجنحة في المعارض الوطنية"], ["مشاريع حرفية قابلة للدعم", "شركاء دوليون"]),
        _e("تدير بلدية {city}، عبر قسم الثقافة والتراث، الفضاءات الثقافية وتدعم التظاهرات المحلية.",
           ["فضاءات عرض", "دعم التظاهرات الثقافية"], ["منظمو فعاليات", "مشاريع تنشيط المدينة العتيقة"]),
        _e("تضع وزارة الثقافة، عبر إدارة الصناعات الثقافية والإبداعية، سياسات دعم الإنتاج الثقافي.",
           ["منح للإنتاج الثقافي", "إطار تنظيمي"], ["مؤسسات ثقافية شريكة", "بيانات حول القطاع"]),
    ],
    "fr": [
        _e("Direction régionale de l'artisanat de {city}, chargée des programmes d'appui aux artisans et des foires.",
           ["programmes d'appui aux artisans", "stands sur les foires nationales"],
           ["projets artisanaux éligibles", "partenaires internationaux"]),
        _e("Commune de {city}, service culture et patrimoine : gestion des espaces culturels et soutien aux "
           "manifestations.",
           ["espaces d'exposition", "soutien aux manifestations"],
           ["organisateurs d'événements", "projets d'animation de la médina"]),
        _e("Office national du tourisme, représentation de {city}, qui promeut les circuits culturels et artisanaux.",
           ["promotion touristique", "campagnes à l'international"],
           ["offres touristiques culturelles", "agences réceptives"]),
    ],
    "en": [
        _e("Ministry of Culture department for creative industries, setting policies that support cultural production.",
           ["grants for cultural production", "regulatory framework"],
           ["partner cultural institutions", "sector data"]),
        _e("Municipality of {city}, culture and heritage unit, managing cultural venues and supporting local events.",
           ["exhibition venues", "support for local events"], ["event organisers", "old-city revitalisation projects"]),
        _e("National tourism authority office in {city} promoting heritage routes and craft villages.",
           ["tourism promotion", "international campaigns"], ["cultural tourism offers", "inbound tour operators"]),
    ],
}

_FUNDER: dict[str, list[Entry]] = {
    "ar": [
        _e("مؤسسة للقروض الصغرى في {city} تموّل الحرفيين والمقاولات الصغيرة جداً، وخاصة النساء والشباب.",
           ["قروض صغرى", "مرافقة مالية"], ["حرفيون يحملون مشاريع", "شركاء للتكوين في التسيير"]),
        _e("مؤسسة ثقافية خاصة تمنح منحاً سنوية للمشاريع الفنية والإقامات والتبادل المتوسطي.",
           ["منح للمشاريع الفنية", "منح التنقل"], ["مشاريع ثقافية مبتكرة", "شركاء للتقييم"]),
        _e("بنك تنمية يقدم خطوط تمويل ميسّرة للمؤسسات الصغيرة والمتوسطة المصدّرة في القطاعات الإبداعية.",
           ["قروض استثمار ميسّرة", "ضمانات بنكية"], ["مؤسسات لها خطة تصدير", "وكالات دعم شريكة"]),
    ],
    "fr": [
        _e("Institution de microfinance à {city} finançant artisans et très petites entreprises, notamment les femmes.",
           ["microcrédits", "accompagnement financier"],
           ["artisans porteurs de projets", "partenaires de formation en gestion"]),
        _e("Fondation privée accordant chaque année des bourses aux projets artistiques et aux échanges "
           "méditerranéens.",
           ["subventions aux projets artistiques", "bourses de mobilité"],
           ["projets culturels innovants", "partenaires d'évaluation"]),
        _e("Agence de coopération au développement finançant des programmes d'appui aux clusters créatifs.",
           ["financement de programmes", "assistance technique"],
           ["projets de clusters", "partenaires de mise en œuvre"]),
    ],
    "en": [
        _e("Development bank offering concessional credit lines to export-oriented creative SMEs.",
           ["concessional loans", "bank guarantees"], ["firms with an export plan", "partner support agencies"]),
        _e("Microfinance institution in {city} lending to artisans and micro-enterprises, especially women-led ones.",
           ["microloans", "financial coaching"], ["artisans with viable projects", "business-training partners"]),
        _e("Private foundation awarding annual grants for arts projects, residencies and Mediterranean exchanges.",
           ["arts grants", "mobility grants"], ["innovative cultural projects", "evaluation partners"]),
    ],
}

_SUPPORT_ORG: dict[str, list[Entry]] = {
    "ar": [
        _e("غرفة التجارة والصناعة في {city} ترافق المؤسسات في التصدير وتنظم بعثات تجارية ولقاءات أعمال.",
           ["بعثات تجارية", "لقاءات أعمال ثنائية"], ["مؤسسات مصدّرة", "غرف تجارة أوروبية شريكة"]),
        _e("حاضنة للمقاولات الإبداعية في {city} توفر فضاء عمل مشتركاً ومرافقة للمؤسسين الشباب.",
           ["فضاء عمل مشترك", "مرافقة ومرشدون"], ["مؤسسون شباب", "مستثمرون"]),
        _e("وكالة ترويج الصادرات تساعد منتجي الحرف والأزياء على المشاركة في المعارض الدولية.",
           ["أجنحة وطنية في المعارض", "دراسات الأسواق"], ["مؤسسات جاهزة للتصدير", "مشترون أجانب"]),
    ],
    "fr": [
        _e("Chambre de commerce et d'industrie de {city}, qui accompagne les entreprises à l'export et organise des "
           "rencontres B2B.",
           ["missions commerciales", "rencontres B2B"],
           ["entreprises exportatrices", "chambres européennes partenaires"]),
        _e("Fédération nationale de l'artisanat défendant les artisans et structurant les filières.",
           ["représentation des artisans", "information sur les normes"], ["adhérents", "partenaires institutionnels"]),
        _e("Incubateur d'entreprises créatives à {city} offrant espace de coworking, mentorat et accès aux "
           "investisseurs.",
           ["coworking", "mentorat"], ["jeunes porteurs de projets", "investisseurs"]),
    ],
    "en": [
        _e("Export promotion agency helping craft and fashion producers exhibit at international trade fairs.",
           ["national pavilions at fairs", "market studies"], ["export-ready firms", "foreign buyers"]),
        _e("Creative business incubator in {city} offering co-working space, mentoring and investor access.",
           ["co-working space", "mentoring"], ["young founders", "investors"]),
        _e("Chamber of commerce in {city} organising trade missions and B2B matchmaking events.",
           ["trade missions", "B2B meetings"], ["exporting companies", "partner chambers in Europe"]),
    ],
}

_INDIVIDUAL: dict[str, list[Entry]] = {
    "ar": [
        _e("مصممة منتجات مستقلة مقيمة في {city} تعمل مع الورش الحرفية على تطوير مجموعات معاصرة.",
           ["تصميم المنتجات", "رسومات تقنية ونماذج"], ["ورش حرفية للتعاون", "مشاريع ممولة"]),
        _e("مصوّر فوتوغرافي مستقل في {city} متخصص في تصوير الأزياء والمنتجات الحرفية.",
           ["تصوير المنتجات", "جلسات تصوير للأزياء"], ["علامات تجارية", "وكالات إعلان"]),
        _e("حرفي خزف يعمل في ورشته الصغيرة في {city} ويبحث عن شركاء لتوسيع إنتاجه.",
           ["قطع خزفية فريدة", "طلبيات صغيرة"], ["موزع", "فرن حديث"]),
    ],
    "fr": [
        _e("Designer produit indépendante basée à {city}, travaillant avec les ateliers artisanaux sur des collections "
           "contemporaines.",
           ["design de produits", "dessins techniques et maquettes"], ["ateliers partenaires", "projets financés"]),
        _e("Photographe indépendant à {city} spécialisé dans la mode et les objets d'artisanat.",
           ["photographie de produits", "shootings de mode"], ["marques", "agences de communication"]),
        _e("Artisan dinandier travaillant seul dans son atelier de {city}, à la recherche de partenaires pour grandir.",
           ["pièces en cuivre uniques", "petites séries"], ["distributeur", "apprenti"]),
    ],
    "en": [
        _e("Freelance product designer based in {city} working with craft workshops on contemporary collections.",
           ["product design", "technical drawings and prototypes"], ["partner workshops", "funded projects"]),
        _e("Freelance photographer in {city} specialising in fashion and craft product shoots.",
           ["product photography", "fashion shoots"], ["brands", "advertising agencies"]),
        _e("Independent ceramicist running a one-person studio in {city}, looking for partners to scale up.",
           ["one-off ceramic pieces", "small batches"], ["distributor", "new kiln"]),
    ],
}

KIND_PHRASES: dict[str, dict[str, list[Entry]]] = {
    "cluster": _CLUSTER,
    "association": _ASSOCIATION,
    "education": _EDUCATION,
    "public_body": _PUBLIC_BODY,
    "funder": _FUNDER,
    "support_org": _SUPPORT_ORG,
    "individual": _INDIVIDUAL,
}
"""Phrases for organisations that are not firms: kind -> language ("ar", "fr", "en") -> entries."""
