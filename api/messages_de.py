"""Every German text of the problem details, one line each: what a counsellor reads when Lotse refuses a request.

`RULES` words each named rule (a domain rule of domain/rules/ and domain/decisions.py, and the service's own:
If-Match, single writer, idempotency key, key store) over the facts the rule names when it refuses
(`{application_id}`, `{date}`, …; dates appear as 02.03.2026). `TITLES` and `DETAILS` cover every problem type,
`MESSAGES` the English messages of field errors and of the problems that name no rule (the English text, as a pattern,
with its German wording).
tests/unit/test_messages_de.py fails for a rule or problem type without its German text.
"""

from domain.offers import COURSE_REF_PATTERN, WEB_ADDRESS_PATTERN
from domain.vocabulary import LINE_PATTERN

NO_APPLICATION = "Einen Anerkennungsantrag „{application_id}“ gibt es in diesem Fall nicht."
NO_RUNNING_DEADLINE = "Die Entscheidungsfrist des Antrags läuft erst, wenn die Unterlagen vollständig sind."

RULES: dict[str, str] = {
    # First contact and corrections
    "birth_date_or_year_required": "Bitte das Geburtsdatum (bevorzugt) oder das Geburtsjahr angeben.",
    "birth_year_matches_birth_date": "Geburtsjahr und Geburtsdatum passen nicht zusammen: das Jahr folgt aus dem Datum.",
    "plausible_birth_year": "Damit wäre die Person beim Erstkontakt {age} Jahre alt (möglich: {min_age} bis {max_age}).",
    "arrival_year_plausible": "Das Einreisejahr {arrival_year} liegt nicht zwischen Geburtsjahr {birth_year} und Erstkontakt.",
    "special_category_needs_consent": "Behinderung und Minderheit werden nur mit Einwilligung als ja oder nein erfasst.",
    "counsellor_active_in_agency": "„{counsellor}“ ist keine aktive Beraterin / kein aktiver Berater der Stelle „{agency}“.",
    "correction_changes_something": "Die Korrektur ändert keine Angabe.",
    "personal_data_already_erased": "Die personenbezogenen Daten dieses Falls sind bereits gelöscht.",
    # Every step
    "case_closed": "Der Fall ist abgeschlossen: möglich sind nur Nachbefragung, Verbleib, Wiederaufnahme oder Widerruf.",
    "date_not_in_future": "Das Datum {date} liegt in der Zukunft (heute ist der {today}).",
    "date_before_first_contact": "Das Datum {date} liegt vor dem Erstkontakt am {opened_on}.",
    "date_not_before_reference": "Das Datum {date} liegt vor {what} am {reference}.",
    # Published reports
    "analysts_read_published_reports": "Auswertungen lesen veröffentlichte Berichte (GET /reports), keine laufenden Zahlen.",
    "report_period_ended": "Der Zeitraum {period} ist noch nicht zu Ende (er endet am {end}; heute ist der {today}).",
    "report_needs_basis": "Ein ESF+-Bericht braucht eine Basis: Eintritte (entry) oder Austritte (exit).",
    "report_takes_no_basis": "Ein Bericht der Art „{kind}“ hat keine Basis.",
    # Assessments
    "assessment_id_unique": "Eine Kompetenzfeststellung „{assessment_id}“ gibt es in diesem Fall schon.",
    "completion_needs_assessment": "Die Kompetenzfeststellung „{assessment_id}“ wurde nicht begonnen.",
    "assessment_completes_once": "Die Kompetenzfeststellung „{assessment_id}“ ist bereits abgeschlossen.",
    # Recognition
    "application_id_unique": "Einen Anerkennungsantrag „{application_id}“ gibt es in diesem Fall schon.",
    "receipt_needs_application": NO_APPLICATION,
    "documents_completion_needs_application": NO_APPLICATION,
    "extension_needs_application": NO_APPLICATION,
    "suspension_needs_application": NO_APPLICATION,
    "resumption_needs_application": NO_APPLICATION,
    "withdrawal_needs_application": NO_APPLICATION,
    "decision_needs_application": NO_APPLICATION,
    "compensation_needs_application": NO_APPLICATION,
    "application_withdrawn": "Der Anerkennungsantrag „{application_id}“ wurde zurückgezogen.",
    "application_decided_once": "Über den Anerkennungsantrag „{application_id}“ ist bereits entschieden.",
    "documents_complete_once": "Die Unterlagen zum Antrag „{application_id}“ sind bereits vollständig.",
    "extension_needs_running_deadline": f"{NO_RUNNING_DEADLINE} Erst dann kann sie verlängert werden.",
    "deadline_extended_once": "Die Frist des Antrags „{application_id}“ wurde schon verlängert (nur einmal möglich).",
    "extension_moves_deadline_later": "Die neue Frist {due} liegt nicht nach der bisherigen Frist {decision_due}.",
    "suspension_needs_running_deadline": f"{NO_RUNNING_DEADLINE} Erst dann kann sie ruhen.",
    "deadline_suspended_already": "Die Frist des Antrags „{application_id}“ ruht bereits seit dem {suspended_since}.",
    "resumption_needs_suspension": "Die Frist des Antrags „{application_id}“ läuft; sie ruht nicht.",
    "final_decision_needs_completed_compensation": "Über „{application_id}“ ist entschieden; nur die volle Gleichwertigkeit kann folgen, nach erfolgreich beendeter Ausgleichsmaßnahme (Lehrgang oder Prüfung zu diesem Antrag).",
    "compensation_only_for_partial": "Eine Ausgleichsmaßnahme folgt nur auf eine teilweise Gleichwertigkeit.",
    "differences_only_for_partial": "Wesentliche Unterschiede werden nur bei teilweiser Gleichwertigkeit angegeben.",
    "compensation_fits_regulation": "Die Ausgleichsmaßnahme passt nicht: reglementierte Berufe Anpassungslehrgang oder Eignungsprüfung, nicht reglementierte Anpassungsqualifizierung oder keine.",
    # Courses
    "course_id_unique": "Einen Kurs „{course_id}“ gibt es in diesem Fall schon.",
    "module_within_modules": "Modul {module} von {modules}: die Modulnummer ist größer als die Zahl der Module.",
    "planned_end_after_start": "Das geplante Ende liegt vor der Anmeldung zum Kurs.",
    "offer_of_agency": "„{offer_id}“ ist keine Kennung eines Angebots aus dem Kurskatalog der Stelle „{agency}“.",
    "course_end_needs_enrolment": "Einen Kurs „{course_id}“ gibt es in diesem Fall nicht.",
    "course_ends_once": "Der Kurs „{course_id}“ ist bereits beendet.",
    # Exams
    "exam_id_unique": "Eine Prüfung „{exam_id}“ gibt es in diesem Fall schon.",
    "validation_needs_age_25": "Das Validierungsverfahren steht erst ab 25 Jahren offen (§ 50b BBiG).",
    "admission_decision_needs_application": "Einen Antrag auf Zulassung zur Prüfung „{exam_id}“ gibt es nicht.",
    "admission_decided_once": "Über die Zulassung zur Prüfung „{exam_id}“ ist bereits entschieden.",
    "result_needs_admission_granted": "Zur Prüfung „{exam_id}“ gibt es keine erteilte Zulassung.",
    "exam_result_once": "Die Prüfung „{exam_id}“ hat ihr Ergebnis; wiederholt wird nur nach „nicht bestanden“.",
    "exam_attempts_exhausted": "Die Prüfung „{exam_id}“ wurde {attempts}-mal abgelegt: § 37 BBiG erlaubt zwei Wiederholungen.",
    "result_fits_route": "Das Ergebnis passt nicht zum Prüfungsweg (Validierung: vollständig, überwiegend, teilweise oder nicht vergleichbar; sonst bestanden oder nicht bestanden).",
    # Staff, exit and after
    "reassignment_changes_counsellor": "„{counsellor}“ betreut den Fall bereits.",
    "leaving_situation_exclusive": "Arbeitsuchend und erwerbstätig schließen sich beim Austritt aus (ESF+ EECR01, EECR04).",
    "leaving_situation_window": "Die Situation beim Austritt wird nach dem Austritt erfasst, höchstens {days} Tage danach.",
    "reopening_needs_closed_case": "Der Fall ist offen; nur ein abgeschlossener Fall kann wieder aufgenommen werden.",
    "follow_up_after_exit": "Eine Nachbefragung wird erst nach dem Austritt erfasst.",
    "reference_date_not_after_date": "Der Stichtag {reference_date} liegt nach dem Tag der Nachbefragung ({date}).",
    "follow_up_situation_only_when_reached": "Erwerbstätigkeit und Verbesserung nur, wenn die Person erreicht wurde.",
    "follow_up_needs_situation": "Bei erreichter Person bitte angeben, ob sie erwerbstätig ist und ob es ihr besser geht.",
    "improvement_matches_improved_situation": "Die Art der Verbesserung und „Situation verbessert“ widersprechen sich.",
    "consent_changes": "Die Einwilligung in besondere Kategorien ist bereits so erfasst.",
    # Qualifications, referrals, the qualification plan
    "qualification_id_unique": "Einen Abschluss „{qualification_id}“ gibt es in diesem Fall schon.",
    "qualification_year_plausible": "Das Abschlussjahr {year} liegt nicht zwischen Geburtsjahr {birth_year} und heute.",
    "recognition_needs_qualification": "Einen Abschluss „{qualification_id}“ gibt es in diesem Fall nicht; bitte zuerst den Abschluss erfassen.",
    "referral_id_unique": "Eine Weiterleitung „{referral_id}“ gibt es in diesem Fall schon.",
    "outcome_needs_referral": "Eine Weiterleitung „{referral_id}“ gibt es in diesem Fall nicht.",
    "plan_item_ids_unique": "Der Schritt „{item_id}“ steht zweimal im Qualifizierungsplan.",
    "target_date_not_before_plan": "Der Schritt „{item_id}“ hat sein Zieldatum {target_date} vor dem Datum des Plans ({date}).",
    "completion_needs_plan_item": "Der aktuelle Qualifizierungsplan hat keinen Schritt „{item_id}“.",
    "plan_item_done_once": "Der Schritt „{item_id}“ des Qualifizierungsplans ist bereits erledigt.",
    # Employers
    "referred_case_of_agency": "Der Fall {case_id} ist kein Fall der Stelle „{agency}“, zu der dieser Betrieb gehört.",
    "employer_changed_changes_something": "Die Änderung nennt keine Angabe (Name, Größe, Branche, Postleitzahl), die sich vom bisherigen Stand unterscheidet.",
    # The course catalogue
    "offer_change_changes_something": "Die Änderung setzt keine Angabe auf einen anderen Wert als bisher.",
    "withdrawn_offer_is_final": "Das Angebot wurde am {withdrawn_on} zurückgezogen: es nimmt keine Änderung und keinen zweiten Rückzug an.",
    "offer_ends_after_start": "Das Angebot endet ({ends_on}) vor seinem Beginn ({starts_on}).",
    "offer_names_an_occupation": "Ein Angebot nennt mindestens einen Beruf, auf den es vorbereitet; nur ein Sprachkurs darf keinen nennen.",
    # The service's own rules
    "if_match_current": "{record} wurde inzwischen geändert (aktuell Version {actual}); bitte neu laden.",
    "single_writer": "Jemand hat den Fall im selben Moment geändert; bitte neu laden und noch einmal senden.",
    "idempotency_key_unique": "Der Idempotency-Key „{key}“ gehörte schon zu einer anderen Anfrage.",
    "wrong_master_key": "Personenbezogene Daten lassen sich nicht öffnen: falscher Hauptschlüssel. Bitte den Betrieb informieren.",
    "key_store_lost": "Personenbezogene Daten lassen sich nicht öffnen: der Schlüsselspeicher fehlt. Bitte den Betrieb informieren.",
    "key_missing": "Personenbezogene Daten lassen sich nicht öffnen: der Schlüssel des Falls fehlt. Bitte den Betrieb informieren.",
    "key_mismatch": "Personenbezogene Daten lassen sich nicht öffnen: der Schlüssel passt nicht. Bitte den Betrieb informieren.",
}

# What a date must not come before (the `what` of date_not_before_reference), in the dative.
REFERENCE_POINTS: dict[str, str] = {
    "the assessment's start": "dem Beginn der Kompetenzfeststellung",
    "the application": "der Antragstellung",
    "the suspension": "dem Ruhen der Frist",
    "the suspension or the application": "dem Ruhen der Frist bzw. der Antragstellung",
    "the previous resumption or the completion of the documents": "dem Wiederanlauf der Frist bzw. den vollständigen Unterlagen",
    "the first decision": "dem ersten Bescheid",
    "the end of the compensation measure": "dem Ende der Ausgleichsmaßnahme",
    "the enrolment": "der Anmeldung zum Kurs",
    "the referral or its previous outcome": "der Weiterleitung bzw. ihrer letzten Rückmeldung",
    "the current plan's agreement": "der Vereinbarung des aktuellen Plans",
    "the plan's agreement": "der Vereinbarung des Plans",
    "the admission application": "dem Antrag auf Zulassung",
    "the admission or the previous attempt": "der Zulassung bzw. dem letzten Prüfungsversuch",
    "the last recorded step": "dem zuletzt erfassten Schritt",
    "the exit": "dem Austritt",
}

TITLES: dict[str, str] = {
    "invalid-request": "Ungültige Anfrage",
    "invalid-step": "Eine Angabe verletzt eine Regel",
    "rule-violated": "Schritt widerspricht dem Fall",
    "malformed-json": "Fehlerhaftes JSON",
    "too-deeply-nested": "Zu tief verschachtelt",
    "unauthorized": "Nicht angemeldet",
    "forbidden": "Nicht erlaubt",
    "not-found": "Nicht gefunden",
    "method-not-allowed": "Methode nicht erlaubt",
    "too-large": "Zu groß",
    "too-many-requests": "Zu viele Anfragen",
    "stale-version": "Fall inzwischen geändert",
    "concurrent-update": "Gleichzeitige Änderung",
    "idempotency-key-reused": "Idempotency-Key schon verwendet",
    "view-lagging": "Auswertungen noch nicht aktuell",
    "position-not-reached": "Keine solche Protokollposition",
    "database-unavailable": "Dienst nicht verfügbar",
    "key-store": "Personenbezogene Daten lassen sich nicht öffnen",
    "error": "Fehler",
    "internal": "Interner Fehler",
}

# The detail of a problem type when its English detail matches none of MESSAGES.
DETAILS: dict[str, str] = {
    "invalid-request": "Die Anfrage enthält ungültige Angaben.",
    "invalid-step": "Eine Angabe verletzt eine Regel.",
    "rule-violated": "Der Schritt widerspricht dem Stand des Falls.",
    "malformed-json": "Der Inhalt der Anfrage ist kein lesbares JSON.",
    "too-deeply-nested": "Der Inhalt der Anfrage ist zu tief verschachtelt.",
    "unauthorized": "Bitte mit einem gültigen Zugangstoken anmelden.",
    "forbidden": "Ihre Rolle darf das nicht.",
    "not-found": "Das gibt es hier nicht (oder es gehört zu einer anderen Stelle).",
    "method-not-allowed": "Diese Methode ist hier nicht erlaubt.",
    "too-large": "Die Anfrage ist zu groß.",
    "too-many-requests": "Zu viele Anfragen; bitte kurz warten.",
    "stale-version": "Der Fall wurde inzwischen geändert; bitte neu laden.",
    "concurrent-update": "Jemand hat den Fall im selben Moment geändert; bitte neu laden und noch einmal senden.",
    "idempotency-key-reused": "Der Idempotency-Key gehörte schon zu einer anderen Anfrage.",
    "view-lagging": "Die Auswertungen sind noch nicht auf dem neuesten Stand; bitte gleich noch einmal versuchen.",
    "position-not-reached": "Das Ereignisprotokoll hat diese Position noch nicht.",
    "database-unavailable": "Die Datenbank ist nicht erreichbar; bitte später noch einmal versuchen.",
    "key-store": "Personenbezogene Daten lassen sich nicht öffnen. Bitte den Betrieb informieren.",
    "error": "Die Anfrage konnte nicht bearbeitet werden.",
    "internal": "Ein unerwarteter Fehler ist aufgetreten.",
}

# English messages (regular expressions, matched whole) and their German wording. `{expected}`, `{got}` and `{type}`
# are translated with TYPE_NAMES, `{message}` with this table again, `{pattern}` with PATTERNS.
MESSAGES: tuple[tuple[str, str], ...] = (
    # paging, and writes a funder's token cannot make
    (r"a cursor of another listing, not of (?P<listing>.+)", "Ein Cursor einer anderen Liste, nicht von {listing}."),
    (
        r"a token of every agency \('\*'\) records nothing: entries belong to one agency",
        "Ein Token für alle Stellen („*“) erfasst nichts: Einträge gehören zu einer Stelle.",
    ),
    # authentication
    (
        r"too many failed authentications from this address; retry later",
        "Zu viele fehlgeschlagene Anmeldungen von dieser Adresse; bitte später erneut versuchen.",
    ),
    # msgspec, decoding a value
    (r"Expected `(?P<expected>[^`]+)`, got `(?P<got>[^`]+)`", "Erwartet: {expected}, erhalten: {got}"),
    (r"Expected `(?P<type>[^`]+)`", "Erwartet: {type}"),
    (r"Expected `str` of length >= (?P<n>\d+)", "Mindestens {n} Zeichen"),
    (r"Expected `str` of length <= (?P<n>\d+)", "Höchstens {n} Zeichen"),
    (r"Expected `(?:array|object|bytes)` of length >= (?P<n>\d+)", "Mindestens {n} Einträge"),
    (r"Expected `(?:array|object|bytes)` of length <= (?P<n>\d+)", "Höchstens {n} Einträge"),
    (r"Expected `array` of length (?P<n>\d+), got (?P<got>\d+)", "Erwartet: {n} Einträge, erhalten: {got}"),
    (r"Expected `array` of length (?P<n>\d+) to (?P<m>\d+), got (?P<got>\d+)", "Erwartet: {n} bis {m} Einträge"),
    (r"Expected `array` of at least length (?P<n>\d+), got (?P<got>\d+)", "Mindestens {n} Einträge"),
    (r"Expected `array` of at most length (?P<n>\d+), got (?P<got>\d+)", "Höchstens {n} Einträge"),
    (r"Expected `(?P<type>[^`]+)` >= (?P<n>\S+)", "Erwartet: {type}, mindestens {n}"),
    (r"Expected `(?P<type>[^`]+)` <= (?P<n>\S+)", "Erwartet: {type}, höchstens {n}"),
    (r"Expected `(?P<type>[^`]+)` > (?P<n>\S+)", "Erwartet: {type}, größer als {n}"),
    (r"Expected `(?P<type>[^`]+)` < (?P<n>\S+)", "Erwartet: {type}, kleiner als {n}"),
    (r"Expected `(?P<type>[^`]+)` that's a multiple of (?P<n>\S+)", "Erwartet: {type}, ein Vielfaches von {n}"),
    (r"Expected `str` matching regex (?P<pattern>.+)", "Ungültiges Format: erwartet {pattern}"),
    (r"Expected `(?P<type>[^`]+)` with a timezone component", "Erwartet: {type} mit Zeitzone (z. B. Z oder +01:00)"),
    (r"Expected `(?P<type>[^`]+)` with no timezone component", "Erwartet: {type} ohne Zeitzone"),
    (r"Invalid enum value '(?P<value>.*)'", "Unzulässiger Wert „{value}“"),
    (r"Invalid enum value (?P<value>.*)", "Unzulässiger Wert {value}"),
    (r"Invalid value '(?P<value>.*)'", "Unzulässiger Wert „{value}“"),
    (r"Invalid value (?P<value>.*)", "Unzulässiger Wert {value}"),
    (r"Object missing required field `(?P<name>[^`]+)`", "Pflichtangabe fehlt: {name}"),
    (r"Object contains unknown field `(?P<name>[^`]+)`", "Unbekanntes Feld: {name}"),
    (r"Invalid RFC3339 encoded date", "Kein gültiges Datum (JJJJ-MM-TT, z. B. 2026-03-02)"),
    (r"Invalid RFC3339 encoded datetime", "Kein gültiger Zeitpunkt (z. B. 2026-03-02T10:00:00Z)"),
    (r"Invalid RFC3339 encoded time", "Keine gültige Uhrzeit"),
    (r"Invalid UUID", "Keine gültige UUID"),
    (r"Integer value out of range|Number out of range", "Die Zahl liegt außerhalb des zulässigen Bereichs"),
    (r"Invalid base64 encoded string", "Kein gültiger Base64-Text"),
    (r"Invalid decimal string", "Keine gültige Dezimalzahl"),
    (r"Invalid ISO8601 duration", "Keine gültige Dauer (ISO 8601)"),
    (r"JSON is malformed: (?P<reason>.+) \(byte (?P<byte>\d+)\)", "Das JSON ist fehlerhaft (bei Byte {byte})"),
    (r"Input data was truncated", "Das JSON ist unvollständig"),
    (r"Missing required (?P<kind>\w+) parameter", "Pflichtparameter fehlt"),
    # Query parameters the service refuses
    (r"not a cursor this service handed out", "Kein Cursor, den dieser Dienst ausgegeben hat"),
    (r"give as_of_version or as_of, not both", "Bitte as_of_version oder as_of angeben, nicht beides"),
    (
        r"an instant needs a time zone offset, e\.g\. (?P<example>\S+)",
        "Ein Zeitpunkt braucht eine Zeitzone, z. B. {example}",
    ),
    (
        r"names no word to find \(a word is a run of letters\)",
        "Enthält kein Wort zum Suchen (ein Wort sind Buchstaben)",
    ),
    (r"the period ends before it starts", "Der Zeitraum endet, bevor er beginnt"),
    (r"unknown definition \(known: (?P<known>.+)\)", "Unbekannte Definition (bekannt: {known})"),
    (
        r"the log has no position (?P<n>\d+) \(it is at (?P<head>\d+)\)",
        "Das Protokoll hat keine Position {n} (Stand {head})",
    ),
    # Problems that name no rule
    (r"case (?P<case>\S+) not found", "Fall {case} nicht gefunden."),
    (
        r"case (?P<case>\S+) has no version (?P<n>\d+) \(it is at version (?P<latest>\d+)\)",
        "Fall {case} hat keine Version {n} (aktuell: Version {latest}).",
    ),
    (
        r"the role '(?P<role>[^']+)' may not do this \(allowed: (?P<allowed>.+)\)",
        "Die Rolle „{role}“ darf das nicht (erlaubt: {allowed}).",
    ),
    (
        r"a counsellor reads her own caseload and deadlines; a lead the agency's",
        "Beraterinnen und Berater sehen ihre eigenen Fälle und Fristen, die Leitung die der Stelle.",
    ),
    (r"only a lead may reassign a case", "Nur die Leitung kann einen Fall neu zuweisen."),
    (
        r"analysts read published reports \(GET /reports\), not the live statistics",
        "Auswertungen lesen veröffentlichte Berichte (GET /reports), keine laufenden Zahlen.",
    ),
    (
        r"a report of agency '(?P<wanted>[^']+)' is not the agency '(?P<agency>[^']+)' of the caller",
        "Ein Bericht der Stelle „{wanted}“ ist nicht einer der eigenen Stelle „{agency}“.",
    ),
    (
        r"finding clients by name \(q\) is for counsellors and leads: the role '(?P<role>[^']+)' never sees clients' names",
        "Die Suche nach Namen (q) ist Beratung und Leitung vorbehalten: die Rolle „{role}“ sieht keine Namen.",
    ),
    (
        r"a bearer token is required \(Authorization: Bearer <token>\)",
        "Bitte ein Zugangstoken senden (Authorization: Bearer …).",
    ),
    (r"the bearer token is invalid, expired or revoked", "Das Zugangstoken ist ungültig, abgelaufen oder widerrufen."),
    (r"too many requests for this token; slow down", "Zu viele Anfragen mit diesem Token; bitte langsamer."),
    (
        r"the views have not reached position (?P<n>\d+) yet; retry shortly",
        "Die Auswertungen haben Position {n} noch nicht erreicht; bitte gleich noch einmal versuchen.",
    ),
    (
        r"the log has no position (?P<n>\d+) yet \(it is at (?P<head>\d+)\)",
        "Das Ereignisprotokoll hat noch keine Position {n} (Stand {head}).",
    ),
    (r"the request body cannot be read: (?P<message>.+)", "Der Inhalt der Anfrage ist nicht lesbar: {message}"),
    (r"the request body is not valid UTF-8", "Der Inhalt der Anfrage ist kein gültiges UTF-8."),
    (r"a value cannot be stored \(control characters\?\)", "Ein Wert kann nicht gespeichert werden (Steuerzeichen?)."),
    (r"the request needs a JSON body", "Die Anfrage braucht einen JSON-Inhalt"),
)

# msgspec's names of JSON types, as `{expected}`, `{got}` or `{type}`.
TYPE_NAMES: dict[str, str] = {
    "int": "ganze Zahl",
    "float": "Zahl",
    "str": "Text",
    "bool": "true oder false",
    "null": "null",
    "object": "Objekt",
    "array": "Liste",
    "date": "Datum",
    "datetime": "Zeitpunkt",
    "time": "Uhrzeit",
    "uuid": "UUID",
    "bytes": "Base64-Text",
    "decimal": "Dezimalzahl",
}

# The formats the API's patterns ask for (domain/vocabulary.py, api/params.py, the headers), as `{pattern}`: the
# message names a pattern as msgspec writes it, quoted (`'^[a-z]{2}$'`). A counsellor reads words, never the pattern.
PATTERNS: dict[str, str] = {
    repr(pattern): words
    for pattern, words in {
        r"^[A-Za-z0-9][A-Za-z0-9._:-]*$": "eine Kennung aus Buchstaben, Ziffern und . _ : - (vorn Buchstabe oder Ziffer)",
        r"^[A-Za-z0-9][A-Za-z0-9._@-]*$": "einen Namen aus Buchstaben, Ziffern und . _ @ - (vorn Buchstabe oder Ziffer)",
        r"^[a-z0-9][a-z0-9_-]*$": "eine Kennung aus Kleinbuchstaben, Ziffern, _ und - (vorn Buchstabe oder Ziffer)",
        r"^[A-Z]{2}$": "einen Ländercode aus zwei Großbuchstaben (ISO 3166, z. B. TR)",
        r"^[a-z]{2}$": "einen Sprachcode aus zwei Kleinbuchstaben (ISO 639-1, z. B. de, ar, tr)",
        r"^[0-9]{5}$": "fünf Ziffern (z. B. 50667)",
        r"^[0-9]{1,5}$": "bis zu fünf Ziffern (den Anfang einer Postleitzahl)",
        r"^[0-9]+$": "nur Ziffern",
        r'^"[0-9]+"$': 'eine Versionsnummer in Anführungszeichen (z. B. "3")',
        r"^[\x21-\x7e]+$": "sichtbare ASCII-Zeichen ohne Leerzeichen",
        COURSE_REF_PATTERN: "Text ohne Semikolon und ohne Steuerzeichen, der nicht mit einem Leerraum beginnt",
        WEB_ADDRESS_PATTERN: "eine Webadresse, die mit http:// oder https:// beginnt",
        LINE_PATTERN: "eine Zeile Text ohne Steuerzeichen (wie Tabulator oder Zeilenumbruch) und ohne Zeichen, die die"
        " Schreibrichtung umkehren",
        r"^20[0-9]{2}(-Q[1-4]|-(0[1-9]|1[0-2]))?$": "ein Jahr (2025), ein Quartal (2025-Q3) oder einen Monat (2025-07)",
    }.items()
}
