"""Forms of the lesson record: they parse the request; `journal.records.services` judges the rest.

Field names match the keys of the services' `ValidationError`s, so a refusal lands
next to its field (`add_service_error`).
"""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.models import Student
from journal.models import PlanTopic, Remark
from journal.records import services as records
from schedule.models import Lesson


class RecordForm(forms.Form):
    def add_service_error(self, exc: ValidationError) -> None:
        """Put a service's refusal next to its field (or above the form when it names none)."""
        if hasattr(exc, "error_dict"):
            for field, errors in exc.error_dict.items():
                self.add_error(field if field in self.fields else None, errors)
        else:
            self.add_error(None, exc)


class TopicForm(RecordForm):
    text = forms.CharField(label=_("Topic"), max_length=records.TOPIC_MAX, required=False)
    plan_topic = forms.ModelChoiceField(
        queryset=PlanTopic.objects.none(),
        required=False,
        widget=forms.HiddenInput,
        error_messages={"invalid_choice": _("This topic is from another course's plan.")},
    )

    def __init__(self, *args, lesson: Lesson, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["plan_topic"].queryset = PlanTopic.objects.filter(course_id=lesson.course_id)


class HomeworkForm(RecordForm):
    text = forms.CharField(
        label=_("Task"),
        max_length=records.TASK_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    pages = forms.CharField(label=_("Pages and exercises"), max_length=records.PAGES_MAX, required=False)
    due_lesson = forms.ModelChoiceField(
        label=_("Due by"),
        queryset=Lesson.objects.none(),
        required=False,
        error_messages={"invalid_choice": _("Choose a later lesson of the same course.")},
    )

    def __init__(self, *args, lesson: Lesson, **kwargs):
        super().__init__(*args, **kwargs)
        # Any lesson of the course parses; the service says which of them may hold the homework.
        self.fields["due_lesson"].queryset = Lesson.objects.filter(
            school_id=lesson.school_id, course_id=lesson.course_id
        )


class AttachmentForm(RecordForm):
    file = forms.FileField(label=_("File"))


class RemarkForm(RecordForm):
    student = forms.ModelChoiceField(
        label=_("Student"),
        queryset=Student.objects.none(),
        error_messages={
            "invalid_choice": _("This student was not in the lesson's class or group on that day.")
        },
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=Remark.Kind.choices, initial=Remark.Kind.REMARK)
    text = forms.CharField(
        label=_("Text"), max_length=records.REMARK_MAX, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, lesson: Lesson, **kwargs):
        super().__init__(*args, **kwargs)
        # Any student of the school parses; the service checks the group on the lesson's date.
        self.fields["student"].queryset = Student.objects.filter(school_id=lesson.school_id)
