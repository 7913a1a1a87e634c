"""The school admin's journal settings page: the edit window (R-J-10), the work types (R-J-3) and the
rules of final marks (thresholds R-F-2, deadline R-F-4).

The admin, director and deputy read the page (`rules.reads_everything`); only
the admin changes it (`schedule.rules.manage_structure`), through
`journal.settings.services`. Bad input renders the page again with the message
next to the field; a refused delete comes back as a message above the list.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.formats import localize
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import get_in_school, school_view
from journal import rules
from journal.models import WorkType
from journal.policy import journal_settings
from journal.settings import services
from journal.settings.forms import EditWindowForm, FinalsRulesForm, WorkTypeForm
from schedule.forms import add_service_errors
from schedule.rules import manage_structure


def _page(request, *, window_form=None, type_form=None, finals_form=None, status=200):
    actor = request.actor
    settings = journal_settings(actor.school)
    may_edit = manage_structure(actor)
    return render(
        request,
        "journal/settings/settings.html",
        {
            "settings": settings,
            "rows": services.work_types_with_use(actor.school),
            "may_edit": may_edit,
            "window_form": window_form or EditWindowForm(initial={"edit_window": settings.edit_window}),
            "type_form": type_form or WorkTypeForm(),
            "finals_form": finals_form or FinalsRulesForm.of(settings),
        },
        status=status,
    )


def _run(form, service, **kwargs) -> bool:
    """Call the service with the form's data; on refusal put the messages on the form."""
    try:
        service(**kwargs, **form.cleaned_data)
    except ValidationError as exc:
        add_service_errors(form, exc)
        return False
    return True


@school_view(rules.reads_everything)
def settings_page(request):
    """The edit window and the work types; read-only for the director and deputy."""
    return _page(request)


@require_POST
@school_view(manage_structure)
def set_window(request):
    form = EditWindowForm(request.POST)
    if form.is_valid() and _run(
        form, services.set_edit_window, actor=request.actor, school=request.actor.school
    ):
        messages.success(request, _("The edit window is saved; it applies to every change from now on."))
        return redirect("journal:settings")
    return _page(request, window_form=form)


@require_POST
@school_view(manage_structure)
def set_finals_rules(request):
    form = FinalsRulesForm(request.POST)
    if form.is_valid() and _run(
        form, services.set_finals_rules, actor=request.actor, school=request.actor.school
    ):
        messages.success(
            request, _("The rules of final marks are saved; proposals and deadlines use them at once.")
        )
        return redirect(reverse("journal:settings") + "#js-finals")
    return _page(request, finals_form=form)


@require_POST
@school_view(manage_structure)
def add_type(request):
    form = WorkTypeForm(request.POST)
    if form.is_valid() and _run(
        form, services.add_work_type, actor=request.actor, school=request.actor.school
    ):
        messages.success(request, _("The work type is added."))
        return redirect("journal:settings")
    return _page(request, type_form=form)


@school_view(manage_structure)
def edit_type(request, pk):
    work_type = get_in_school(request.actor, WorkType.objects.select_related("school"), pk=pk)
    initial = {"code": work_type.code, "name": work_type.name, "weight": localize(work_type.weight)}
    form = WorkTypeForm(request.POST if request.method == "POST" else None, initial=initial)
    if (
        request.method == "POST"
        and form.is_valid()
        and _run(form, services.update_work_type, actor=request.actor, work_type=work_type)
    ):
        messages.success(request, _("The work type is saved."))
        return redirect("journal:settings")
    columns = work_type.works.count()
    return render(
        request, "journal/settings/type.html", {"work_type": work_type, "form": form, "columns": columns}
    )


def _one_button(request, service, pk, **kwargs):
    """Run a one-button write on a work type; a refusal becomes a message above the list."""
    work_type = get_in_school(request.actor, WorkType.objects.select_related("school"), pk=pk)
    try:
        service(actor=request.actor, work_type=work_type, **kwargs)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return None
    return work_type


@require_POST
@school_view(manage_structure)
def delete_type(request, pk):
    work_type = _one_button(request, services.delete_work_type, pk)
    if work_type is not None:
        messages.success(request, _("The work type %(code)s is deleted.") % {"code": work_type.code})
    return redirect("journal:settings")


@require_POST
@school_view(manage_structure)
def make_default(request, pk):
    work_type = _one_button(request, services.make_default_work_type, pk)
    if work_type is not None:
        messages.success(request, _("New columns now get the type %(code)s.") % {"code": work_type.code})
    return redirect("journal:settings")


@require_POST
@school_view(manage_structure)
def move_type(request, pk):
    _one_button(request, services.move_work_type, pk, direction=request.POST.get("direction", ""))
    return redirect("journal:settings")
