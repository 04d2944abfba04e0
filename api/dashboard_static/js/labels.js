// The German words for the API's vocabulary, as the API keeps them (api/vocabulary_de.py): loaded once, so the pages
// keep no copy of their own. An unknown value is shown as the API names it.

const response = await fetch("/dashboard/vocabulary.json", { headers: { Accept: "application/json" } });
if (!response.ok) throw new Error(`die deutschen Bezeichnungen ließen sich nicht laden (HTTP ${response.status}); bitte die Seite neu laden`);
const vocabulary = await response.json();

export const {
  ROLES, STAGES, STATUSES, DEADLINE_KINDS, DEADLINE_REFS, EVENT_TYPES, FIELDS, VALUES, VALUES_OF, STEP_FIELDS,
  EMPLOYER_SIZES, GENDER_COLUMNS, INDICATORS, PATHWAYS, FUNNEL_STAGES, SESSION_MODES, LANGUAGES, CONTACT_TOPICS,
  OUTREACH_KINDS, REFERRAL_TARGETS, REFERRAL_OUTCOMES, PLAN_ITEM_STATUSES, PLAN_ITEM_KINDS, COURSE_KINDS, SCHEDULES,
  FUNDING, REPORT_KINDS, REPORT_BASES, STATISTICS_BASES, FOLLOW_UP_RESPONSES, ACTIVITY_TOTALS, ACTIVITY_PARTS,
  INTERPRETING, LIST_ENTRIES, NEW_IDS,
} = vocabulary;

// One table of the vocabulary by its name (ACTIVITY_PARTS names the table that words a part).
export const wordsOf = (name) => vocabulary[name] ?? {};

export const label = (labels, value) => labels[value] ?? value;

// A field's label: in a step's form as that step words it, else as every page does.
export const fieldLabel = (name, stepType) => STEP_FIELDS[stepType]?.[name] ?? FIELDS[name] ?? name;

// A value of a field: as that field words it, else as the vocabulary does.
export const valueLabel = (field, value) => VALUES_OF[field]?.[value] ?? VALUES[value] ?? String(value);
