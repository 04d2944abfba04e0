"""The German words for the API's vocabulary: every field and value a counsellor reads, in one place.

The dashboard loads these tables as they are (GET /dashboard/vocabulary.json, api/dashboard_static/js/labels.js) to
label its pages and the step forms it generates from the OpenAPI document; the API names fields with them in German
problem details (api/language.py). tests/unit/test_vocabulary_de.py fails for a field or value of the step union, the
first contact or the case that has no German word here, so a new step type brings its words with it.

A value's word is `VALUES_OF[field][value]` where a field words a value its own way, else `VALUES[value]`; a field's
label is `STEP_FIELDS[step type][field]` inside that step's form, else `FIELDS[field]`.
"""

ROLES: dict[str, str] = {
    "counsellor": "Beratung",
    "lead": "Teamleitung",
    "auditor": "Revision",  # not "Prüfung": that is the exam phase of a case
    "analyst": "Auswertung",
}

STAGES: dict[str, str] = {
    "first_contact": "Erstkontakt",
    "assessment": "Kompetenzfeststellung",
    "recognition": "Anerkennung",
    "course": "Qualifizierung",
    "exam": "Prüfung",
    "closed": "Abgeschlossen",
}

STATUSES: dict[str, str] = {
    "open": "offen",
    "closed": "abgeschlossen",
}

DEADLINE_KINDS: dict[str, str] = {
    "recognition_decision": "Anerkennungsbescheid fällig",
    "follow_up": "Nachbefragung nach sechs Monaten",
    "no_contact": "Seit 60 Tagen kein Kontakt",
    "recognition_receipt": "Eingangsbestätigung fällig",
    "referral_feedback": "Rückmeldung zur Weiterleitung fällig",
    "plan_item": "Schritt des Qualifizierungsplans fällig",
}

DEADLINE_REFS: dict[str, str] = {
    "contact": "letzter Kontakt",
    "exit": "Austritt",
}

EVENT_TYPES: dict[str, str] = {
    "case_opened": "Fall eröffnet (Erstkontakt)",
    "profile_corrected": "Profil berichtigt",
    "counselling_session_held": "Beratungsgespräch",
    "assessment_started": "Kompetenzfeststellung begonnen",
    "assessment_completed": "Kompetenzfeststellung abgeschlossen",
    "recognition_applied": "Anerkennung beantragt",
    "recognition_receipt_confirmed": "Antragseingang bestätigt",
    "recognition_documents_completed": "Unterlagen vollständig",
    "recognition_deadline_extended": "Bescheidfrist verlängert",
    "recognition_decided": "Anerkennungsbescheid",
    "course_enrolled": "Kurs begonnen",
    "course_completed": "Kurs abgeschlossen",
    "course_dropped": "Kurs abgebrochen",
    "exam_admission_applied": "Prüfungszulassung beantragt",
    "exam_admission_decided": "Über Prüfungszulassung entschieden",
    "exam_result_recorded": "Prüfungsergebnis",
    "counsellor_assigned": "Fall neu zugewiesen",
    "case_closed": "Austritt (Fall abgeschlossen)",
    "case_reopened": "Fall wieder eröffnet",
    "follow_up_recorded": "Nachbefragung erfasst",
    "consent_changed": "Einwilligung geändert",
    "personal_data_erased": "Personenbezogene Daten gelöscht",
    "recognition_deadline_suspended": "Bescheidfrist ruht",
    "recognition_deadline_resumed": "Bescheidfrist läuft wieder",
    "recognition_withdrawn": "Anerkennungsantrag zurückgezogen",
    "leaving_situation_recorded": "Situation beim Austritt erfasst",
    "qualification_recorded": "Abschluss erfasst",
    "referral_made": "Weitergeleitet",
    "referral_outcome_recorded": "Rückmeldung zur Weiterleitung",
    "plan_agreed": "Qualifizierungsplan vereinbart",
    "plan_item_done": "Schritt des Plans erledigt",
}

FIELDS: dict[str, str] = {
    "agency": "Träger",
    "counsellor": "Beratung",
    "first_contact_on": "Erstkontakt",
    "channel": "Zugangsweg",
    "referral_source": "Vermittelt durch",
    "profile": "Profil",
    "consent": "Einwilligung",
    "minutes": "Minuten",
    "topics": "Themen",
    "note": "Notiz",
    "assessment_id": "Kennung der Feststellung",
    "instrument": "Verfahren",
    "recommended_pathway": "Empfohlener Weg",
    "result": "Ergebnis",
    "application_id": "Kennung des Antrags",
    "reference_occupation": "Referenzberuf",
    "responsible_body": "Zuständige Stelle",
    "regulated": "Reglementiert",
    "fast_track": "Beschleunigtes Verfahren",
    "missing_documents": "Fehlende Unterlagen",
    "due": "Fällig am",
    "reason": "Grund",
    "outcome": "Ergebnis",
    "substantial_differences": "Wesentliche Unterschiede",
    "compensation": "Ausgleichsmaßnahme",
    "course_id": "Kurs-Kennung",
    "kind": "Art",
    "provider": "Anbieter",
    "funding": "Förderung",
    "module": "Modul",
    "modules": "Module",
    "planned_end": "Geplantes Ende",
    "certificate": "Zertifikat",
    "exam_id": "Kennung der Prüfung",
    "route": "Verfahren",
    "occupation": "Beruf",
    "chamber": "Kammer",
    "granted": "Zugelassen",
    "situation": "Situation",
    "job_searching": "arbeitsuchend",
    "in_education_or_training": "in Bildung oder Ausbildung",
    "qualification_gained": "Qualifikation erworben",
    "employed": "erwerbstätig",
    "improved_situation": "Situation verbessert",
    "special_categories": (
        "Einwilligung in die Verarbeitung besonderer Kategorien (Behinderung, Zugehörigkeit zu einer Minderheit)"
    ),
    "foreign_background": "ausländische Herkunft",
    "third_country_national": "drittstaatsangehörig",
    "disability": "Behinderung",
    "minority": "Minderheit",
    "homeless": "wohnungslos",
    "rural": "ländlich",
    "birth_year": "Geburtsjahr",
    "gender": "Geschlecht",
    "labour_status": "Erwerbsstatus",
    "isced": "Bildungsniveau (ISCED 0–8)",
    "qualification_country": "Land der Qualifikation",
    "target_occupation": "Zielberuf",
    "target_kldb": "KldB-Code des Zielberufs",
    "german_level": "Deutschkenntnisse",
    "arrival_year": "Einreisejahr",
    "age_at_entry": "Alter beim Eintritt",
    "age_exact": "Alter genau",
    "participant_id": "Teilnehmende Person",
    "birth_date": "Geburtsdatum",
    "mode": "Gesprächsform",
    "language": "Sprache",
    "interpreter": "mit Dolmetschung",
    "qualification_id": "Kennung des Abschlusses",
    "country": "Land",
    "title": "Bezeichnung",
    "year": "Jahr",
    "referral_id": "Kennung der Weiterleitung",
    "to": "Weitergeleitet an",
    "topic": "Thema",
    "referred_to": "Weitergeleitet an",
    "attendees": "Teilnehmende",
    "organisation": "Stelle",
    "purpose": "Anlass",
    "items": "Planschritte",
    "item_id": "Kennung des Planschritts",
    "description": "Beschreibung",
    "target_date": "Zieldatum",
    "offer_id": "Kennung des Kursangebots",
    "basis": "Grundlage",
    "reference_date": "Stichtag",
    "improvement": "Verbesserung",
    "self_employed": "selbstständig",
}

VALUES: dict[str, str] = {
    "in_person": "persönlich",
    "video": "Video",
    "outreach": "aufsuchend",
    "school": "Schulabschluss",
    "vocational": "Berufsabschluss",
    "academic": "Hochschulabschluss",
    "walk_in": "persönlich",
    "phone": "Telefon",
    "email": "E-Mail",
    "outreach_event": "Informationsveranstaltung",
    "referral": "Vermittlung",
    "self": "Selbstmeldung",
    "jobcenter": "Jobcenter",
    "employment_agency": "Agentur für Arbeit",
    "employer": "Arbeitgeber",
    "migrant_organisation": "Migrantenorganisation",
    "language_course": "Sprachkurs",
    "profilpass": "ProfilPASS",
    "myskills": "MYSKILLS",
    "qualification_analysis": "Qualifikationsanalyse",
    "recognition": "Anerkennung",
    "external_exam": "Externenprüfung",
    "validation": "Validierung",
    "partial_qualifications": "Teilqualifikationen",
    "retraining": "Umschulung",
    "apprenticeship": "Ausbildung",
    "ihk_fosa": "IHK FOSA",
    "hwk": "Handwerkskammer",
    "ihk": "IHK",
    "state_authority": "Landesbehörde",
    "full": "voll",
    "partial": "teilweise",
    "predominant": "überwiegend",
    "none": "keine",
    "other": "andere",
    "passed": "bestanden",
    "failed": "nicht bestanden",
    "adaptation_course": "Anpassungslehrgang",
    "aptitude_test": "Eignungs- oder Kenntnisprüfung",
    "adaptation_qualification": "Anpassungsqualifizierung",
    "exam_preparation": "Prüfungsvorbereitung",
    "partial_qualification": "Teilqualifikation",
    "language": "Sprachkurs",
    "education_voucher": "Bildungsgutschein",
    "sgb3_82": "§ 82 SGB III",
    "qualification_allowance": "Qualifizierungsgeld",
    "esf": "ESF+",
    "bildungsscheck": "Bildungsscheck",
    "qualification_obtained": "Qualifikation erworben",
    "recognition_obtained": "Anerkennung erreicht",
    "employment": "Arbeitsaufnahme",
    "dropped_out": "abgebrochen",
    "moved_away": "verzogen",
    "no_contact": "kein Kontakt mehr",
    "female": "weiblich",
    "male": "männlich",
    "diverse": "divers",
    "unspecified": "ohne Angabe",
    "unemployed": "arbeitslos",
    "long_term_unemployed": "langzeitarbeitslos",
    "employed": "erwerbstätig",
    "self_employed": "selbstständig",
    "inactive": "nicht erwerbstätig",
    "yes": "ja",
    "no": "nein",
    "unknown": "unbekannt",
}

EMPLOYER_SIZES: dict[str, str] = {
    "micro": "Kleinstunternehmen",
    "small": "Kleines Unternehmen",
    "medium": "Mittleres Unternehmen",
    "large": "Großunternehmen",
}

GENDER_COLUMNS: dict[str, str] = {
    "female": "weiblich",
    "male": "männlich",
    "diverse": "divers",
    "unspecified": "ohne Angabe",
    "total": "gesamt",
}

INDICATORS: dict[str, str] = {
    "EECO01": "Teilnehmende insgesamt",
    "EECO02": "Arbeitslose, einschließlich Langzeitarbeitslose",
    "EECO03": "Langzeitarbeitslose",
    "EECO04": "Nichterwerbstätige",
    "EECO05": "Erwerbstätige, einschließlich Selbstständige",
    "EECO06": "unter 18 Jahren",
    "EECO07": "18 bis 29 Jahre",
    "EECO08": "55 Jahre und älter",
    "EECO09": "ISCED 0–2",
    "EECO10": "ISCED 3–4",
    "EECO11": "ISCED 5–8",
    "EECO12": "mit Behinderungen",
    "EECO13": "Drittstaatsangehörige",
    "EECO14": "ausländischer Herkunft",
    "EECO15": "Minderheiten",
    "EECO16": "obdachlos oder von Wohnungsnot betroffen",
    "EECO17": "aus ländlichen Gebieten",
    "EECO19": "unterstützte kleine und mittlere Unternehmen (Anzahl der Unternehmen)",
    "EECR01": "beim Austritt arbeitsuchend",
    "EECR02": "beim Austritt in Bildung oder Ausbildung",
    "EECR03": "beim Austritt mit Qualifikation",
    "EECR04": "beim Austritt erwerbstätig",
    "EECR05": "sechs Monate nach Austritt erwerbstätig",
    "EECR06": "sechs Monate nach Austritt in besserer Arbeitsmarktsituation",
}

PATHWAYS: dict[str, str] = {
    "recognition": "Anerkennung",
    "validation": "Validierung",
    "partial_qualifications": "Teilqualifikationen",
    "external_exam": "Externenprüfung",
    "retraining": "Umschulung",
    "undecided": "noch offen",
}

FUNNEL_STAGES: dict[str, str] = {
    "first_contact": "Erstkontakt",
    "assessment": "Kompetenzfeststellung",
    "pathway_started": "Weg begonnen",
    "outcome": "Ergebnis",
    "exit": "Austritt",
    "qualified": "Qualifiziert",
}

SESSION_MODES: dict[str, str] = {
    "in_person": "persönlich",
    "phone": "Telefon",
    "email": "E-Mail",
    "video": "Video",
    "outreach": "aufsuchend",
}

LANGUAGES: dict[str, str] = {
    "de": "Deutsch",
    "tr": "Türkisch",
    "ru": "Russisch",
    "ar": "Arabisch",
    "uk": "Ukrainisch",
    "fa": "Persisch",
    "pl": "Polnisch",
    "ro": "Rumänisch",
    "en": "Englisch",
    "fr": "Französisch",
    "es": "Spanisch",
    "it": "Italienisch",
    "ku": "Kurdisch",
    "ti": "Tigrinya",
    "sq": "Albanisch",
    "sr": "Serbisch",
    "hr": "Kroatisch",
    "bg": "Bulgarisch",
    "el": "Griechisch",
    "vi": "Vietnamesisch",
}

CONTACT_TOPICS: dict[str, str] = {
    "recognition": "Anerkennung",
    "external_exam": "Externenprüfung",
    "validation": "Validierung",
    "partial_qualifications": "Teilqualifikationen",
    "funding": "Förderung",
    "courses": "Kurse",
    "employer": "Arbeitgeber",
    "other": "Sonstiges",
}

OUTREACH_KINDS: dict[str, str] = {
    "information_event": "Infoveranstaltung",
    "fair": "Messe",
    "migrant_organisation": "Migrantenorganisation",
    "integration_course": "Integrationskurs",
    "company": "Betrieb",
    "other": "Sonstiges",
}

REFERRAL_TARGETS: dict[str, str] = {
    "recognition_body": "Anerkennungsstelle",
    "chamber": "Kammer",
    "jobcenter": "Jobcenter",
    "employment_agency": "Agentur für Arbeit",
    "language_course": "Sprachkurs",
    "migration_counselling": "Migrationsberatung",
    "course_provider": "Bildungsträger",
    "employer": "Arbeitgeber",
    "other": "Sonstige",
}

REFERRAL_OUTCOMES: dict[str, str] = {
    "appointment_kept": "Termin wahrgenommen",
    "accepted": "angenommen",
    "completed": "abgeschlossen",
    "declined": "abgelehnt",
    "no_show": "nicht erschienen",
    "no_feedback": "keine Rückmeldung",
    "pending": "offen",
}

FIELDS.update(
    {
        "address": "Adresse",
        "admission_applied_on": "Zulassung beantragt am",
        "admission_decided_on": "Zulassung entschieden am",
        "admission_reason": "Begründung der Zulassungsentscheidung",
        "agreed_on": "vereinbart am",
        "applications": "Anerkennungsanträge",
        "applied_on": "beantragt am",
        "assessments": "Kompetenzfeststellungen",
        "attempts": "Versuche",
        "closed_on": "Austritt am",
        "completed_on": "abgeschlossen am",
        "courses": "Kurse",
        "date": "Datum",
        "deadline_extended": "Frist verlängert",
        "deadlines": "Fristen",
        "decided_on": "entschieden am",
        "decision_due": "Bescheid fällig am",
        "documents_completed_on": "Unterlagen vollständig am",
        "done_on": "erledigt am",
        "done_with": "erledigt durch",
        "drop_reason": "Grund des Abbruchs",
        "email": "E-Mail",
        "ended_on": "beendet am",
        "enrolled_on": "angemeldet am",
        "exams": "Prüfungen",
        "exit": "Austritt",
        "final_decided_on": "abschließend entschieden am",
        "follow_up": "Nachbefragung",
        "follow_ups": "Nachbefragungen",
        "id": "Fall-ID",
        "last_contact_on": "Letzter Kontakt",
        "last_step_on": "Letzter Schritt",
        "leaving_situation": "Situation beim Austritt",
        "name": "Name",
        "opened_on": "Erstkontakt",
        "outcome_on": "Rückmeldung am",
        "personal": "Personenbezogene Daten",
        "personal_data_erased": "Personenbezogene Daten gelöscht",
        "phone": "Telefon",
        "plan": "Qualifizierungsplan",
        "qualifications": "Abschlüsse",
        "receipt_confirmed_on": "Eingang bestätigt am",
        "recorded_at": "erfasst um",
        "recorded_on": "erfasst am",
        "ref": "betrifft",
        "referrals": "Weiterleitungen",
        "referred_on": "weitergeleitet am",
        "result_on": "Ergebnis am",
        "resumed_on": "Frist läuft wieder seit",
        "special_categories_consent": "Einwilligung besondere Kategorien",
        "stage": "Phase",
        "started_on": "begonnen am",
        "status": "Stand",
        "suspended_days": "Tage geruht",
        "suspended_since": "ruht seit",
        "suspension_reason": "Grund des Ruhens",
        "type": "Schritt",
        "version": "Version",
        "withdrawal_reason": "Grund der Rücknahme",
        "withdrawn_on": "zurückgezogen am",
    }
)

VALUES.update(
    {
        "A1": "A1",
        "A2": "A2",
        "B1": "B1",
        "B2": "B2",
        "C1": "C1",
        "C2": "C2",
        "native": "Muttersprache",
        "accepted": "angenommen",
        "appointment_kept": "Termin wahrgenommen",
        "completed": "abgeschlossen",
        "declined": "abgelehnt",
        "no_feedback": "keine Rückmeldung",
        "no_show": "nicht erschienen",
        "reached": "erreicht",
        "refused": "Auskunft verweigert",
        "unreachable": "nicht erreicht",
        "admission_applied": "Zulassung beantragt",
        "admission_granted": "zugelassen",
        "admission_refused": "nicht zugelassen",
        "answered": "beantwortet",
        "applied": "beantragt",
        "decided": "entschieden",
        "documents_complete": "Unterlagen vollständig",
        "done": "erledigt",
        "dropped": "abgebrochen",
        "enrolled": "angemeldet",
        "open": "offen",
        "overdue": "überfällig",
        "receipt_confirmed": "Eingang bestätigt",
        "result_recorded": "Ergebnis liegt vor",
        "started": "begonnen",
        "waiting": "wartet auf Rückmeldung",
        "withdrawn": "zurückgezogen",
        "assessment": "Kompetenzfeststellung",
        "course": "Kurs",
        "exam": "Prüfung",
        "closed": "abgeschlossen",
        "first_contact": "Erstkontakt",
        "chamber": "Kammer",
        "course_provider": "Bildungsträger",
        "migration_counselling": "Migrationsberatung",
        "recognition_body": "Anerkennungsstelle",
        "credible_evidence": "Glaubhaftmachung",
        "foreign_qualification": "ausländischer Abschluss",
        "work_experience": "Berufserfahrung",
        "documents_requested": "Unterlagen nachgefordert",
        "higher_skilled": "höher qualifizierte Tätigkeit",
        "more_responsibility": "mehr Verantwortung",
        "precarious_to_stable": "von prekär zu stabil",
        "underemployed_to_full": "von Unterbeschäftigung zu Vollzeit",
        "not_comparable": "nicht vergleichbar",
        "school_authority": "Schulbehörde",
        "zab": "ZAB",
        "follow_up": "Nachbefragung nach sechs Monaten",
        "plan_item": "Schritt des Qualifizierungsplans fällig",
        "recognition_decision": "Anerkennungsbescheid fällig",
        "recognition_receipt": "Eingangsbestätigung fällig",
        "referral_feedback": "Rückmeldung zur Weiterleitung fällig",
    }
)

# Where a field words a value otherwise than VALUES does.
VALUES_OF: dict[str, dict[str, str]] = {
    "kind": {
        "no_contact": "Seit 60 Tagen kein Kontakt",
        "referral": "Weiterleitung",
        **OUTREACH_KINDS,  # an outreach event's kind (its "other" reads "Sonstiges" too)
    },
    "topic": CONTACT_TOPICS,
    "referred_to": REFERRAL_TARGETS,
    "stage": STAGES,
    "outcome": {
        "none": "keine Gleichwertigkeit",
        "full": "volle Gleichwertigkeit",
        "partial": "teilweise Gleichwertigkeit",
    },
    "result": {"full": "vollständig", "partial": "teilweise"},
    "recommended_pathway": {"none": "keine Empfehlung"},
    "funding": {"self": "selbst finanziert"},
    "german_level": {"none": "keine", "unknown": "unbekannt"},
    "to": REFERRAL_TARGETS,
    "language": LANGUAGES,
    "ref": DEADLINE_REFS,
}

# Where a step's form labels a field otherwise than FIELDS does.
STEP_FIELDS: dict[str, dict[str, str]] = {
    "recognition_deadline_extended": {"due": "Neue Frist", "reason": "Grund der Verlängerung"},
    "recognition_deadline_suspended": {"reason": "Grund des Ruhens"},
    "recognition_withdrawn": {"reason": "Grund der Rücknahme"},
    "course_dropped": {"reason": "Grund des Abbruchs"},
    "exam_admission_decided": {"reason": "Begründung"},
    "counsellor_assigned": {"counsellor": "Neue Beratung", "reason": "Grund"},
    "case_closed": {"reason": "Grund des Austritts", "situation": "Situation beim Austritt"},
    "assessment_completed": {"result": "Ergebnis (Freitext)"},
    "exam_result_recorded": {"result": "Ergebnis"},
    "plan_agreed": {"items": "Planschritte"},
    "referral_outcome_recorded": {"outcome": "Rückmeldung"},
    "follow_up_recorded": {"outcome": "Erreicht?"},
    # The desk's records beside the cases (POST /contacts, POST /outreach-events), in the forms of their page.
    "short_contact": {"mode": "Form des Kontakts", "language": "Sprache des Kontakts"},
    "outreach_event": {"title": "Anlass (ohne Namen von Personen)", "kind": "Art der Veranstaltung"},
}

# The steps that give a record of the case its id; every other step with such a field refers to an id the case
# holds. The form asks for a new id here and offers the case's ids only where one is referred to.
NEW_IDS: dict[str, list[str]] = {
    "assessment_started": ["assessment_id"],
    "recognition_applied": ["application_id"],
    "course_enrolled": ["course_id"],
    "exam_admission_applied": ["exam_id"],
    "qualification_recorded": ["qualification_id"],
    "referral_made": ["referral_id"],
    "plan_agreed": ["item_id"],
}

# What one entry of a list of objects is called in a form ("Schritt 2", "Schritt hinzufügen").
LIST_ENTRIES: dict[str, str] = {"items": "Planschritt"}

# The plan's items, the course catalogue, published reports and the statistics' own words.
PLAN_ITEM_STATUSES: dict[str, str] = {"open": "offen", "done": "erledigt", "overdue": "überfällig"}
PLAN_ITEM_KINDS: dict[str, str] = {
    "assessment": "Kompetenzfeststellung",
    "recognition": "Anerkennung",
    "course": "Kurs",
    "exam": "Prüfung",
    "language": "Sprachkurs",
    "referral": "Weiterleitung",
    "other": "Sonstiges",
}
COURSE_KINDS: dict[str, str] = {
    "exam_preparation": "Prüfungsvorbereitung",
    "partial_qualification": "Teilqualifikation",
    "adaptation_qualification": "Anpassungsqualifizierung",
    "adaptation_course": "Anpassungslehrgang",
    "language": "Sprachkurs",
    "retraining": "Umschulung",
}
SCHEDULES: dict[str, str] = {"full_time": "Vollzeit", "part_time": "Teilzeit", "evening": "abends", "online": "online"}
FUNDING: dict[str, str] = {
    "education_voucher": "Bildungsgutschein",
    "sgb3_82": "§ 82 SGB III",
    "qualification_allowance": "Qualifizierungsgeld",
    "esf": "ESF+",
    "bildungsscheck": "Bildungsscheck",
    "employer": "Arbeitgeber",
    "self": "selbst finanziert",
    "other": "andere",
}
REPORT_KINDS: dict[str, str] = {
    "esf": "ESF+-Indikatoren",
    "activity": "Tätigkeitsbericht",
    "funnel": "Verlauf nach Wegen",
}
REPORT_BASES: dict[str, str] = {"entry": "Eintritte", "exit": "Austritte"}
STATISTICS_BASES: dict[str, str] = {
    "entry": "Eintritt – Erstkontakt im Zeitraum",
    "exit": "Austritt – Austritt im Zeitraum",
}
FOLLOW_UP_RESPONSES: dict[str, str] = {
    "due": "fällig (Austritte im Zeitraum)",
    "reached": "erreicht",
    "unreachable": "nicht erreicht",
    "refused": "Auskunft verweigert",
    "missing": "keine Nachbefragung im Zeitfenster",
}
ACTIVITY_TOTALS: dict[str, str] = {
    "sessions": "Beratungsgespräche",
    "persons_counselled": "Beratene Personen",
    "persons_with_foreign_background": "Beratene Personen mit Migrationshintergrund",
    "persons_without_foreign_background": "Beratene Personen ohne Migrationshintergrund",
    "share_foreign_background": "Anteil mit Migrationshintergrund",
    "new_cases": "Neue Fälle",
    "short_contacts": "Kurzkontakte",
    "outreach_events": "Infoveranstaltungen",
    "outreach_attendees": "Teilnehmende an Infoveranstaltungen",
    "employers_contacted": "Arbeitgeber angesprochen",
    "employers_counselled": "Arbeitgeber beraten",
    "referrals": "Weiterleitungen",
}
# A part of an activity total (`sessions_by_mode.phone`): the words before the part, and the table that words it.
ACTIVITY_PARTS: dict[str, tuple[str, str]] = {
    "sessions_by_mode": ("Beratungsgespräche", "SESSION_MODES"),
    "sessions_by_language": ("Beratungsgespräche auf", "LANGUAGES"),
    "short_contacts_by_topic": ("Kurzkontakte zu", "CONTACT_TOPICS"),
    "outreach_events_by_kind": ("Infoveranstaltungen", "OUTREACH_KINDS"),
    "employers_counselled_by_size": ("Arbeitgeber beraten", "EMPLOYER_SIZES"),
    "referrals_by_to": ("Weiterleitungen an", "REFERRAL_TARGETS"),
    "referrals_by_outcome": ("Weiterleitungen mit Ergebnis", "REFERRAL_OUTCOMES"),
}
INTERPRETING: dict[str, str] = {"with_interpreter": "mit Dolmetschung", "without_interpreter": "ohne Dolmetschung"}

# An employer's record (POST /employers, its steps, GET /employers/{id}) and a catalogue offer (POST /offers), as the
# pages "Arbeitgeber" and "Kurse" record and show them.
EVENT_TYPES.update(
    {
        "employer_registered": "Arbeitgeber erfasst",
        "employer_contacted": "Arbeitgeber angesprochen",
        "employer_counselled": "Arbeitgeber beraten",
        "employee_referred": "Person an den Betrieb vermittelt",
        "employer_changed": "Angaben zum Arbeitgeber geändert",
    }
)
FIELDS.update(
    {
        "size": "Größe",
        "sector": "Branche",
        "postal_code": "Postleitzahl",
        "employees_interested": "Beschäftigte mit Interesse an Qualifizierung",
        "case_id": "Fall-ID",
        "registered_on": "erfasst am",
        "contacts": "Kontakte",
        "counselling_sessions": "Beratungen",
        "counselling_minutes": "Beratungsminuten",
        "counselled_on": "beraten am",
        "employees_referred": "vermittelte Personen",
        "referred_cases": "Fälle der vermittelten Personen",
        "occupations": "Berufe",
        "kldb": "KldB-Code (5 Ziffern)",
        "city": "Ort",
        "starts_on": "Beginn",
        "ends_on": "Ende",
        "schedule": "Zeitmodell",
        "seats": "Plätze",
        "contact": "Kontakt für Anmeldungen",
        "url": "Webseite",
        "provider_course_id": "Kursnummer beim Bildungsträger",
    }
)
VALUES.update(
    {
        "letter": "Brief",
        "visit": "Besuch im Betrieb",
        "event": "Veranstaltung",
        "qualification_needs": "Qualifizierungsbedarf",
        "funding": "Förderung",
    }
)
VALUES_OF.update({"size": EMPLOYER_SIZES, "schedule": SCHEDULES})
STEP_FIELDS.update(
    {
        "employer_registered": {"name": "Name des Betriebs", "size": "Größe des Betriebs"},
        "employer_contacted": {"channel": "Weg der Ansprache"},
        "employer_counselled": {"topics": "Themen der Beratung"},
        "employee_referred": {"case_id": "Fall der vermittelten Person"},
        "employer_changed": {
            "name": "Neuer Name",
            "size": "Neue Größe",
            "sector": "Neue Branche",
            "postal_code": "Neue Postleitzahl",
        },
        "offer": {
            "provider": "Bildungsträger",
            "title": "Titel des Kurses",
            "kind": "Kursart",
            "language": "Unterrichtssprache",
            "postal_code": "Postleitzahl des Kursorts",
            "seats": "Freie Plätze",
        },
    }
)


def field_label(name: str, step_type: str | None = None) -> str:
    """A field's German label (the wire name for a field without one)."""
    return STEP_FIELDS.get(step_type or "", {}).get(name) or FIELDS.get(name, name)


def vocabulary() -> dict[str, object]:
    """Every table of this module by its name, as the dashboard loads it."""
    return {name: value for name, value in globals().items() if name.isupper() and isinstance(value, dict)}
