"""What each profile-quality finding says, and how to fix it, in Arabic, French and English.

Keyed by the finding's stable code (:data:`matcher.quality.CODES`); templates use ``str.format`` placeholders by
name. Parameters that are codes themselves (field names, kinds of contact detail) are rendered through
:data:`WORDS` in the reader's language; sector codes through names the caller gives (English labels by
default). Kept beside the rules rather than in the web app's gettext catalogs because the CLI and the HTTP API
show them too, and a test checks the three languages for every code in one place."""

from __future__ import annotations

LANGS: tuple[str, ...] = ("ar", "fr", "en")

MESSAGES: dict[str, dict[str, str]] = {
    "description_short": {
        "en": "The description is very short ({count} meaningful words).",
        "fr": "La description est très courte ({count} mots significatifs).",
        "ar": "الوصف قصير جداً ({count} كلمات ذات معنى).",
    },
    "description_generic": {
        "en": "The description is generic: most of its words could describe any organisation.",
        "fr": "La description est générique : la plupart de ses mots pourraient décrire n'importe quelle "
              "organisation.",
        "ar": "الوصف عام: معظم كلماته يمكن أن تصف أي مؤسسة.",
    },
    "no_offers": {
        "en": "The profile says nothing about what you offer.",
        "fr": "Le profil ne dit rien de ce que vous proposez.",
        "ar": "لا يذكر الملف ما تقدّمونه.",
    },
    "no_needs": {
        "en": "The profile says nothing about what you are looking for.",
        "fr": "Le profil ne dit rien de ce que vous recherchez.",
        "ar": "لا يذكر الملف ما تبحثون عنه.",
    },
    "offers_repeat_description": {
        "en": "Your offers repeat the description instead of naming what a partner can get from you.",
        "fr": "Vos offres répètent la description au lieu de dire ce qu'un partenaire peut obtenir de vous.",
        "ar": "عروضكم تكرّر الوصف بدل أن تحدّد ما يمكن أن يحصل عليه الشريك منكم.",
    },
    "language_not_stated": {
        "en": "The {fields} seems written in '{language}', which is not among your working languages "
              "({languages}).",
        "fr": "Le champ {fields} semble écrit en « {language} », qui n'est pas parmi vos langues de travail "
              "({languages}).",
        "ar": "يبدو أن {fields} مكتوب بلغة '{language}' وهي ليست من لغات عملكم ({languages}).",
    },
    "contact_in_text": {
        "en": "Public text contains contact details ({kinds}) in: {fields}.",
        "fr": "Le texte public contient des coordonnées ({kinds}) dans : {fields}.",
        "ar": "يحتوي النص العام على بيانات اتصال ({kinds}) في: {fields}.",
    },
    "all_capitals": {
        "en": "Written in capital letters: {fields}.",
        "fr": "Écrit en lettres capitales : {fields}.",
        "ar": "مكتوب بالأحرف الكبيرة: {fields}.",
    },
    "possible_duplicate": {
        "en": "This profile looks like another one in the catalogue ({others}): perhaps the same organisation "
              "registered twice.",
        "fr": "Ce profil ressemble à un autre du catalogue ({others}) : peut-être la même organisation "
              "inscrite deux fois.",
        "ar": "يشبه هذا الملف ملفاً آخر في الدليل ({others}): ربما سُجّلت المؤسسة نفسها مرتين.",
    },
    "sectors_contradict_text": {
        "en": "The text speaks of {sectors}, not of the sectors you chose ({stated}).",
        "fr": "Le texte parle de {sectors}, pas des secteurs choisis ({stated}).",
        "ar": "يتحدث النص عن {sectors} وليس عن القطاعات التي اخترتموها ({stated}).",
    },
}

HINTS: dict[str, dict[str, str]] = {
    "description_short": {
        "en": "Say in two or three sentences what you make or do, with which materials or techniques, for whom "
              "and where.",
        "fr": "Dites en deux ou trois phrases ce que vous fabriquez ou faites, avec quelles matières ou "
              "techniques, pour qui et où.",
        "ar": "اذكروا في جملتين أو ثلاث ما تصنعونه أو تقومون به، وبأي مواد أو تقنيات، ولمن وأين.",
    },
    "description_generic": {
        "en": "Replace general words (quality, services, products) with specifics: your products, techniques, "
              "markets and clients.",
        "fr": "Remplacez les mots généraux (qualité, services, produits) par du concret : vos produits, "
              "techniques, marchés et clients.",
        "ar": "استبدلوا الكلمات العامة (جودة، خدمات، منتجات) بتفاصيل: منتجاتكم وتقنياتكم وأسواقكم وعملاؤكم.",
    },
    "no_offers": {
        "en": "Add one line per thing you offer partners (a product, a service, know-how, a market).",
        "fr": "Ajoutez une ligne par chose que vous offrez aux partenaires (un produit, un service, un "
              "savoir-faire, un marché).",
        "ar": "أضيفوا سطراً لكل ما تقدّمونه للشركاء (منتج، خدمة، خبرة، سوق).",
    },
    "no_needs": {
        "en": "Add one line per thing you look for (a distributor, a supplier, a designer, funding...).",
        "fr": "Ajoutez une ligne par chose que vous cherchez (un distributeur, un fournisseur, un designer, un "
              "financement...).",
        "ar": "أضيفوا سطراً لكل ما تبحثون عنه (موزّع، مورّد، مصمّم، تمويل...).",
    },
    "offers_repeat_description": {
        "en": "Write each offer as something concrete a partner receives, e.g. 'hand-painted tiles made to "
              "measure for hotels'.",
        "fr": "Écrivez chaque offre comme quelque chose de concret que reçoit un partenaire, p. ex. « carreaux "
              "peints à la main sur mesure pour les hôtels ».",
        "ar": "اكتبوا كل عرض كشيء ملموس يحصل عليه الشريك، مثلاً 'زليج مرسوم يدوياً حسب الطلب للفنادق'.",
    },
    "language_not_stated": {
        "en": "Add '{language}' to your working languages, or write the text in one of them.",
        "fr": "Ajoutez « {language} » à vos langues de travail, ou écrivez le texte dans l'une d'elles.",
        "ar": "أضيفوا '{language}' إلى لغات عملكم، أو اكتبوا النص بإحداها.",
    },
    "contact_in_text": {
        "en": "Remove them from the public text: put your e-mail in the contact field and your site in the "
              "website field (partners reach you through the platform).",
        "fr": "Retirez-les du texte public : mettez votre e-mail dans le champ contact et votre site dans le "
              "champ site web (les partenaires vous joignent par la plateforme).",
        "ar": "احذفوها من النص العام: ضعوا بريدكم في خانة الاتصال وموقعكم في خانة الموقع (يتواصل معكم "
              "الشركاء عبر المنصة).",
    },
    "all_capitals": {
        "en": "Write in normal sentence case: capitals read as shouting and are harder to read.",
        "fr": "Écrivez en minuscules avec majuscules d'usage : les capitales se lisent comme un cri et sont "
              "moins lisibles.",
        "ar": "اكتبوا بالحروف العادية: الأحرف الكبيرة تُقرأ كصراخ ويصعب قراءتها.",
    },
    "possible_duplicate": {
        "en": "If it is your organisation, keep one profile and ask an editor to remove the other; if not, make "
              "your name and description more distinctive.",
        "fr": "S'il s'agit de votre organisation, gardez un seul profil et demandez à un éditeur de supprimer "
              "l'autre ; sinon, rendez votre nom et votre description plus distinctifs.",
        "ar": "إن كانت مؤسستكم فاحتفظوا بملف واحد واطلبوا من المحرّر حذف الآخر؛ وإلا فاجعلوا اسمكم ووصفكم "
              "أكثر تميّزاً.",
    },
    "sectors_contradict_text": {
        "en": "Check your sectors: add {sectors} if that is what you do, or describe your work in your chosen "
              "sectors.",
        "fr": "Vérifiez vos secteurs : ajoutez {sectors} si c'est votre activité, ou décrivez votre travail "
              "dans les secteurs choisis.",
        "ar": "راجعوا قطاعاتكم: أضيفوا {sectors} إن كان ذلك نشاطكم، أو صفوا عملكم في القطاعات المختارة.",
    },
}

# Code-like parameter values shown in the reader's language.
WORDS: dict[str, dict[str, str]] = {
    "name": {"en": "name", "fr": "nom", "ar": "الاسم"},
    "description": {"en": "description", "fr": "description", "ar": "الوصف"},
    "offers": {"en": "offers", "fr": "offres", "ar": "العروض"},
    "needs": {"en": "needs", "fr": "besoins", "ar": "الاحتياجات"},
    "email": {"en": "e-mail", "fr": "e-mail", "ar": "بريد إلكتروني"},
    "phone": {"en": "phone number", "fr": "numéro de téléphone", "ar": "رقم هاتف"},
    "url": {"en": "web address", "fr": "adresse web", "ar": "عنوان موقع"},
}
SEPARATOR: dict[str, str] = {"en": ", ", "fr": ", ", "ar": "، "}
