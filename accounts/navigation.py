"""The navigation bar by role: what each person sees at the top of every page."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .models import Role

# (label, url name, roles that see it); the first matching entries are shown in order.
MENU = [
    (_("Home"), "home", None),
    (_("School setup"), "schedule:setup", {Role.ADMIN}),
    (_("Classes"), "schedule:class_list", {Role.ADMIN, Role.DIRECTOR, Role.DEPUTY}),
    (_("Journal"), "journal:index", {Role.ADMIN, Role.DIRECTOR, Role.DEPUTY, Role.TEACHER}),
    (_("Thematic plans"), "journal:plans", {Role.ADMIN, Role.DIRECTOR, Role.DEPUTY, Role.TEACHER}),
    (_("Mark log"), "journal:marklog", {Role.ADMIN, Role.DIRECTOR, Role.DEPUTY}),
    # The admin reaches it from the journal settings (their bar is full at 1280 px).
    (_("Final marks"), "journal:finals_control", {Role.DIRECTOR, Role.DEPUTY}),
    (_("Deadlines"), "journal:deadline_control", {Role.DIRECTOR, Role.DEPUTY}),
    # The admin reaches the reports from the home page (their bar is full); the printouts of the class
    # journals and their sign-off from the reports page and from the home page's "waiting" card.
    (_("Reports"), "reports:index", {Role.DIRECTOR, Role.DEPUTY, Role.TEACHER}),
    (_("Diary"), "diary:index", {Role.STUDENT, Role.PARENT}),
    (_("My timetable"), "schedule:week_mine", {Role.TEACHER, Role.STUDENT, Role.PARENT}),
    (_("Notifications"), "accounts:notifications", {Role.PARENT}),
    (_("Timetable"), "schedule:timetable_index", {Role.ADMIN, Role.DEPUTY}),
    (_("Substitutions"), "schedule:substitution_day", {Role.ADMIN, Role.DEPUTY}),
    (_("Lesson calendar"), "schedule:calendar_generate", {Role.ADMIN, Role.DEPUTY}),
    (_("People"), "accounts:people", {Role.ADMIN, Role.DIRECTOR, Role.DEPUTY}),
    (_("Invite codes"), "accounts:invites", {Role.ADMIN}),  # class teachers: from their class card at home
    (_("Settings"), "accounts:school_settings", {Role.ADMIN}),
]


def menu_for(actor) -> list[tuple[str, str]]:
    if not actor.is_authenticated:
        return []
    if actor.school is None:
        if not actor.is_operator:
            return []
        return [(_("Schools"), reverse("accounts:operator_schools")), (_("Jobs"), reverse("accounts:jobs"))]
    return [(label, reverse(name)) for label, name, roles in MENU if roles is None or actor.roles & roles]
