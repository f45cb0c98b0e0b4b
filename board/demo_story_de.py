"""Die Demo-Geschichte auf Deutsch: der Text zu board/demo_story.py, Stück für Stück.

Ablauf, Personen, Zeiten und Stimmen stehen in demo_story.py; hier steht nur, was
Menschen lesen. Ideen, Aufgaben und Impulse sind nach ihrem Schlüssel abgelegt,
Kommentare und Anstöße in derselben Reihenfolge wie dort (ein Test prüft, dass nichts
fehlt). Nordkamm duzt sich, wie die meisten Outdoor-Firmen.
"""

from __future__ import annotations

DEPARTMENTS = {
    "Marketing": "Marketing",
    "PR": "PR",
    "IT": "IT",
    "HR": "Personal",
    "Sales": "Vertrieb",
    "Customer Support": "Kundenservice",
    "Product": "Produktentwicklung",
    "Logistics": "Logistik",
}

TAGS = {
    "accessibility": "barrierefreiheit",
    "automation": "automatisierung",
    "guidelines": "leitfaden",
    "logistics": "logistik",
    "press": "presse",
    "product": "produkt",
    "sustainability": "nachhaltigkeit",
}

# key: (title, body)
PROMPTS = {
    "faq": (
        "Was fragen uns Kundinnen und Kunden jede Woche, das eine öffentliche Antwort verdient?",
        "Das Kundenservice-Team beantwortet dieselben Fragen immer wieder. Welche davon "
        "würden einen guten Post, ein Video oder einen Artikel abgeben, damit die Antwort "
        "für alle auffindbar ist?",
    ),
    "stories": (
        "Mit welchem Format für Geschichten aus unserem Team fangen wir an?",
        "Personal und Marketing wollen echte Gesichter von Nordkamm auf unseren Kanälen. "
        "Ein Format pro Idee; alle haben **3 Stimmen**. Die Gewinneridee bekommt für den "
        "ganzen Herbst einen festen Platz im Redaktionsplan.",
    ),
    "trail": (
        "Unsere Instagram- und TikTok-Idee zum Launch des Kammläufer-Trailschuhs",
        "Der Kammläufer 2 kommt am Ersten des nächsten Monats. Welche **eine** Social-Idee "
        "verdient unsere ganze Energie? Erst sammeln wir Ideen, dann hat jede Person drei "
        "Stimmen. Die Stimmen bleiben bis zum Schluss verborgen, also stimm für das, woran "
        "du glaubst.",
    ),
}

# key: (title, body)
IDEAS = {
    "repair-reels": (
        "Hinter den Nähten: 30-Sekunden-Reels aus unserer Reparaturwerkstatt",
        "Unsere Werkstatt in Freiburg repariert rund **4.000 Jacken und Rucksäcke im Jahr**. "
        "Niemand bekommt es mit.\n\n"
        "- eine Reparatur pro Reel, von Anfang bis Ende in 30 Sekunden\n"
        "- wer repariert, sagt einen Satz zum Schaden\n"
        "- Abspann: *„Läuft noch.“*\n\n"
        "Das zeigt Qualität und Nachhaltigkeit, ohne dass wir eins von beiden behaupten müssen.",
    ),
    "ask-support": (
        "Einmal im Monat „Frag den Kundenservice“ als LinkedIn Live",
        "Einmal im Monat beantworten zwei Leute aus dem Kundenservice 30 Minuten lang live "
        "Fragen.\n\n"
        "Die häufigsten Fragen kennen wir aus dem Ticketsystem, also können wir kurze "
        "Antworten und Links vorbereiten. Auch Händler folgen uns auf LinkedIn, der "
        "Vertrieb hat also auch etwas davon.",
    ),
    "packing-lists": (
        "Packlisten-Karussells für jede Hüttentour-Saison",
        "Eine Checkliste zum Durchwischen pro Saison (Frühjahrsschnee, Hüttensommer, "
        "Herbstnebel) mit unserer Ausrüstung und dem, *was du nicht brauchst*. Die lange "
        "Fassung mit Links in den Shop kommt in den Blog.",
    ),
    "warehouse-day": (
        "Ein Tag mit dem Lagerteam in Lahr",
        "Vom ersten Lkw um 6 Uhr bis zum letzten Paket um 22 Uhr, erzählt in Stories. Wir "
        "stellen in Lahr das ganze Jahr über ein, und keiner weiß, wie der Job wirklich "
        "aussieht.",
    ),
    "apprentices": (
        "Azubis übernehmen eine Woche lang unser Instagram",
        "Vier Azubis (Näherei, Logistik, IT, Einzelhandel) machen eine Woche lang unsere "
        "Stories, mit einem kurzen Briefing und Lena als Sicherheitsnetz. Echt, günstig und "
        "super für die Bewerbungen im nächsten Jahr.",
    ),
    "meet-maker": (
        "„Die Macher“: Porträts unserer Produktdesignerinnen und -designer",
        "Jeden Monat eine Person aus dem Design, ein Produkt, auf das sie stolz ist, und "
        "eine Sache, die unterwegs schiefgegangen ist.",
    ),
    "desk-gear": (
        "„Mein Schreibtisch, meine Ausrüstung“: eine schnelle Fotoserie",
        "Alle fotografieren ihren Schreibtisch und das Nordkamm-Teil, das sie am meisten "
        "benutzen. Wenig Aufwand, viele Gesichter.",
    ),
    "field-notes": (
        "Newsletter „Notizen vom Berg“ von unseren Testerinnen und Testern",
        "Unsere 40 externen Testerinnen und Tester schicken uns sowieso Notizen aus den "
        "Bergen. Ein monatlicher Newsletter mit den besten drei, mit Fotos, wäre endlich "
        "ein Grund, ihn zu öffnen.",
    ),
    "sizing-videos": (
        "Die fünf Fragen zur Größe als kurze Videos beantworten",
        "*„Fällt der Kammläufer klein aus?“* steckt in 18 % aller Tickets. Fünf Videos à "
        "20 Sekunden, im Showroom gedreht, oben im Profil angepinnt und im Shop verlinkt. "
        "Weniger Retouren obendrein: Die Logistik wird es lieben.",
    ),
    "repair-numbers": (
        "Unsere Reparaturquote und Ersatzteilzahlen veröffentlichen",
        "Journalistinnen und Journalisten fragen nach Zahlen, nicht nach Adjektiven. Einmal "
        "im Jahr ein Blogpost mit Reparaturquote, verschickten Ersatzteilen und dem, was wir "
        "immer noch wegwerfen. Ehrliche Zahlen altern gut.",
    ),
    "accessibility": (
        "Barrierefreiheit bei jedem Post: Alt-Texte und Untertitel",
        "Etwa jede zehnte Person nutzt Untertitel oder einen Screenreader. Wir posten meistens "
        "ohne Alt-Text.\n\n"
        "1. eine kurze Checkliste\n"
        "2. Untertitel bei jedem Video\n"
        "3. einmal im Monat die letzten 20 Posts prüfen",
    ),
    "still-going": (
        "#LäuftNoch: Kundinnen und Kunden zeigen ihre älteste Nordkamm-Ausrüstung",
        "Leute zeigen liebend gern ihr 20 Jahre altes Zelt. Wir reposten jeden Freitag die "
        "schönsten und schicken einen Reparaturgutschein dazu. Dafür brauchen wir eine "
        "einfache Einwilligung von der Rechtsabteilung.",
    ),
    "guideline": (
        "Ein Social-Media-Leitfaden, der auf eine Seite passt",
        "Kolleginnen und Kollegen fragen bei Personal nach, was sie über die Arbeit posten "
        "dürfen. Eine Seite, freundlich, mit dem Betriebsrat abgestimmt, im Intranet "
        "verlinkt. Weniger Angst, mehr Posts.",
    ),
    "retailers": (
        "Händler im Porträt: eine Reihe auf LinkedIn",
        "Alle zwei Wochen einer unserer 180 Fachhändler: der Laden, die Leute, ihre "
        "Lieblingstour. Sie teilen es, ihre Kundschaft sieht uns.",
    ),
    "weather-posting": (
        "Regenkleidung posten, wenn es wirklich regnet",
        "Ein kleines Skript prüft die Wettervorhersage für unsere zehn wichtigsten Städte "
        "und schlägt vor, welchen vorbereiteten Post wir veröffentlichen. Könnte Spaß "
        "machen, könnte auch übertrieben sein.",
    ),
    "shipping-ticker": (
        "Weihnachts-Versandticker in unseren Stories",
        "Ab dem 1. Dezember jeden Tag eine Story: gestern verschickte Pakete, letzter "
        "sicherer Bestelltag, ein Foto von der Packstraße. Das spart im Dezember die "
        "*„Wo ist mein Paket?“*-Tickets.",
    ),
    "press-kit": (
        "Ein Pressebereich mit Fotos zum Herunterladen",
        "Presse und Blogs fragen jede Woche per E-Mail nach Fotos. Eine Seite mit "
        "freigegebenen Fotos, Logos und Factsheet spart der PR Stunden.",
    ),
    "faq-highlights": (
        "Story-Highlights mit Antworten auf die häufigsten Kundenfragen",
        "Angepinnte Highlights: Größen, Reparaturen, Retouren, Lieferzeiten, Pflege. Jedes "
        "verlinkt ins Hilfecenter. Schnell gemacht, sobald es die Größenvideos gibt.",
    ),
    "podcast": (
        "Podcast-Ausschnitte mit Bergführerinnen und Bergführern",
        "Wir sponsern den Podcast *Höhenmeter*. Zu Gast sind Bergführerinnen und Bergführer: "
        "60-Sekunden-Audiogramme für LinkedIn, mit ihrer Zustimmung.",
    ),
    "first-10k": (
        "„Meine ersten 10 km“: eine Community-Challenge mit dem Kammläufer",
        "Wir laden Einsteigerinnen und Einsteiger ein, in vier Wochen ihre ersten 10 km "
        "Trail zu laufen, mit einem Plan von unserem Laufteam und einem wöchentlichen "
        "Check-in. Die besten Geschichten gewinnen ein Paar.",
    ),
    "shoe-lab": (
        "Schuhlabor: Was im Kammläufer 2 steckt",
        "Wir schneiden vor der Kamera einen Schuh in der Mitte durch und erklären jede "
        "Schicht in 45 Sekunden. Produkt-Nerds lieben so etwas.",
    ),
    "black-forest": (
        "Unsere eigenen Leute testen den Kammläufer im Schwarzwald",
        "Zehn Kolleginnen und Kollegen aus allen Abteilungen laufen an einem Freitagmorgen "
        "denselben Trail. Echte Leute, echter Matsch, ein Reel.",
    ),
    "running-clubs": (
        "Duette mit Lauftreffs aus der Gegend",
        "TikTok-Duette mit fünf Lauftreffs in der Nähe unserer Händler: Sie zeigen ihren "
        "Hausberg-Trail, wir unseren.",
    ),
}

# in the order of demo_story.COMMENTS
COMMENTS = (
    "Der Kundenservice fände das super. Die Hälfte unserer Reparaturtickets fängt mit *„Lohnt "
    "sich das überhaupt?“* an.",
    "Starke Idee. Tipp aus Erfahrung: Hochkant filmen **und** die Hände der reparierenden "
    "Person in der Bildmitte halten, dann klappt auch der Zuschnitt für LinkedIn.",
    "Ich kann einen gemeinsamen Ordner für das Rohmaterial anlegen, damit niemand 2-GB-Dateien "
    "per E-Mail verschickt.",
    "Das erste Reel ist online: 41.000 Aufrufe auf Instagram in drei Tagen, bester Wert des "
    "Jahres.",
    "Mehrere Händler haben genau danach gefragt. Können wir sie einladen, auch Fragen zu stellen?",
    "Ich kann das Streaming-Setup im kleinen Besprechungsraum testen, da ist das Licht ordentlich.",
    "Die 20 häufigsten Fragen stehen in der Aufgabe, jeweils mit Anzahl.",
    "Bitte ergänzt noch „Was die Hütte verkauft, musst du nicht schleppen“. Spart Gewicht, "
    "das mögen alle.",
    "Die Nachtschicht wäre dabei, solange niemand sein Gesicht zeigen muss.",
    "Der Betriebsrat ist einverstanden, wenn die Teilnahme freiwillig ist. Ich habe gefragt.",
    "Klasse. Lasst uns zusammen ein einseitiges Briefing schreiben, damit niemand mit einem "
    "Account mit 12.000 Followern allein dasteht.",
    "Wir haben vier Azubis an Bord: Mia (Näherei), Luca (Logistik), Jonah (IT), Sara "
    "(Einzelhandel).",
    "Die Öffnungsrate des Newsletters liegt gerade bei 21 %. Echte Geschichten könnten "
    "helfen, lasst es uns drei Ausgaben lang probieren.",
    "Ja, bitte! Größenumtausch ist unsere teuerste Retoure.",
    "Ich kann die Bauchbinden machen, damit sie zum Rest unseres Feeds passen.",
    "Die Produktentwicklung kann die Zahlen für 2024 liefern. Für 2023 müssen wir etwas graben.",
    "Passt auch gut zu LinkedIn. Nimm ein einfaches Diagramm; Diagramme werden geteilt.",
    "Unser Azubi Jonah nutzt einen Screenreader. Er testet gern ein paar Posts.",
    "Beim Kundenservice kommen jeden Monat Beschwerden über Videos ohne Untertitel an.",
    "Bevor wir etwas reposten, brauchen wir die Einwilligung von der Rechtsabteilung. Ich "
    "frage nach.",
    "Sophie, gibt es was Neues von der Rechtsabteilung?",
    "Die Rechtsabteilung hat einen Entwurf geschickt. Zwei Sätze, gut lesbar.",
    "Bitte nehmt einen Satz auf, dass keine Screenshots interner Tools gepostet werden.",
    "Wir könnten ein Foto von ihrer Lieferung dazunehmen. Unsere Fahrerinnen und Fahrer "
    "kennen sie alle.",
    "Witzig! Die Wetter-API ist für unser Volumen kostenlos. Ich bin gern dabei.",
    "Allein der letzte sichere Bestelltag würde uns im Dezember 200 Tickets sparen.",
    "Ich sammle die freigegebenen Fotos aus den letzten beiden Katalogen.",
    "Könnte ein Highlight „Arbeiten bei Nordkamm“ sein? Solche Fragen bekommen wir auch.",
    "Der Host ist einverstanden, er möchte nur einen Link zurück.",
    "Der Kundenservice könnte Fragen von Einsteigerinnen und Einsteigern in den Kommentaren "
    "beantworten.",
    "Bitte diesmal den Laserschneider nehmen, nicht das Brotmesser.",
    "Ich bin dabei, solange der Trail kurz ist.",
)

# key: (title, description)
TASKS = {
    "raw-folder": (
        "Gemeinsamen Ordner für Video-Rohmaterial anlegen",
        "Ein Ordner pro Monat, mit einer README zur Benennung. Zugriff für die ganze Taskforce.",
    ),
    "film-repairs": (
        "Drei Reparaturen in der Freiburger Werkstatt filmen",
        "Hochkant, 4K, Hände in der Bildmitte. Frag das Reparaturteam, welche Tage passen.",
    ),
    "cut-reel": ("Das erste Reel schneiden und Untertitel auf Deutsch und Englisch schreiben", ""),
    "reel-slot": (
        "Einen monatlichen Platz für das Reparatur-Reel im Redaktionsplan einplanen",
        "Der erste Dienstag im Monat bringt die meiste Reichweite.",
    ),
    "top-questions": ("Die 20 häufigsten Fragen aus dem Ticketsystem sammeln", ""),
    "live-setup": (
        "LinkedIn Live buchen und das Streaming-Setup testen",
        "Kamera, Mikrofon und ein Plan B, falls das WLAN ausfällt.",
    ),
    "alt-checklist": ("Eine Alt-Text-Checkliste für das Team schreiben", ""),
    "captions": (
        "Unsere letzten zehn Videos untertiteln",
        "Der Editor in unserem Video-Tool erzeugt sie automatisch; ein Mensch muss sie prüfen.",
    ),
    "repair-signoff": ("Die Reparaturzahlen 2024 von der Produktentwicklung freigeben lassen", ""),
    "repair-draft": ("Den Blogpost zu den Reparaturzahlen entwerfen", ""),
    "guideline-draft": ("Den einseitigen Leitfaden entwerfen und an den Betriebsrat schicken", ""),
    "find-apprentices": ("Vier Azubis finden, die übernehmen wollen", ""),
    "takeover-briefing": (
        "Das Briefing für die Übernahme schreiben: was geht, was nicht, wen du anrufst",
        "Eine Seite. Mit der Nummer für den Notfall und unseren Hashtags.",
    ),
    "takeover-week": ("Die Übernahme-Woche in den Redaktionsplan eintragen", ""),
    "carousel-template": ("Eine Karussell-Vorlage in unseren Markenfarben gestalten", ""),
    "sizing-scripts": ("Die fünf Antworten zur Größe als Skript schreiben", ""),
    "sizing-shoot": ("Die Größenvideos im Showroom aufnehmen", ""),
    "retailer-ask": ("Fünf Händler fragen, ob sie vorgestellt werden möchten", ""),
    "shipment-numbers": (
        "Tägliche Versandzahlen aus dem Lagersystem ziehen",
        "Eine einfache CSV-Datei jeden Morgen reicht.",
    ),
    "press-kit-page": ("Den Pressebereich im Blog bauen", ""),
    "consent-text": ("Den Einwilligungstext für Reposts bei der Rechtsabteilung holen", ""),
    "utm-convention": (
        "Eine UTM-Konvention für Kampagnen-Links vereinbaren",
        "Damit wir endlich sehen, welcher Kanal Besuche im Shop bringt.",
    ),
}

# in the order of demo_story.NUDGES
NUDGES = (
    "Clara, das Briefing für die Übernahme würde den Azubis sehr helfen. Sag Bescheid, wenn "
    "ich einen Entwurf lesen soll!",
    "Liebe IT: Die Untertitel-Aufgabe ist noch offen. Hat jemand Lust auf eine Stunde "
    "Untertitel-Check?",
    "Ben, wie läuft es mit dem Pressebereich? Ich schaue ihn mir gern am Donnerstag mit dir an.",
    "Jonas, dein Reparatur-Reel ist der erfolgreichste Post in diesem Quartal. Kannst du das "
    "Rohmaterial mit dem Vertrieb teilen?",
)
