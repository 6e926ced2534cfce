"""The staff app's forms, rendered with GOV.UK Frontend macros (govuk-frontend-wtf)."""

from __future__ import annotations

import datetime as dt

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovCheckboxInput,
    GovDateInput,
    GovFileInput,
    GovPasswordInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    PasswordField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import Email, InputRequired, Length, Optional, ValidationError

from cspr.accounts.models import Role
from cspr.actions.models import Rag
from cspr.cases.models import AgeBand, Harm, PanelResponse, RapidReviewDecision
from cspr.reviews.models import PublicationForm
from cspr.reviews.services import DELAY_REASONS
from cspr.services.dates import label
from cspr.services.plain_text import SingleLineText

DATE_FORMAT = "%d %m %Y"


def _the(label: str) -> str:
    """'Date of the incident' -> 'the date of the incident' (GOV.UK error messages)."""
    text = label[0].lower() + label[1:]
    return text if text.startswith(("the ", "a ", "an ", "your ")) else f"the {text}"


class GovDateField(DateField):
    """A GOV.UK date input (day, month, year) with messages in the GOV.UK style."""

    def __init__(self, label: str, required: bool = True, **kwargs) -> None:  # noqa: ANN003
        validators = [InputRequired(message=f"Enter {_the(label)}")] if required else [Optional()]
        super().__init__(label, validators=validators, format=DATE_FORMAT, widget=GovDateInput(),
                         **kwargs)

    def process_formdata(self, valuelist: list[str]) -> None:
        """Accept day, month and year; say clearly what is wrong."""
        if len(valuelist) != 3:  # a hand-made request: keep the widget's three boxes
            self.raw_data = (list(valuelist) + ["", "", ""])[:3]
            if any(v.strip() for v in valuelist):
                self.data = None
                raise ValueError(f"{self.label.text} must be a real date, for example 27 3 2026")
        if not valuelist or not any(v.strip() for v in valuelist):
            self.data = None
            return
        if len(valuelist) == 3 and not all(v.strip() for v in valuelist):
            missing = [n for n, v in zip(("day", "month", "year"), valuelist, strict=True) if not v.strip()]
            self.data = None
            raise ValueError(f"{self.label.text} must include a {' and '.join(missing)}")
        try:
            day, month, year = (int(v) for v in valuelist)
            self.data = dt.date(year, month, day)
        except (ValueError, TypeError):
            self.data = None
            raise ValueError(f"{self.label.text} must be a real date, for example 27 3 2026") from None
        if year < 1900:
            raise ValueError(f"{self.label.text} must have a four-digit year")


def choices(enum_cls: type, labels: dict[str, str]) -> list[tuple[str, str]]:
    """(value, label) pairs for an enum."""
    return [(member.value, labels.get(member.value, member.value)) for member in enum_cls]


def _text(label: str, required: bool = True, max_length: int = 200, **kw) -> StringField:  # noqa: ANN003
    """A single line of text: one line, no control or direction-changing characters, no markup."""
    validators = [InputRequired(message=f"Enter {_the(label)}")] if required else [Optional()]
    length = Length(max=max_length, message=f"{label} must be {max_length} characters or fewer")
    return StringField(label, validators=[*validators, SingleLineText(), length], widget=GovTextInput(), **kw)


def _area(label: str, required: bool = False, **kw) -> TextAreaField:  # noqa: ANN003
    validators = [InputRequired(message=f"Enter {_the(label)}")] if required else [Optional()]
    return TextAreaField(label, validators=[*validators, Length(max=10_000)], widget=GovTextArea(), **kw)


def _submit(label: str = "Save and continue") -> SubmitField:
    return SubmitField(label, widget=GovSubmitInput())


class SignInForm(FlaskForm):
    """Sign in."""

    email = EmailField("Email address", validators=[InputRequired(message="Enter your email address")],
                       widget=GovTextInput())
    password = PasswordField("Password", validators=[InputRequired(message="Enter your password")],
                             widget=GovPasswordInput())
    submit = _submit("Sign in")


class ResetRequestForm(FlaskForm):
    """Ask for a password reset link."""

    email = EmailField("Email address", validators=[
        InputRequired(message="Enter your email address"),
        Email(message="Enter an email address in the correct format, like name@example.org")],
        widget=GovTextInput())
    submit = _submit("Send the link")


class CodeForm(FlaskForm):
    """The second factor: a code from the authenticator app, or a recovery code."""

    code = StringField("Code", validators=[
        InputRequired(message="Enter the code from your authenticator app"), Length(max=40)],
                       widget=GovTextInput(),
                       description="The 6-digit code your authenticator app shows now, or one of your "
                                   "recovery codes.")
    submit = _submit("Continue")


class ReauthForm(FlaskForm):
    """Confirm who you are before a sensitive action."""

    password = PasswordField("Password", validators=[Optional(), Length(max=256)], widget=GovPasswordInput())
    code = StringField("Code from your authenticator app", validators=[Optional(), Length(max=40)],
                       widget=GovTextInput(), description="Or one of your recovery codes.")
    submit = _submit("Confirm")


class NewPasswordForm(FlaskForm):
    """Choose a new password (the deny-list and context words are checked by cspr.accounts.users)."""

    password = PasswordField("New password", validators=[
        InputRequired(message="Enter a new password"),
        Length(min=12, message="Your password must be at least 12 characters long"),
        Length(max=256, message="Your password must be 256 characters or fewer")],
        widget=GovPasswordInput(),
        description="At least 12 characters. A few unrelated words make a good one. Common passwords, "
                    "and ones made of the service's, a partnership's or your own name, are refused.")
    confirm = PasswordField("Confirm the new password", validators=[
        InputRequired(message="Confirm your new password")], widget=GovPasswordInput())
    submit = _submit("Save the password")

    def validate_confirm(self, field: PasswordField) -> None:
        """The two passwords match."""
        if field.data != self.password.data:
            raise ValidationError("The passwords do not match")


AGE_LABELS = {"under_1": "Under 1", "1_4": "1 to 4", "5_9": "5 to 9", "10_15": "10 to 15",
              "16_17": "16 or 17", "18_24": "18 to 24 (care leaver)"}
HARM_LABELS = {"death": "The child died", "serious_harm": "The child was seriously harmed"}
DECISION_LABELS = {
    "local_cspr": "Hold a local child safeguarding practice review",
    "recommend_national": "Recommend a national review to the Panel",
    "no_review": "No review: the learning is addressed in other ways",
    "local_learning": "Hold another local learning review",
}
RESPONSE_LABELS = {"national_review": "The Panel will hold a national review",
                   "agrees": "The Panel agrees with the local decision",
                   "disagrees": "The Panel takes a different view"}
FORM_LABELS = {"full": "The full report", "summary": "A summary with the lessons",
               "redacted": "A redacted report or executive summary"}
RAG_LABELS = {"red": "Red", "amber": "Amber", "green": "Green", "complete": "Complete"}
ROLE_LABELS = {"admin": "Partnership admin", "partner": "Safeguarding partner representative",
               "reviewer": "Independent reviewer", "viewer": "Viewer"}


class IncidentForm(FlaskForm):
    """Record a serious incident. There is no field for the child's name, on purpose."""

    pseudonym = _text("Pseudonym", max_length=100,
                      description='How the child is known in the review, like "Child K". Never a real name.')
    la_case_reference = _text("Local authority case reference", max_length=64)
    la_area = SelectField("Local authority area", widget=GovSelect(),
                          validators=[InputRequired(message="Select the local authority area")])
    age_band = RadioField("Age band", choices=choices(AgeBand, AGE_LABELS), widget=GovRadioInput(),
                          validators=[InputRequired(message="Select the age band")])
    harm = RadioField("What happened", choices=choices(Harm, HARM_LABELS), widget=GovRadioInput(),
                      validators=[InputRequired(message="Select what happened")])
    looked_after = BooleanField("The child was looked after", widget=GovCheckboxInput())
    care_leaver = BooleanField("A care leaver (18 to 24)", widget=GovCheckboxInput())
    incident_on = GovDateField(label("incident"))
    aware_on = GovDateField(label("aware"),
                            description="The 5 working days to notify the Panel count from here.")
    submit = _submit("Record the incident")


class CorrectionForm(FlaskForm):
    """Correct the awareness date, with a reason."""

    aware_on = GovDateField("Corrected date the local authority became aware")
    reason = _area("Reason for the correction", required=True)
    submit = _submit("Save the correction")


class NotificationForm(FlaskForm):
    """The notification to the Panel."""

    sent_on = GovDateField(label("notification"))
    panel_reference = _text("Panel reference", required=False, max_length=64)
    ofsted_sos_notified_on = GovDateField(
        label("ofsted_sos_notified"), required=False,
        description="Only for the death of a looked-after child.")
    partners_told_on = GovDateField(label("partners_told"), required=False)
    submit = _submit()


class MeetingForm(FlaskForm):
    """The rapid review's start and meeting."""

    started_on = GovDateField(label("rapid_review_started"), required=False)
    meeting_on = GovDateField(label("rapid_review_meeting"), required=False)
    submit = _submit()


class DecisionForm(FlaskForm):
    """The partners' decision."""

    decision = RadioField("The partners' decision", choices=choices(RapidReviewDecision, DECISION_LABELS),
                          widget=GovRadioInput(), validators=[InputRequired(message="Select the decision")])
    sent_to_panel_on = GovDateField(label("rapid_review_sent"))
    rationale = _area("Why the partners decided this")
    review_title = _text("Title of the review", required=False,
                         description="If a review starts. Leave blank to use the pseudonym.")
    submit = _submit()


class PanelResponseForm(FlaskForm):
    """The Panel's response."""

    response = RadioField("The Panel's response", choices=choices(PanelResponse, RESPONSE_LABELS),
                          widget=GovRadioInput(), validators=[InputRequired(message="Select the response")])
    received_on = GovDateField(label("panel_response"))
    notes = _area("Notes")
    submit = _submit()


class ReviewForm(FlaskForm):
    """Start a review that no incident led to."""

    kind = RadioField("Kind of review", widget=GovRadioInput(),
                      validators=[InputRequired(message="Select the kind of review")])
    title = _text("Title")
    pseudonym = _text("Pseudonym", required=False, max_length=100)
    decided_on = GovDateField(label("decision"))
    submit = _submit("Start the review")


class LegacyReviewForm(FlaskForm):
    """A review published before the platform, for the record."""

    kind = RadioField("Kind of review", widget=GovRadioInput(),
                      validators=[InputRequired(message="Select the kind of review")])
    title = _text("Title")
    pseudonym = _text("Pseudonym", required=False, max_length=100)
    published_on = GovDateField(label("published"))
    publication_form = RadioField("What was published", choices=choices(PublicationForm, FORM_LABELS),
                                  default="full", widget=GovRadioInput(),
                                  validators=[InputRequired(message="Select what was published")])
    publication_note = _area("Why only a summary or a redacted version")
    summary = _area("Summary")
    submit = _submit("Add the review")


class DecisionDateForm(FlaskForm):
    """Correct the date of the decision to hold the review."""

    decided_on = GovDateField("Corrected date of the decision to hold the review")
    reason = _area("Reason for the correction", required=True)
    submit = _submit("Save the correction")


class ResponseForm(FlaskForm):
    """The partners' response to a recommendation."""

    response = _area("The partners' response", required=True)
    submit = _submit("Save the response")


class NotificationCorrectionForm(FlaskForm):
    """Correct the date the Panel was notified."""

    sent_on = GovDateField("Corrected date the Panel was notified")
    reason = _area("Reason for the correction", required=True)
    submit = _submit("Save the correction")


class TermsForm(FlaskForm):
    """Terms of reference agreed."""

    agreed_on = GovDateField(label("terms_of_reference"))
    submit = _submit()


class ReviewerForm(FlaskForm):
    """Commission the reviewer."""

    reviewer_name = _text("Reviewer's name")
    reviewer_user_id = SelectField("Reviewer's account", widget=GovSelect(), validators=[Optional()],
                                   description="Give them access to this review only.")
    commissioned_on = GovDateField(label("reviewer_commissioned"))
    submit = _submit()


class DraftForm(FlaskForm):
    """A draft received."""

    received_on = GovDateField(label("draft"))
    note = _area("Note")
    submit = _submit()


class FinalReportForm(FlaskForm):
    """The partners agree the final report."""

    agreed_by = SelectMultipleField("Partners who agreed the final report", widget=GovCheckboxesInput(),
                                    validators=[InputRequired(message="Select the partners who agreed")])
    agreed_on = GovDateField(label("final_report_agreed"))
    submit = _submit()


class PlanForm(FlaskForm):
    """Planned publication date."""

    planned_on = GovDateField(label("planned_publication"),
                              description="The final report must reach the Panel 7 working days before.")
    reason = _text("Reason for a change", required=False, max_length=500)
    delay_reason = RadioField(
        "Reason for the delay", choices=[(k.value, v) for k, v in DELAY_REASONS.items()],
        widget=GovRadioInput(), validators=[Optional()],
        description="Needed when the date is after the publication target (6 months from the "
                    "decision to hold the review).")
    delay_detail = _area("Details of the delay",
                         description="Needed for other. Say what is holding the publication up.")
    submit = _submit()


class ReportSentForm(FlaskForm):
    """Report to the Panel and SoS."""

    sent_on = GovDateField(label("report_sent"))
    submit = _submit()


class PublicationForm_(FlaskForm):
    """Publish."""

    published_on = GovDateField(label("published"))
    publication_form = RadioField("What is published", choices=choices(PublicationForm, FORM_LABELS),
                                  default="full", widget=GovRadioInput(),
                                  validators=[InputRequired(message="Select what is published")])
    publication_note = _area("Why only a summary or a redacted version")
    summary = _area("Summary for the public page")
    themes = SelectMultipleField("Learning themes", widget=GovCheckboxesInput(), validators=[Optional()])
    submit = _submit("Publish")


class PublishForm(FlaskForm):
    """Publish, with the report, a partner's sign-off and the identifying terms to check for."""

    published_on = GovDateField(label("published"))
    publication_form = RadioField("What is published", choices=choices(PublicationForm, FORM_LABELS),
                                  default="full", widget=GovRadioInput(),
                                  validators=[InputRequired(message="Select what is published")])
    publication_note = _area("Why only a summary or a redacted version")
    report = FileField("The report (PDF)", widget=GovFileInput(),
                       description="The anonymised report, its summary or redacted version; 25 MB at most.")
    summary = _area("Summary for the public page")
    themes = SelectMultipleField("Learning themes", widget=GovCheckboxesInput(), validators=[Optional()])
    signed_off_by = RadioField("The safeguarding partner who signed off the publication",
                               widget=GovRadioInput(),
                               validators=[InputRequired(message="Select the partner who signed it off")])
    identifying_terms = TextAreaField(
        "Names and places that identify the child and family", widget=GovTextArea(),
        validators=[InputRequired(message="Enter the names and places that identify the child and family")],
        description="One per line: the child's and family members' names, the school, the street. "
                    "Everything to be published is searched for them. They are not stored.")
    submit = _submit("Publish")


class ArchiveForm(FlaskForm):
    """Archive."""

    archived_on = GovDateField(label("archived"))
    submit = _submit("Archive")


class RecommendationForm(FlaskForm):
    """A recommendation."""

    text = _area("Recommendation", required=True)
    response = _area("The partners' response")
    submit = _submit("Add the recommendation")


class ActionForm(FlaskForm):
    """An action."""

    description = _area("Action", required=True)
    owner_agency = SelectField("Owner", widget=GovSelect(),
                               validators=[InputRequired(message="Select the agency that owns it")])
    due_on = GovDateField(label("action_due"),
                          description="Today or later, and within 5 years.")
    submit = _submit("Add the action")


class ActionUpdateForm(FlaskForm):
    """Progress on an action."""

    rag = RadioField("Status", choices=choices(Rag, RAG_LABELS), widget=GovRadioInput(),
                     validators=[InputRequired(message="Select the status")])
    evidence = _area("Evidence")
    completed_on = GovDateField(label("action_completed"), required=False)
    submit = _submit()


class AssuranceForm(FlaskForm):
    """Assurance sign-off."""

    assured_on = GovDateField(label("assured"))
    submit = _submit("Sign off")


class ReportRequestForm(FlaskForm):
    """A member of the public asks for an archived report."""

    review = SelectField("Which report", widget=GovSelect(),
                         validators=[InputRequired(message="Select the report you would like")])
    name = _text("Your name")
    email = EmailField("Your email address", validators=[
        InputRequired(message="Enter your email address"),
        Email(message="Enter an email address in the correct format, like name@example.org")],
        widget=GovTextInput(), description="The partnership's team replies to this address.")
    reason = _area("Anything the team should know (optional)")
    submit = _submit("Send the request")


class MemberForm(FlaskForm):
    """Add a member."""

    email = EmailField("Email address", validators=[
        InputRequired(message="Enter their email address"),
        Email(message="Enter an email address in the correct format, like name@example.org")],
        widget=GovTextInput())
    name = _text("Full name")
    role = RadioField("Role", choices=choices(Role, ROLE_LABELS), widget=GovRadioInput(),
                      validators=[InputRequired(message="Select a role")])
    submit = _submit("Add the member")


class RoleForm(FlaskForm):
    """Change a member's role."""

    role = RadioField("Role", choices=choices(Role, ROLE_LABELS), widget=GovRadioInput(),
                      validators=[InputRequired(message="Select a role")])
    submit = _submit("Change the role")


class ConfirmForm(FlaskForm):
    """A button that only carries the CSRF token."""

    submit = _submit("Confirm")


HOLD_SCOPES = [("partnership", "Everything the partnership holds"), ("incident", "One case"),
               ("review", "One review")]


class HoldForm(FlaskForm):
    """Place a legal hold: retention deletes nothing it covers until it is released."""

    scope = RadioField("What to hold", choices=HOLD_SCOPES, widget=GovRadioInput(),
                       validators=[InputRequired(message="Select what to hold")])
    incident_ref = _text("Case reference", required=False, max_length=32,
                         description="For one case, like DSCP-2026-003. The case's reviews are held too.")
    review_id = _text("Review number", required=False, max_length=12,
                      description="For one review: the number in its address, like /reviews/12. "
                                  "Its case is held too.")
    reason = _area("Reason for the hold", required=True,
                   description="Who ordered it and when, e.g. the inquiry's direction.")
    submit = _submit("Place the hold")


class ReleaseHoldForm(FlaskForm):
    """Release a legal hold, with the reason."""

    reason = _area("Reason for releasing the hold", required=True,
                   description="E.g. the inquiry's notice that the records are no longer needed.")
    submit = _submit("Release the hold")


class AuditFilterForm(FlaskForm):
    """Filter the audit trail (a GET form: no CSRF token, it changes nothing)."""

    class Meta:
        csrf = False

    action = StringField("Action starts with", validators=[Optional(), Length(max=64)],
                         widget=GovTextInput(), description="For example, review. or access.denied")
    user = SelectField("Person", choices=[("", "Anyone")], validate_choice=False, widget=GovSelect())
    since = GovDateField("From (UTC)", required=False, description="For example, 27 3 2026")
    until = GovDateField("To (UTC)", required=False, description="For example, 28 3 2026")
    submit = _submit("Filter")

    def validate_user(self, field: SelectField) -> None:
        """Someone from the list."""
        if field.data and field.data not in {value for value, _ in field.choices}:
            raise ValidationError("Select a person from the list")

    def validate_until(self, field: GovDateField) -> None:
        """The range does not end before it starts."""
        if field.data and self.since.data and field.data < self.since.data:
            raise ValidationError("The ‘to’ date must be the same as or after the ‘from’ date")
