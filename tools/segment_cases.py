"""German news segmentation cases shared by tests/test_segment.py and bench/segmenters.py.

Each case is (id, text, expected sentence texts). Texts are written the way German news sites print
them: abbreviations, ordinals, numbers, quotes, ellipses, URLs, lists, bylines and hard-wrapped lines.
"""

from __future__ import annotations

SENTENCE_CASES: list[tuple[str, str, list[str]]] = [
    # --- abbreviations ---------------------------------------------------------------------------
    (
        "abbr-z-b-spaced",
        "Viele Länder, z. B. Frankreich, lehnen das ab. Andere schweigen.",
        ["Viele Länder, z. B. Frankreich, lehnen das ab.", "Andere schweigen."],
    ),
    (
        "abbr-z-b-tight",
        "Es gibt Ausnahmen, z.B. bei Kindern. Das gilt seit Mai.",
        ["Es gibt Ausnahmen, z.B. bei Kindern.", "Das gilt seit Mai."],
    ),
    (
        "abbr-u-a",
        "Dabei waren u. a. Vertreter aus China. Sie reisten früh ab.",
        ["Dabei waren u. a. Vertreter aus China.", "Sie reisten früh ab."],
    ),
    (
        "abbr-dr-prof",
        "Dr. Anna Weber und Prof. Klaus Richter widersprachen. Die Studie sei fehlerhaft.",
        ["Dr. Anna Weber und Prof. Klaus Richter widersprachen.", "Die Studie sei fehlerhaft."],
    ),
    (
        "abbr-nr",
        "Das Gesetz Nr. 5 tritt im Juli in Kraft. Es betrifft alle Mieter.",
        ["Das Gesetz Nr. 5 tritt im Juli in Kraft.", "Es betrifft alle Mieter."],
    ),
    (
        "abbr-street",
        "Die Praxis liegt in der Bahnhofstr. 12 in Köln. Sie öffnet um acht.",
        ["Die Praxis liegt in der Bahnhofstr. 12 in Köln.", "Sie öffnet um acht."],
    ),
    (
        "abbr-bzw-ca",
        "Der Preis stieg um ca. 5 bzw. 6 Prozent. Händler reagierten gelassen.",
        ["Der Preis stieg um ca. 5 bzw. 6 Prozent.", "Händler reagierten gelassen."],
    ),
    (
        "abbr-v-chr",
        "Die Stadt wurde um 300 v. Chr. gegründet. Heute leben dort 20.000 Menschen.",
        ["Die Stadt wurde um 300 v. Chr. gegründet.", "Heute leben dort 20.000 Menschen."],
    ),
    (
        "abbr-usw-final",
        "Sie kauften Brot, Milch usw. Danach gingen sie nach Hause.",
        ["Sie kauften Brot, Milch usw.", "Danach gingen sie nach Hause."],
    ),
    (
        "abbr-etc-final",
        "Es gab Reden, Musik etc. Am Abend regnete es.",
        ["Es gab Reden, Musik etc.", "Am Abend regnete es."],
    ),
    (
        "abbr-mio-mrd",
        "Die Kosten liegen bei 3 Mio. Euro. Der Bund zahlt 2 Mrd. Euro dazu.",
        ["Die Kosten liegen bei 3 Mio. Euro.", "Der Bund zahlt 2 Mrd. Euro dazu."],
    ),
    (
        "abbr-st-jh",
        "Die Kirche St. Marien stammt aus dem 14. Jh. und wurde renoviert. Sie ist wieder offen.",
        ["Die Kirche St. Marien stammt aus dem 14. Jh. und wurde renoviert.", "Sie ist wieder offen."],
    ),
    (
        "abbr-art-abs",
        "Laut Art. 5 Abs. 3 GG ist die Kunst frei. Das Gericht folgte dem.",
        ["Laut Art. 5 Abs. 3 GG ist die Kunst frei.", "Das Gericht folgte dem."],
    ),
    (
        "abbr-vgl-inkl",
        "Die Zahl stieg (vgl. Tabelle 2) deutlich. Der Preis inkl. Steuern beträgt 20 Euro.",
        ["Die Zahl stieg (vgl. Tabelle 2) deutlich.", "Der Preis inkl. Steuern beträgt 20 Euro."],
    ),
    (
        "abbr-ggf-d-h",
        "Man muss ggf. nachzahlen, d. h. bis Ende Mai. Das Amt informiert.",
        ["Man muss ggf. nachzahlen, d. h. bis Ende Mai.", "Das Amt informiert."],
    ),
    (
        "abbr-o-ae-u-u",
        "Kisten o. ä. sind verboten. Das kann u. U. teuer werden.",
        ["Kisten o. ä. sind verboten.", "Das kann u. U. teuer werden."],
    ),
    (
        "abbr-bd-s",
        "Der Aufsatz erschien in Bd. 3 auf S. 12 der Reihe. Er ist vergriffen.",
        ["Der Aufsatz erschien in Bd. 3 auf S. 12 der Reihe.", "Er ist vergriffen."],
    ),
    (
        "abbr-initial",
        "Der Autor Ernst F. Müller widersprach. Er nannte die Studie einseitig.",
        ["Der Autor Ernst F. Müller widersprach.", "Er nannte die Studie einseitig."],
    ),
    (
        "abbr-nbsp",
        "Die Firma zahlt 5\u00a0Mio.\u00a0Euro. Das reicht nicht.",
        ["Die Firma zahlt 5\u00a0Mio.\u00a0Euro.", "Das reicht nicht."],
    ),
    # --- ordinals, dates, numbers, times ---------------------------------------------------------
    (
        "ordinal-day-month",
        "Das Treffen fand am 12. September statt. Beide Seiten waren zufrieden.",
        ["Das Treffen fand am 12. September statt.", "Beide Seiten waren zufrieden."],
    ),
    (
        "ordinal-century",
        "Im 19. Jahrhundert wuchs die Stadt stark. Dann kam der Krieg.",
        ["Im 19. Jahrhundert wuchs die Stadt stark.", "Dann kam der Krieg."],
    ),
    (
        "ordinal-full-date",
        "Am 3. Mai 2023 unterschrieben beide den Vertrag. Er gilt zehn Jahre.",
        ["Am 3. Mai 2023 unterschrieben beide den Vertrag.", "Er gilt zehn Jahre."],
    ),
    (
        "ordinal-weltkrieg",
        "Nach dem 2. Weltkrieg wurde das Land geteilt. Die Teilung dauerte Jahrzehnte.",
        ["Nach dem 2. Weltkrieg wurde das Land geteilt.", "Die Teilung dauerte Jahrzehnte."],
    ),
    (
        "ordinal-fc-koeln",
        "Der 1. FC Köln verlor am Samstag. Die Fans waren enttäuscht.",
        ["Der 1. FC Köln verlor am Samstag.", "Die Fans waren enttäuscht."],
    ),
    (
        "year-ends-sentence",
        "Kim besuchte Russland zuletzt 2019. Damals war die Lage anders.",
        ["Kim besuchte Russland zuletzt 2019.", "Damals war die Lage anders."],
    ),
    (
        "number-thousands-decimal",
        "Nordkorea schickte etwa 11.000 Container. Das Wachstum lag bei 5,4 Prozent.",
        ["Nordkorea schickte etwa 11.000 Container.", "Das Wachstum lag bei 5,4 Prozent."],
    ),
    (
        "number-million",
        "Das Budget beträgt 1.000.000 Euro. Es reicht nicht.",
        ["Das Budget beträgt 1.000.000 Euro.", "Es reicht nicht."],
    ),
    (
        "time-dot",
        "Die Sitzung beginnt um 9.30 Uhr im Rathaus. Gäste sind willkommen.",
        ["Die Sitzung beginnt um 9.30 Uhr im Rathaus.", "Gäste sind willkommen."],
    ),
    # --- quotes, ellipses, brackets --------------------------------------------------------------
    (
        "quote-low-high",
        "Dann sagte er: „Wir kommen.“ Dann ging er.",
        ["Dann sagte er: „Wir kommen.“", "Dann ging er."],
    ),
    (
        "quote-guillemets",
        "Sie rief: »Das ist genug!« Danach war es still.",
        ["Sie rief: »Das ist genug!«", "Danach war es still."],
    ),
    (
        "quote-straight",
        'Peskow sagte: "Unsere Länder kooperieren." Man werde die Beziehungen ausbauen.',
        ['Peskow sagte: "Unsere Länder kooperieren."', "Man werde die Beziehungen ausbauen."],
    ),
    (
        "quote-then-comma",
        "„Es gibt keine ideologische Zusammenarbeit“, fügte Matiaszczyk hinzu. Das sei klar.",
        ["„Es gibt keine ideologische Zusammenarbeit“, fügte Matiaszczyk hinzu.", "Das sei klar."],
    ),
    (
        "quote-question-comma",
        "„Wann kommt ihr?“, fragte sie. Niemand antwortete.",
        ["„Wann kommt ihr?“, fragte sie.", "Niemand antwortete."],
    ),
    (
        "quote-period-outside",
        "Der Sprecher sagte, man habe »keine Kenntnis«. Weitere Fragen blieben offen.",
        ["Der Sprecher sagte, man habe »keine Kenntnis«.", "Weitere Fragen blieben offen."],
    ),
    (
        "ellipsis-unicode",
        "Und dann … nichts. Die Tür blieb zu.",
        ["Und dann … nichts.", "Die Tür blieb zu."],
    ),
    (
        "ellipsis-dots",
        "Er zögerte... Dann ging er.",
        ["Er zögerte...", "Dann ging er."],
    ),
    (
        "bracket-ellipsis-in-quote",
        (
            '"Die Lieferung von Waffen [...] wird kein gutes Licht auf Nordkorea werfen", drohte Sullivan. '
            "Moskau schwieg."
        ),
        [
            '"Die Lieferung von Waffen [...] wird kein gutes Licht auf Nordkorea werfen", drohte Sullivan.',
            "Moskau schwieg.",
        ],
    ),
    (
        "parenthesis-end",
        "Um 14 Uhr sprach Bundeskanzler Olaf Scholz (SPD). Er kündigte Hilfen an.",
        ["Um 14 Uhr sprach Bundeskanzler Olaf Scholz (SPD).", "Er kündigte Hilfen an."],
    ),
    (
        "question-exclaim",
        "Wird die Ukraine einmarschieren? Niemand weiß es! Die Lage bleibt unklar.",
        ["Wird die Ukraine einmarschieren?", "Niemand weiß es!", "Die Lage bleibt unklar."],
    ),
    # --- URLs, e-mail ------------------------------------------------------------------------------
    (
        "url",
        "Details stehen unter https://www.example.de/a.b?x=1 im Netz. Die Seite ist neu.",
        ["Details stehen unter https://www.example.de/a.b?x=1 im Netz.", "Die Seite ist neu."],
    ),
    (
        "email",
        "Hinweise an max.mustermann@example.de schicken. Die Redaktion antwortet.",
        ["Hinweise an max.mustermann@example.de schicken.", "Die Redaktion antwortet."],
    ),
    (
        "domain-name",
        "NewsWorld.app ist kostenlos. Wir bieten Nachrichten.",
        ["NewsWorld.app ist kostenlos.", "Wir bieten Nachrichten."],
    ),
    # --- lines, lists, headlines, wrapping ---------------------------------------------------------
    (
        "headline-then-paragraph",
        "Auswirkungen auf Sanktionen und Handel\n\nNordkorea unterstützt Russland. Im März blockierte es eine Resolution.",
        [
            "Auswirkungen auf Sanktionen und Handel",
            "Nordkorea unterstützt Russland.",
            "Im März blockierte es eine Resolution.",
        ],
    ),
    (
        "colon-line-bullets",
        "Zu den Lieferungen gehören:\n\n  • Artilleriegeschosse\n  • Ballistische Raketen\n",
        ["Zu den Lieferungen gehören:", "• Artilleriegeschosse", "• Ballistische Raketen"],
    ),
    (
        "dash-and-star-items",
        "- erster Punkt\n* zweiter Punkt",
        ["- erster Punkt", "* zweiter Punkt"],
    ),
    (
        "numbered-items",
        "1. Die Lage ist ernst\n2. Die Zeit drängt",
        ["1. Die Lage ist ernst", "2. Die Zeit drängt"],
    ),
    (
        "bullet-with-sentences",
        "  • Kim wandte sich Russland zu. Er suchte Hilfe.\n  • Russland liefert Öl.",
        ["• Kim wandte sich Russland zu.", "Er suchte Hilfe.", "• Russland liefert Öl."],
    ),
    (
        "hard-wrap",
        "Die Regierung kündigte an, die Steuern\nzu senken. Kritiker rechneten mit\n2 Milliarden Euro Kosten.",
        [
            "Die Regierung kündigte an, die Steuern\nzu senken.",
            "Kritiker rechneten mit\n2 Milliarden Euro Kosten.",
        ],
    ),
    (
        "no-wrap-after-period",
        "Der Bericht endet hier.\nund das ist klein geschrieben.",
        ["Der Bericht endet hier.", "und das ist klein geschrieben."],
    ),
    (
        "line-without-period",
        "Wichtige Punkte\nRussland liefert Öl",
        ["Wichtige Punkte", "Russland liefert Öl"],
    ),
    (
        "crlf",
        "Erster Satz hier.\r\nZweiter Satz dort.\r\n",
        ["Erster Satz hier.", "Zweiter Satz dort."],
    ),
    (
        "byline-block",
        "Lesezeit: 3 Minuten\nDurch Ernst Müller\n- in",
        ["Lesezeit: 3 Minuten", "Durch Ernst Müller", "- in"],
    ),
    (
        "mehr-zum-thema-glued",
        "Die Lage ist angespannt. Mehr zum Thema – Nicht gut für die Ukraine: USA in Alarmstimmung",
        ["Die Lage ist angespannt.", "Mehr zum Thema – Nicht gut für die Ukraine: USA in Alarmstimmung"],
    ),
    (
        "copyright-footer",
        "© 2024 NewsWorld™. Alle Rechte vorbehalten.",
        ["© 2024 NewsWorld™.", "Alle Rechte vorbehalten."],
    ),
]
