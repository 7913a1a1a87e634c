"""Forms of the grid's endpoints: plain ids and the raw value; the services judge the rest."""

from django import forms


class SaveCellForm(forms.Form):
    lesson = forms.IntegerField(min_value=1)
    work = forms.IntegerField(min_value=1, required=False)  # empty: the lesson has no column yet
    student = forms.IntegerField(min_value=1)
    value = forms.CharField(max_length=40, required=False, strip=False)
    version = forms.IntegerField(min_value=0, required=False)
    att_version = forms.IntegerField(min_value=0, required=False)


class AddWorkForm(forms.Form):
    lesson = forms.IntegerField(min_value=1)
    work_type = forms.IntegerField(min_value=1, required=False)
