"""The value sets of the public API (API.md). Changing a name here changes the contract."""

from typing import Annotated, Literal

from msgspec import Meta

Channel = Literal["walk_in", "phone", "email", "outreach_event", "referral"]
ReferralSource = Literal[
    "self", "jobcenter", "employment_agency", "employer", "migrant_organisation", "language_course", "other"
]
Gender = Literal["female", "male", "diverse", "unspecified"]
LabourStatus = Literal["employed", "self_employed", "unemployed", "long_term_unemployed", "inactive"]
YesNoUnknown = Literal["yes", "no", "unknown"]
Instrument = Literal["profilpass", "myskills", "qualification_analysis", "other"]
Pathway = Literal[
    "recognition", "external_exam", "validation", "partial_qualifications", "retraining", "apprenticeship", "none"
]
# School certificates go to the school authority, academic degrees to the ZAB (Zentralstelle für ausländisches
# Bildungswesen); 0.1 knew the first four.
ResponsibleBody = Literal["ihk_fosa", "hwk", "state_authority", "other", "school_authority", "zab"]
RecognitionOutcome = Literal["full", "partial", "none"]
Compensation = Literal["adaptation_course", "aptitude_test", "adaptation_qualification", "none"]
CourseKind = Literal[
    "exam_preparation",
    "partial_qualification",
    "adaptation_qualification",
    "adaptation_course",
    "language",
    "retraining",
]
Funding = Literal[
    "education_voucher", "sgb3_82", "qualification_allowance", "esf", "bildungsscheck", "employer", "self", "other"
]
ExamRoute = Literal["external_exam", "validation", "aptitude_test"]
Chamber = Literal["ihk", "hwk", "state_authority", "other"]
ExamResult = Literal["passed", "failed", "full", "predominant", "partial", "not_comparable"]
AdmissionBasis = Literal["work_experience", "credible_evidence", "foreign_qualification"]  # § 45(2) BBiG
GermanLevel = Literal["none", "A1", "A2", "B1", "B2", "C1", "C2", "native", "unknown"]
SuspensionReason = Literal["qualification_analysis", "documents_requested", "other"]  # § 14, § 6(4) BQFG
FollowUpOutcome = Literal["reached", "unreachable", "refused"]
Improvement = Literal["precarious_to_stable", "underemployed_to_full", "higher_skilled", "more_responsibility", "none"]
CloseReason = Literal[
    "qualification_obtained", "recognition_obtained", "employment", "dropped_out", "moved_away", "no_contact", "other"
]
SessionMode = Literal["in_person", "phone", "email", "video", "outreach"]
QualificationKind = Literal["school", "vocational", "academic"]
ReferralTarget = Literal[
    "recognition_body",
    "chamber",
    "jobcenter",
    "employment_agency",
    "language_course",
    "migration_counselling",
    "course_provider",
    "employer",
    "other",
]
ReferralOutcome = Literal["appointment_kept", "accepted", "completed", "declined", "no_show", "no_feedback"]
PlanItemKind = Literal["assessment", "recognition", "course", "exam", "language", "referral", "other"]
CaseStatus = Literal["open", "closed"]
Stage = Literal["first_contact", "assessment", "recognition", "course", "exam", "closed"]
DeadlineKind = Literal[
    "recognition_decision", "recognition_receipt", "follow_up", "no_contact", "referral_feedback", "plan_item"
]
ContactMode = SessionMode  # a short contact's mode: as a session's

# Bounds keep one request from exhausting memory or storage; they are part of the published schema.
ClientId = Annotated[str, Meta(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]*$")]
Subject = Annotated[str, Meta(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._@-]*$")]
ShortText = Annotated[str, Meta(min_length=1, max_length=200)]
# Text a register keeps in clear and shows every role of the agency (an employer's name, an offer's title, an outreach
# event's title): one line without control characters (PostgreSQL's text cannot hold NUL) and without the marks that
# turn the writing direction, which make a text read otherwise than it is written.
UNSEEN_CHARACTERS = r"\x00-\x1f\x7f-\x9f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069"
# `(?![\s\S])` ends the text where `$` would let a final line break through (in Python and JavaScript alike).
LINE_PATTERN = rf"^[^{UNSEEN_CHARACTERS}]*(?![\s\S])"
LineText = Annotated[str, Meta(min_length=1, max_length=200, pattern=LINE_PATTERN)]
LongText = Annotated[str, Meta(max_length=4000)]
ItemText = Annotated[str, Meta(min_length=1, max_length=1000)]
CountryCode = Annotated[str, Meta(pattern=r"^[A-Z]{2}$")]
LanguageCode = Annotated[str, Meta(pattern=r"^[a-z]{2}$", description="ISO 639-1: two lowercase letters")]
BirthYear = Annotated[int, Meta(ge=1900, le=2100)]
ArrivalYear = Annotated[int, Meta(ge=1900, le=2100)]
QualificationYear = Annotated[int, Meta(ge=1900, le=2100)]
KldbCode = Annotated[str, Meta(pattern=r"^[0-9]{5}$", description="a KldB 2010 occupation code: five digits")]
Isced = Annotated[int, Meta(ge=0, le=8)]
Minutes = Annotated[int, Meta(ge=1, le=1440)]
ModuleNumber = Annotated[int, Meta(ge=1, le=100)]
TextList = Annotated[tuple[ShortText, ...], Meta(max_length=50)]
