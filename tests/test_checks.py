"""Sentence-level translation checks: each kind fires on German news cases that need a second look, and
stays quiet on faithful translations in another format ("5 Prozent" = "5 percent")."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from summarize import Flag, check_translation
from summarize.checks import (
    KINDS,
    LENGTH,
    LOW_CONFIDENCE,
    LOW_CONFIDENCE_THRESHOLD,
    NUMBER,
    REPETITION,
    TRUNCATED,
    UNTRANSLATED,
    length_ratio,
)

N, U, T, L, R = NUMBER, UNTRANSLATED, TRUNCATED, LENGTH, REPETITION

# (id, German, English, the kinds expected): flagged and must-not-flag cases side by side.
CASES = [
    # numbers, amounts, percentages, dates and times
    ("percent-changed", "Die Arbeitslosenquote stieg auf 3,5 Prozent.", "The unemployment rate rose to 4.5 percent.", {N}),
    ("thousands-changed", "Der Konzern beschäftigt 11.000 Mitarbeiter.", "The group employs 1,000 people.", {N}),
    ("date-changed", "Die Wahl findet am 12. März statt.", "The election takes place on March 21.", {N}),
    ("scale-changed", "Das Defizit beträgt 2,5 Mrd. Euro.", "The deficit amounts to 2.5 million euros.", {N}),
    ("word-number-changed", "Bei dem Unfall wurden drei Menschen verletzt.", "Two people were injured in the accident.", {N}),
    ("time-changed", "Der Sonderzug fährt um 19.30 Uhr ab.", "The special train leaves at 8:30 pm.", {N}),
    ("year-changed", "Das Stadion wurde im Jahr 1974 eröffnet.", "The stadium was opened in 1984.", {N}),
    ("number-missing", "Der Bürgermeister sprach vor 500 Gästen im Rathaus.",
     "The mayor spoke to the guests in the town hall.", {N}),
    ("number-without-source", "Die Polizei nahm mehrere Verdächtige fest.", "The police arrested 14 suspects.", {N}),
    ("date-missing", "Der Prozess beginnt am 4. November vor dem Landgericht.",
     "The trial begins before the regional court.", {N}),
    ("percent", "Die Inflation lag zuletzt bei 5 Prozent.", "Inflation was most recently 5 percent.", set()),
    ("percent-sign", "Das Wachstum betrug 3,5 %.", "Growth was 3.5%.", set()),
    ("day-month", "Die Feier findet am 3. Oktober statt.", "The celebration takes place on 3 October.", set()),
    ("month-day", "Die Feier findet am 3. Oktober statt.", "The celebration takes place on October 3.", set()),
    ("mio-euro", "Das Projekt kostet 1,5 Mio. Euro.", "The project costs 1.5 million euros.", set()),
    ("mrd-words", "Die Firma investiert 2 Mrd. Euro in das Werk.", "The company is investing two billion euros in the plant.",
     set()),
    ("thousands", "Im Stadion saßen 11.000 Zuschauer.", "There were 11,000 spectators in the stadium.", set()),
    ("clock-pm", "Der Sonderzug fährt um 19.30 Uhr ab.", "The special train leaves at 7:30 pm.", set()),
    ("clock-24h", "Der Sonderzug fährt um 19.30 Uhr ab.", "The special train leaves at 19:30.", set()),
    ("word-number", "Zwei Menschen starben bei dem Brand.", "Two people died in the fire.", set()),
    ("beide", "Beide Politiker trafen sich in Berlin.", "The two politicians met in Berlin.", set()),
    ("score", "Das Spiel endete 2:1 für die Gäste.", "The match ended 2-1 to the visitors.", set()),
    ("full-date", "Er wurde am 1. Mai 2019 gewählt.", "He was elected on May 1, 2019.", set()),
    # the same fact in another format, each beside the change it must still catch
    ("clock-h", "Anpfiff ist um 18 Uhr.", "Kick-off is at 18h.", set()),
    ("clock-h-minutes", "Anpfiff ist um 18.30 Uhr.", "Kick-off is at 18h30.", set()),
    ("clock-changed", "Anpfiff ist um 18:00 Uhr.", "Kick-off is at 8 pm.", {N}),
    ("clock-h-changed", "Anpfiff ist um 18 Uhr.", "Kick-off is at 20h.", {N}),
    ("half-hour", "Die Runde kommt um halb drei.", "The round comes at half past two.", set()),
    ("half-hour-changed", "Die Runde kommt um halb drei.", "The round comes at half past three.", {N}),
    ("road-spaced", "Auf der A8 staute sich der Verkehr.", "Traffic backed up on the A 8.", set()),
    ("road-joined", "Auf der A 8 staute sich der Verkehr.", "Traffic backed up on the A8.", set()),
    ("road-changed", "Auf der A8 staute sich der Verkehr.", "Traffic backed up on the A 9.", {N}),
    ("ordinal-date-range", "Das Fest dauert vom 14. bis 16. August.", "The festival runs from the 14th to the 16th of August.",
     set()),
    ("ordinal-date-range-changed", "Das Fest dauert vom 14. bis 16. August.",
     "The festival runs from the 14th to the 17th of August.", {N}),
    ("date-without-space", "Am 01.Januar 2018 ging sie von Bord.", "On 1 January 2018 she left the ship.", set()),
    ("knockout-round", "Der Verein spielt im Achtelfinale gegen Mainz.", "The club plays Mainz in the last 16.", set()),
    ("compound-ordinal", "Der Tabellenvierte verlor in Mainz.", "The 4th-placed team lost in Mainz.", set()),
    ("compound-ordinal-changed", "Der Tabellenvierte verlor in Mainz.", "The 5th-placed team lost in Mainz.", {N}),
    ("tens-in-words", "Die Kirche stammt aus dem 30-jährigen Krieg.", "The church dates from the Thirty Years' War.", set()),
    ("decimal-range", "Die Spieler sind 1,75 bis 1,80 Meter groß.", "The players are 1.75-1.80 metres tall.", set()),
    ("decimal-range-between", "Sie sind zwischen 1,75 und 1,80 Meter groß.", "They are between 1.75 and 1.80 metres tall.",
     set()),
    ("decimal-range-changed", "Die Spieler sind 1,75 bis 1,80 Meter groß.", "The players are 1.75-1.85 metres tall.", {N}),
    ("integer-range", "Es werden 10 bis 12 Grad erwartet.", "Temperatures of 10-12 degrees are expected.", set()),
    ("integer-range-changed", "Es werden 10 bis 12 Grad erwartet.", "Temperatures of 10-14 degrees are expected.", {N}),
    ("decade", "Der Song stammt aus den 80ern.", "The song is from the 80s.", set()),
    ("team-not-count", "Kurz vor der Pause glich seine Elf aus.", "Just before the break his team equalised.", set()),
    ("starting-eleven", "Er stand erstmals in der Anfangsformation.", "He was in the starting eleven for the first time.",
     set()),
    ("a-few", "Er erzählt den ein oder anderen Witz.", "He tells a joke or two.", set()),
    ("spaced-groups", "Die Aufgabe: 14.130 214 mal 3.", "The task: 14 130 214 times 3.", set()),
    # German copied through
    ("copied", "Die Regierung will die Steuern im nächsten Jahr senken.",
     "Die Regierung will die Steuern im nächsten Jahr senken.", {U}),
    ("half-german", "Der Verein hat sich nach der Niederlage von dem Trainer getrennt.",
     "After the defeat, the club hat sich von dem Trainer getrennt.", {U}),
    ("copied-headline", "Schwere Unwetter in Bayern: Keller unter Wasser",
     "Schwere Unwetter in Bayern: Keller unter Wasser", {U}),
    ("only-a-name", "Angela Merkel", "Angela Merkel", set()),
    ("club-name", "FC Bayern München", "FC Bayern München", set()),
    ("english-quote", 'Der Präsident twitterte: "We will make America great again."',
     'The president tweeted: "We will make America great again."', set()),
    ("all-english", '"Make America Great Again"', '"Make America Great Again"', set()),
    ("kept-title", 'Der Chor sang zum Schluss "Wir sind das Volk und wir bleiben hier".',
     'Finally the choir sang "Wir sind das Volk und wir bleiben hier".', set()),
    ("copied-with-quote", '"Wir schaffen das", sagte die Kanzlerin am Abend.',
     '"Wir schaffen das", sagte die Kanzlerin am Abend.', {U}),
    ("url", "Mehr Informationen unter www.stadt-muenster.de/kultur-und-freizeit",
     "More information at www.stadt-muenster.de/kultur-und-freizeit", set()),
    ("one-word", "Geschafft!", "Geschafft!", set()),
    ("der-spiegel", 'Das berichtet der "Spiegel" in seiner neuen Ausgabe.',
     'This was reported by "Der Spiegel" in its new issue.', set()),
    ("numbers-only", "2:1 (1:0)", "2:1 (1:0)", set()),
    # truncated and far too long
    ("dropped-clause", ("Der Bürgermeister eröffnete am Montag das neue Rathaus, das nach langer Bauzeit endlich "
     "fertiggestellt wurde."), "The mayor opened the new town hall on Monday.", {T}),
    ("empty", "Die Polizei sucht nach Zeugen des Unfalls.", "", {T}),
    ("second-half-gone", ("Die Landesregierung kündigte an, die Förderung für kleine Betriebe im ländlichen Raum "
     "deutlich auszuweiten."), "The state government announced that.", {T}),
    ("run-on", "Der Gipfel in Brüssel endete ohne Einigung.", ("The summit in Brussels ended without an agreement, "
     "and the leaders of the member states said that they would meet again very soon to continue their talks."), {L}),
    ("short-free", "Ja, sagte er.", "Yes, he said.", set()),
    ("exclamation", "Was für ein Spiel!", "What a game!", set()),
    ("faithful-long", "Die Mannschaft gewann das Spiel mit drei zu eins und steht damit an der Tabellenspitze.",
     "The team won the match three to one and is now at the top of the table.", set()),
    # loops
    ("word-loop", "Die Regierung will die Steuern senken.", "The government wants to cut taxes taxes taxes.", {R}),
    ("phrase-loop", "Der Minister sprach über die Zukunft der Region.",
     "The minister spoke about the future of the future of the future of the region.", {R}),
    ("comma-loop", "Die Fans feierten bis tief in die Nacht.", "The fans celebrated, celebrated, celebrated into the night.",
     {R}),
    ("hyphenated-loop", "Der Zwölfjährige wurde gerettet.",
     "The twelve-year-old twelve-year-old twelve-year-old was rescued.", {R}),
    ("score-digits", "Die Gäste gewannen 2:1 (1:1, 1:1).", "The visitors won 2-1 (1-1, 1-1).", set()),
    ("german-loops-too", "Das ist sehr, sehr, sehr wichtig.", "This is very, very, very important.", set()),
    ("twice-is-fine", "Er sagte: Nein, nein.", "He said: no, no.", set()),
]


@pytest.mark.parametrize(("german", "english", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_kinds_flagged(german: str, english: str, expected: set[str]) -> None:
    flags = check_translation(german, english)
    assert {f.kind for f in flags} == expected, [f.message for f in flags]
    for flag in flags:
        assert flag.kind in KINDS and flag.message


CONFIDENCE_CASES = [
    ("low", -2.3, {LOW_CONFIDENCE}),
    ("minus-infinity", -math.inf, {LOW_CONFIDENCE}),
    ("at-threshold", LOW_CONFIDENCE_THRESHOLD, set()),
    ("confident", -0.2, set()),
    ("unknown", None, set()),
]


@pytest.mark.parametrize(("confidence", "expected"), [c[1:] for c in CONFIDENCE_CASES],
                         ids=[c[0] for c in CONFIDENCE_CASES])
def test_low_confidence_below_the_threshold(confidence: float | None, expected: set[str]) -> None:
    flags = check_translation("Der Bürgermeister eröffnete das Rathaus.", "The mayor opened the town hall.",
                              confidence=confidence)
    assert {f.kind for f in flags} == expected


@pytest.mark.parametrize("confidence", [0.5, math.nan], ids=["positive", "nan"])
def test_confidence_must_be_a_log_probability(confidence: float) -> None:
    with pytest.raises(ValueError):
        check_translation("Hallo Welt.", "Hello world.", confidence=confidence)


# (German, English, the details of the number flags): the detail names the canonical values
DETAIL_CASES = [
    ("Die Quote stieg auf 3,5 Prozent.", "The rate rose to 4.5 percent.", ["3.5% → 4.5%"]),
    ("Die Quote stieg auf 3,5 Prozent.", "The rate rose.", ["3.5%"]),
    ("Am 12. März kam er.", "He came on March 12 with 200 people.", ["200"]),
    ("Der Zug fährt um 19.30 Uhr.", "The train leaves at 8:30 pm.", ["19:30 → 20:30"]),
]


@pytest.mark.parametrize(("german", "english", "details"), DETAIL_CASES, ids=["changed", "missing", "extra", "time"])
def test_number_flags_name_the_values(german: str, english: str, details: list[str]) -> None:
    assert [f.detail for f in check_translation(german, english) if f.kind == NUMBER] == details


def test_flags_are_deterministic_and_in_kind_order() -> None:
    german = "Die Regierung will die Steuern um 3 Prozent senken, teilte das Ministerium am Montag in Berlin mit."
    english = "The government wants to cut cut cut taxes by 5 percent."
    flags = check_translation(german, english, confidence=-3.0)
    assert flags == check_translation(german, english, confidence=-3.0)
    assert [f.kind for f in flags] == [NUMBER, TRUNCATED, REPETITION, LOW_CONFIDENCE]
    positions = [KINDS.index(f.kind) for f in flags]
    assert positions == sorted(positions)


@pytest.mark.parametrize(("german", "english", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_flags_round_trip_through_dicts(german: str, english: str, expected: set[str]) -> None:
    for flag in check_translation(german, english, confidence=-5.0):
        assert Flag.from_dict(flag.to_dict()) == flag
        assert set(flag.to_dict()) == {"kind", "message", "detail"}


GERMAN = sorted({c[1] for c in CASES if any(ch.isalpha() for ch in c[1])})


@pytest.mark.parametrize("german", GERMAN, ids=[g[:30] for g in GERMAN])
def test_empty_english_is_truncated(german: str) -> None:
    assert TRUNCATED in {f.kind for f in check_translation(german, "")}
    assert TRUNCATED in {f.kind for f in check_translation(german, "   ")}


@pytest.mark.parametrize("german", GERMAN, ids=[g[:30] for g in GERMAN])
def test_a_copy_never_loses_numbers_or_length(german: str) -> None:
    kinds = {f.kind for f in check_translation(german, german)}
    assert not kinds & {NUMBER, TRUNCATED, LENGTH}


@given(st.text(alphabet="0123456789 .,:-/%()+", max_size=40))
def test_identical_numbers_only_lines_are_never_flagged(line: str) -> None:
    assert check_translation(line, line) == []


@given(st.text(alphabet="0123456789 .,:-/%", max_size=30))
def test_lines_without_letters_are_never_truncated(line: str) -> None:
    assert not {f.kind for f in check_translation(line, "")} & {TRUNCATED, LENGTH, UNTRANSLATED, REPETITION}


def test_length_ratio_is_about_one_for_a_faithful_translation() -> None:
    german = "Die Mannschaft gewann das Spiel und steht damit an der Tabellenspitze der Liga."
    english = "The team won the match and is now at the top of the league table."
    assert 0.8 < length_ratio(german, english) < 1.25
    assert length_ratio(german, "") == 0.0
    assert length_ratio("–", "") == 1.0  # nothing to measure
