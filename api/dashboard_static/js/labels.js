// The German words for the API's vocabulary (API.md); an unknown value is shown as the API names it.

export const label = (labels, value) => labels[value] ?? value;

export const ROLES = { counsellor: "Beratung", lead: "Teamleitung", auditor: "Prüfung", analyst: "Auswertung" };

export const STAGES = {
  first_contact: "Erstkontakt",
  assessment: "Kompetenzfeststellung",
  recognition: "Anerkennung",
  course: "Qualifizierung",
  exam: "Prüfung",
  closed: "Abgeschlossen",
};

export const STATUSES = { open: "offen", closed: "abgeschlossen" };

export const DEADLINE_KINDS = {
  recognition_decision: "Anerkennungsbescheid fällig",
  follow_up: "Nachbefragung nach sechs Monaten",
  no_contact: "Seit 60 Tagen kein Kontakt",
};

export const DEADLINE_REFS = { contact: "letzter Kontakt", exit: "Austritt" };

export const EVENT_TYPES = {
  case_opened: "Fall eröffnet (Erstkontakt)",
  profile_corrected: "Profil berichtigt",
  counselling_session_held: "Beratungsgespräch",
  assessment_started: "Kompetenzfeststellung begonnen",
  assessment_completed: "Kompetenzfeststellung abgeschlossen",
  recognition_applied: "Anerkennung beantragt",
  recognition_receipt_confirmed: "Antragseingang bestätigt",
  recognition_documents_completed: "Unterlagen vollständig",
  recognition_deadline_extended: "Bescheidfrist verlängert",
  recognition_decided: "Anerkennungsbescheid",
  course_enrolled: "Kurs begonnen",
  course_completed: "Kurs abgeschlossen",
  course_dropped: "Kurs abgebrochen",
  exam_admission_applied: "Prüfungszulassung beantragt",
  exam_admission_decided: "Über Prüfungszulassung entschieden",
  exam_result_recorded: "Prüfungsergebnis",
  counsellor_assigned: "Fall neu zugewiesen",
  case_closed: "Austritt (Fall abgeschlossen)",
  case_reopened: "Fall wieder eröffnet",
  follow_up_recorded: "Nachbefragung erfasst",
  consent_changed: "Einwilligung geändert",
  personal_data_erased: "Personenbezogene Daten gelöscht",
};

export const FIELDS = {
  agency: "Träger",
  counsellor: "Beratung",
  first_contact_on: "Erstkontakt",
  channel: "Zugangsweg",
  referral_source: "Vermittelt durch",
  profile: "Profil",
  consent: "Einwilligung",
  minutes: "Minuten",
  topics: "Themen",
  note: "Notiz",
  assessment_id: "Feststellung",
  instrument: "Verfahren",
  recommended_pathway: "Empfohlener Weg",
  result: "Ergebnis",
  application_id: "Antrag",
  reference_occupation: "Referenzberuf",
  responsible_body: "Zuständige Stelle",
  regulated: "Reglementiert",
  fast_track: "Beschleunigtes Verfahren",
  missing_documents: "Fehlende Unterlagen",
  due: "Neue Frist",
  reason: "Grund",
  outcome: "Ergebnis",
  substantial_differences: "Wesentliche Unterschiede",
  compensation: "Ausgleichsmaßnahme",
  course_id: "Kurs",
  kind: "Art",
  provider: "Anbieter",
  funding: "Förderung",
  module: "Modul",
  modules: "Module",
  planned_end: "Geplantes Ende",
  certificate: "Zertifikat",
  exam_id: "Prüfung",
  route: "Verfahren",
  occupation: "Beruf",
  chamber: "Kammer",
  granted: "Zugelassen",
  situation: "Situation",
  job_searching: "arbeitsuchend",
  in_education_or_training: "in Bildung oder Ausbildung",
  qualification_gained: "Qualifikation erworben",
  employed: "erwerbstätig",
  improved_situation: "Situation verbessert",
  special_categories: "Einwilligung besondere Kategorien",
  foreign_background: "ausländische Herkunft",
  third_country_national: "drittstaatsangehörig",
  disability: "Behinderung",
  minority: "Minderheit",
  homeless: "wohnungslos",
  rural: "ländlich",
  birth_year: "Geburtsjahr",
  gender: "Geschlecht",
  labour_status: "Erwerbsstatus",
  isced: "ISCED",
  qualification_country: "Land der Qualifikation",
  target_occupation: "Zielberuf",
};

export const VALUES = {
  walk_in: "persönlich",
  phone: "Telefon",
  email: "E-Mail",
  outreach_event: "Informationsveranstaltung",
  referral: "Überweisung",
  self: "selbst",
  jobcenter: "Jobcenter",
  employment_agency: "Agentur für Arbeit",
  employer: "Arbeitgeber",
  migrant_organisation: "Migrantenorganisation",
  language_course: "Sprachkurs",
  profilpass: "ProfilPASS",
  myskills: "MYSKILLS",
  qualification_analysis: "Qualifikationsanalyse",
  recognition: "Anerkennung",
  external_exam: "Externenprüfung",
  validation: "Validierung",
  partial_qualifications: "Teilqualifikationen",
  retraining: "Umschulung",
  apprenticeship: "Ausbildung",
  ihk_fosa: "IHK FOSA",
  hwk: "Handwerkskammer",
  ihk: "IHK",
  state_authority: "Landesbehörde",
  full: "voll",
  partial: "teilweise",
  predominant: "überwiegend",
  none: "keine",
  other: "andere",
  passed: "bestanden",
  failed: "nicht bestanden",
  adaptation_course: "Anpassungslehrgang",
  aptitude_test: "Eignungs- oder Kenntnisprüfung",
  adaptation_qualification: "Anpassungsqualifizierung",
  exam_preparation: "Prüfungsvorbereitung",
  partial_qualification: "Teilqualifikation",
  language: "Sprachkurs",
  education_voucher: "Bildungsgutschein",
  sgb3_82: "§ 82 SGB III",
  qualification_allowance: "Qualifizierungsgeld",
  esf: "ESF+",
  bildungsscheck: "Bildungsscheck",
  qualification_obtained: "Qualifikation erworben",
  recognition_obtained: "Anerkennung erreicht",
  employment: "Arbeitsaufnahme",
  dropped_out: "abgebrochen",
  moved_away: "verzogen",
  no_contact: "kein Kontakt mehr",
  female: "weiblich",
  male: "männlich",
  diverse: "divers",
  unspecified: "ohne Angabe",
  unemployed: "arbeitslos",
  long_term_unemployed: "langzeitarbeitslos",
  employed: "erwerbstätig",
  self_employed: "selbstständig",
  inactive: "nicht erwerbstätig",
  yes: "ja",
  no: "nein",
  unknown: "unbekannt",
};

export const EMPLOYER_SIZES = {
  micro: "Kleinstunternehmen",
  small: "Kleines Unternehmen",
  medium: "Mittleres Unternehmen",
  large: "Großunternehmen",
};

export const GENDER_COLUMNS = { female: "weiblich", male: "männlich", diverse: "divers", unspecified: "ohne Angabe", total: "gesamt" };

export const INDICATORS = {
  EECO01: "Teilnehmende insgesamt",
  EECO02: "Arbeitslose, einschließlich Langzeitarbeitslose",
  EECO03: "Langzeitarbeitslose",
  EECO04: "Nichterwerbstätige",
  EECO05: "Erwerbstätige, einschließlich Selbstständige",
  EECO06: "unter 18 Jahren",
  EECO07: "18 bis 29 Jahre",
  EECO08: "55 Jahre und älter",
  EECO09: "ISCED 0–2",
  EECO10: "ISCED 3–4",
  EECO11: "ISCED 5–8",
  EECO12: "mit Behinderungen",
  EECO13: "Drittstaatsangehörige",
  EECO14: "ausländischer Herkunft",
  EECO15: "Minderheiten",
  EECO16: "obdachlos oder von Wohnungsnot betroffen",
  EECO17: "aus ländlichen Gebieten",
  EECO19: "unterstützte kleine und mittlere Unternehmen (Anzahl der Unternehmen)",
  EECR01: "beim Austritt arbeitsuchend",
  EECR02: "beim Austritt in Bildung oder Ausbildung",
  EECR03: "beim Austritt mit Qualifikation",
  EECR04: "beim Austritt erwerbstätig",
  EECR05: "sechs Monate nach Austritt erwerbstätig",
  EECR06: "sechs Monate nach Austritt in besserer Arbeitsmarktsituation",
};

export const PATHWAYS = {
  recognition: "Anerkennung",
  validation: "Validierung",
  partial_qualifications: "Teilqualifikationen",
  external_exam: "Externenprüfung",
  retraining: "Umschulung",
  undecided: "noch offen",
};

export const FUNNEL_STAGES = {
  first_contact: "Erstkontakt",
  assessment: "Kompetenzfeststellung",
  pathway_started: "Weg begonnen",
  outcome: "Ergebnis",
  exit: "Austritt",
  qualified: "Qualifiziert",
};

// The activity report (GET /statistics/activity)
export const SESSION_MODES = { in_person: "persönlich", phone: "Telefon", email: "E-Mail", video: "Video", outreach: "aufsuchend" };
export const LANGUAGES = {
  de: "Deutsch", tr: "Türkisch", ru: "Russisch", ar: "Arabisch", uk: "Ukrainisch", fa: "Persisch", pl: "Polnisch",
  ro: "Rumänisch", en: "Englisch", fr: "Französisch", es: "Spanisch", it: "Italienisch", ku: "Kurdisch", ti: "Tigrinya",
  sq: "Albanisch", sr: "Serbisch", hr: "Kroatisch", bg: "Bulgarisch", el: "Griechisch", vi: "Vietnamesisch",
};
export const CONTACT_TOPICS = {
  recognition: "Anerkennung", external_exam: "Externenprüfung", validation: "Validierung",
  partial_qualifications: "Teilqualifikationen", funding: "Förderung", courses: "Kurse", employer: "Arbeitgeber", other: "Sonstiges",
};
export const OUTREACH_KINDS = {
  information_event: "Infoveranstaltung", fair: "Messe", migrant_organisation: "Migrantenorganisation",
  integration_course: "Integrationskurs", company: "Betrieb", other: "Sonstiges",
};
export const REFERRAL_TARGETS = {
  recognition_body: "Anerkennungsstelle", chamber: "Kammer", jobcenter: "Jobcenter", employment_agency: "Agentur für Arbeit",
  language_course: "Sprachkurs", migration_counselling: "Migrationsberatung", course_provider: "Bildungsträger",
  employer: "Arbeitgeber", other: "Sonstige",
};
export const REFERRAL_OUTCOMES = {
  appointment_kept: "Termin wahrgenommen", accepted: "angenommen", completed: "abgeschlossen", declined: "abgelehnt",
  no_show: "nicht erschienen", no_feedback: "keine Rückmeldung", pending: "offen",
};
