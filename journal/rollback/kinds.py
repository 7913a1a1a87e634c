"""What a compromised login changed outside the mark log, read from its audit events, and how each is put
back (R-ACC-7).

Two tables. ACTIONS: for each audit action the login can cause, the thing it changed and that thing's state
before and after the event, from the event's own data. KINDS: for each kind of thing, how to read its
state now (row-locked when the rollback is about to write, so the comparison and the write see the same
row) and how to restore the state from before through the thing's own service, with the admin as the
actor: the same rules as any edit, and the service's own audit entry. The login's events on one thing
are one change: the state before its first event, after its last. An event on many things (filling the
topics of a period from the plan) is split into one event per thing (`Action.parts`), so each thing is
rolled back, or skipped, on its own.

IRREVERSIBLE names the actions that cannot be undone, with the reason shown to the admin.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import AuditEvent, ParentLink, Person, Role, School, StaffRole
from journal.models import (
    Homework,
    HomeworkAttachment,
    JournalSettings,
    LessonTopic,
    MarkLogEntry,
    PlanTopic,
    Remark,
    Work,
    WorkType,
)
from schedule.models import Lesson, Substitution

NOT_KEPT = _(
    "Names and contacts are not kept in the audit trail (they are personal data): compare the record "
    "with the papers."
)


@dataclass(frozen=True)
class Action:
    kind: str
    thing: Callable[[AuditEvent], str]  # the id of the thing changed, within its kind
    before: Callable[[AuditEvent], Any]
    after: Callable[[AuditEvent], Any]
    lesson: Callable[[AuditEvent], int | None] = lambda e: e.data.get("lesson")
    student: Callable[[AuditEvent], int | None] = lambda e: e.data.get("student")
    note: Callable[[AuditEvent], str | None] = lambda e: None  # what the admin checks by hand besides
    # An event on many things: the event once per thing, each read by the callables above.
    parts: Callable[[AuditEvent], list[AuditEvent]] | None = None


@dataclass(frozen=True)
class Kind:
    label: str
    now: Callable[[Any, bool], Any]  # (change, lock) -> the state now
    restore: Callable[[Any, Any, Any], None]  # (actor, change, state now): write change.was back
    show: Callable[[Any], str] = lambda state: _show(state)
    merge: bool = False  # states are dicts of fields: each field's first state before and last state after
    cannot: Callable[[Any], str | None] = lambda change: None  # why it cannot be put back


def _show(state) -> str:
    if state is None or state == {}:
        return ""
    if isinstance(state, dict):
        shown = [str(state[k]) for k in ("text", "pages", "name", "code") if state.get(k)]
        return " · ".join(shown) or ", ".join(f"{k}: {v}" for k, v in sorted(state.items()))
    return str(state)


def _locked_lesson(lesson_id: int, lock: bool) -> None:
    if lock:  # the same row the record and substitution services lock before they write
        list(Lesson.objects.select_for_update(of=("self",)).filter(pk=lesson_id).values_list("pk"))


def _id(change) -> int:
    return int(change.key.rsplit(":", 1)[1])


def _rows(model, lock: bool):
    return model.objects.select_for_update() if lock else model.objects


# Lesson records: topic, homework, remarks, attachments, mark columns


def _topic_now(change, lock):
    _locked_lesson(_id(change), lock)
    topic = LessonTopic.objects.filter(lesson_id=_id(change)).first()
    return {"text": topic.text, "plan_topic": topic.plan_topic_id} if topic else None


def _topic_restore(actor, change, now):
    from journal.records.services import set_topic

    was = change.was or {}
    plan = PlanTopic.objects.filter(pk=was.get("plan_topic")).first() if was.get("plan_topic") else None
    set_topic(actor=actor, lesson=change.lesson, text=was.get("text", ""), plan_topic=plan)


def _topics_filled(event: AuditEvent) -> list[AuditEvent]:
    """The plan fill's event once per lesson it filled, read as that lesson's `journal.topic_set`.

    An event recorded before the fill named each lesson's topics has no parts: it is listed by hand.
    """
    parts = []
    for topic in event.data.get("topics", []):
        part = copy.copy(event)  # the same event (its moment, its id for the order), about one lesson
        part.object_id, part.data = str(topic["lesson"]), topic
        parts.append(part)
    return parts


def _work_now(change, lock):
    _locked_lesson(change.lesson_id, lock)  # the lesson row `add_work` and `remove_work` lock
    work = Work.objects.filter(pk=_id(change)).select_related("work_type").first()
    return {"code": work.work_type.code} if work else None


def _work_restore(actor, change, now):
    from journal.grid.services import remove_work

    remove_work(actor=actor, work=Work.objects.select_related("lesson").get(pk=_id(change)))


def _work_cannot(change):
    if change.current is None:
        return None
    entries = MarkLogEntry.objects.filter(school_id=change.school_id, work_id=_id(change))
    if entries.exclude(actor_id=change.events[0].actor_id).exists():
        return gettext("Someone else entered marks in this column since: it stays.")
    if entries.exists():
        return gettext(
            "Its marks are rolled back above; the mark log keeps them with their column, so the empty "
            "column stays."
        )
    return None


def _homework_now(change, lock):
    from journal.records.services import _homework_state

    _locked_lesson(_id(change), lock)
    return _homework_state(Homework.objects.filter(lesson_id=_id(change)).first())


def _homework_restore(actor, change, now):
    from journal.records.services import set_homework

    was = change.was or {}
    due = Lesson.objects.filter(pk=was.get("due_lesson")).first() if was.get("due_lesson") else None
    set_homework(
        actor=actor,
        lesson=change.lesson,
        text=was.get("text", ""),
        pages=was.get("pages", ""),
        due_lesson=due,
    )


def _remark_now(change, lock):
    _locked_lesson(change.lesson_id, lock)
    remark = _rows(Remark, lock).filter(pk=_id(change)).first()
    if remark is None and change.was is not None:  # a removed remark put back is a new row of the same words
        remark = (
            _rows(Remark, lock)
            .filter(lesson_id=change.lesson_id, student_id=change.student_id, **change.was)
            .first()
        )
    return {"kind": remark.kind, "text": remark.text} if remark else None


def _remark_restore(actor, change, now):
    from journal.records.services import add_remark, remove_remark

    if change.was is None:
        remove_remark(actor=actor, remark=Remark.objects.get(pk=_id(change)))
    else:
        add_remark(actor=actor, lesson=change.lesson, student=change.student, **change.was)


def _attachment_now(change, lock):
    attachment = _rows(HomeworkAttachment, lock).filter(pk=_id(change)).first()
    return {"name": attachment.name} if attachment else None


def _attachment_restore(actor, change, now):
    from journal.records.services import remove_attachment

    remove_attachment(actor=actor, attachment=HomeworkAttachment.objects.get(pk=_id(change)))


def _attachment_cannot(change):
    if change.was is not None and change.current is None:
        return gettext("The file was deleted when it was removed: ask the teacher to attach it again.")
    return None


# Substitutions


def _substitution_now(change, lock):
    _locked_lesson(_id(change), lock)
    row = Substitution.objects.filter(lesson_id=_id(change)).first()
    return {"substitute": row.substitute_id, "reason": row.reason} if row else None


def _substitution_restore(actor, change, now):
    from schedule.substitutions import assign_substitute, cancel_substitution

    if change.was is None:
        cancel_substitution(actor=actor, substitution=Substitution.objects.get(lesson_id=_id(change)))
    else:
        assign_substitute(
            actor=actor,
            lesson=change.lesson,
            substitute=Person.objects.get(pk=change.was["substitute"]),
            reason=change.was["reason"],
        )


def _substitution(state) -> dict | None:
    return {"substitute": state["substitute"], "reason": state["reason"]} if state else None


def _show_substitution(state) -> str:
    if state is None:
        return ""
    person = Person.objects.filter(pk=state["substitute"]).first()
    return " · ".join(filter(None, [person.short_name if person else "?", state["reason"]]))


# The school's settings: journal settings, work types, the school's own settings


def _settings(change, lock) -> JournalSettings:
    return _rows(JournalSettings, lock).get_or_create(school_id=change.school_id)[0]


def _edit_window_now(change, lock):
    return _settings(change, lock).edit_window


def _edit_window_restore(actor, change, now):
    from journal.settings.services import set_edit_window

    set_edit_window(actor=actor, school=actor.school, edit_window=change.was)


def _finals_rules_now(change, lock):
    from journal.settings.services import FINALS_FIELDS

    settings = _settings(change, lock)
    return {f: str(getattr(settings, f)) for f in FINALS_FIELDS}


def _finals_rules_restore(actor, change, now):
    from journal.settings.services import set_finals_rules

    was = dict(change.was)
    was["round_average"] = was["round_average"] == "True"
    set_finals_rules(actor=actor, school=actor.school, **was)


def _work_type(change, lock) -> WorkType | None:
    _settings(change, lock)  # the settings services serialise on this row
    found = WorkType.objects.filter(school_id=change.school_id, pk=_id(change)).first()
    if found is None and change.was is not None:  # a deleted type put back is a new row of the same code
        found = WorkType.objects.filter(school_id=change.school_id, code=change.was["code"]).first()
    return found


def _work_type_now(change, lock):
    from journal.settings.services import _fields

    found = _work_type(change, lock)
    return _fields(found) if found else None


def _work_type_restore(actor, change, now):
    from journal.settings.services import add_work_type, delete_work_type, update_work_type

    found = _work_type(change, False)
    if change.was is None:
        delete_work_type(actor=actor, work_type=found)
    elif found is None:
        add_work_type(actor=actor, school=actor.school, **change.was)
    else:
        update_work_type(actor=actor, work_type=found, **change.was)


def _default_now(change, lock):
    _settings(change, lock)
    found = WorkType.objects.filter(school_id=change.school_id, is_default=True).first()
    return found.code if found else None


def _default_restore(actor, change, now):
    from journal.settings.services import make_default_work_type

    found = WorkType.objects.get(school_id=change.school_id, code=change.was)
    make_default_work_type(actor=actor, work_type=found)


def _position_now(change, lock):
    _settings(change, lock)
    return WorkType.objects.filter(pk=_id(change)).values_list("position", flat=True).first()


def _position_restore(actor, change, now):
    from journal.settings.services import DOWN, UP, move_work_type

    position = now
    for _step in range(abs(change.was - position)):
        moved = move_work_type(
            actor=actor,
            work_type=WorkType.objects.get(pk=_id(change)),
            direction=UP if change.was < position else DOWN,
        )
        position = moved.position


def _school_now(change, lock):
    school = _rows(School, lock).get(pk=change.school_id)
    return {k: getattr(school, k) for k in change.was}


def _school_restore(actor, change, now):
    from accounts.services.schools import SCHOOL_SETTINGS_FIELDS, update_school_settings

    school = School.objects.get(pk=change.school_id)
    values = {k: getattr(school, k) for k in SCHOOL_SETTINGS_FIELDS}
    update_school_settings(actor=actor, school=school, **{**values, **change.was})


# People: roles and parent links


def _roles_held(person_id: int) -> set[str]:
    held = set(StaffRole.objects.filter(person_id=person_id).values_list("role", flat=True))
    person = Person.objects.filter(pk=person_id)
    if person.filter(student__isnull=False).exists():
        held.add(Role.STUDENT)
    if person.filter(parent__isnull=False).exists():
        held.add(Role.PARENT)
    return held


def _roles_now(change, lock):
    _rows(Person, lock).filter(pk=_id(change)).first()
    held = _roles_held(_id(change))
    return {role: role in held for role in change.was}


def _roles_restore(actor, change, now):
    from accounts.services.people import NAME_FIELDS, PERSONAL_FIELDS, update_person

    person = Person.objects.get(pk=_id(change))
    held = _roles_held(person.pk)
    roles = (held | {r for r, on in change.was.items() if on}) - {r for r, on in change.was.items() if not on}
    fields = {name: getattr(person, name) for name in NAME_FIELDS + PERSONAL_FIELDS}
    update_person(actor=actor, person=person, roles=roles, **fields)


def _roles_cannot(change):
    return str(NOT_KEPT) if not change.was else None


def _roles(event: AuditEvent, on: bool) -> dict:
    return {r: on for r in event.data.get("roles_added", [])} | {
        r: not on for r in event.data.get("roles_removed", [])
    }


def _link_key(event: AuditEvent) -> str:
    return f"{event.data['parent']}-{event.data['student']}"


def _link_row(change):
    parent, student = change.key.rsplit(":", 1)[1].split("-")
    return ParentLink.objects.filter(parent__person_id=parent, student__person_id=student)


def _link_now(change, lock):
    link = _link_row(change).select_for_update(of=("self",)).first() if lock else _link_row(change).first()
    return link.relation if link else None


def _link_restore(actor, change, now):
    from accounts.services.people import link_parent, unlink_parent

    if change.was is None:
        unlink_parent(actor=actor, link=_link_row(change).select_related("parent", "student").get())
    else:
        parent, student = change.key.rsplit(":", 1)[1].split("-")
        link_parent(
            actor=actor,
            parent=Person.objects.get(pk=parent),
            student=Person.objects.get(pk=student),
            relation=change.was,
        )


def _show_roles(state) -> str:
    if not state:
        return ""
    return ", ".join(str(Role(r).label) for r, on in sorted(state.items()) if on) or "—"


def _obj(e: AuditEvent) -> str:
    return e.object_id


def _old(e: AuditEvent):
    return e.data.get("old")


def _new(e: AuditEvent):
    return e.data.get("new")


def _none(e: AuditEvent):
    return None


def _school(e: AuditEvent) -> str:
    return str(e.school_id)


def _as_int(e: AuditEvent) -> int:
    return int(e.object_id)


def _remark_state(e: AuditEvent) -> dict:
    return {"kind": e.data["kind"], "text": e.data["text"]}


def _name(e: AuditEvent) -> dict:
    return {"name": e.data["name"]}


def _sub_lesson(e: AuditEvent) -> str:
    return str(e.data["lesson"])


def _moved_from(e: AuditEvent) -> int:
    return e.data["position"] + (1 if e.data["direction"] == "up" else -1)


def _fields_of(e: AuditEvent) -> dict:
    return {k: e.data[k] for k in ("code", "name", "weight")}


ACTIONS: dict[str, Action] = {
    "journal.topic_set": Action("topic", _obj, _old, _new, lesson=_as_int),
    "journal.topic_cleared": Action("topic", _obj, _old, _none, lesson=_as_int),
    "journal.topics_filled_from_plan": Action(
        "topic", _obj, _old, _new, lesson=_as_int, parts=_topics_filled
    ),
    "journal.work_added": Action("work", _obj, _none, lambda e: {"code": e.data["work_type"]}, student=_none),
    "journal.homework_set": Action("homework", _obj, _old, _new, lesson=_as_int),
    "journal.homework_cleared": Action("homework", _obj, _old, _none, lesson=_as_int),
    "journal.remark_added": Action("remark", _obj, _none, _remark_state),
    "journal.remark_removed": Action("remark", _obj, _remark_state, _none),
    "journal.attachment_added": Action("attachment", _obj, _none, _name),
    "journal.attachment_removed": Action("attachment", _obj, _name, _none),
    "substitution_recorded": Action(
        "substitution", _sub_lesson, _none, lambda e: _substitution(e.data), student=_none
    ),
    "substitution_changed": Action(
        "substitution",
        _sub_lesson,
        lambda e: _substitution(e.data["old"]),
        lambda e: _substitution(e.data["new"]),
        student=_none,
    ),
    "substitution_cancelled": Action(
        "substitution", _sub_lesson, lambda e: _substitution(e.data), _none, student=_none
    ),
    "journal_edit_window_set": Action("edit_window", _school, _old, _new, lesson=_none, student=_none),
    "journal_finals_rules_set": Action("finals_rules", _school, _old, _new, lesson=_none, student=_none),
    "work_type_added": Action("work_type", _obj, _none, _fields_of, lesson=_none, student=_none),
    "work_type_changed": Action("work_type", _obj, _old, _new, lesson=_none, student=_none),
    "work_type_deleted": Action("work_type", _obj, _fields_of, _none, lesson=_none, student=_none),
    "work_type_default_set": Action("work_type_default", _school, _old, _new, lesson=_none, student=_none),
    "work_type_moved": Action(
        "work_type_position", _obj, _moved_from, lambda e: e.data["position"], lesson=_none, student=_none
    ),
    "school_settings_changed": Action(
        "school_settings",
        _school,
        lambda e: {k: v[0] for k, v in e.data["changed"].items()},
        lambda e: {k: v[1] for k, v in e.data["changed"].items()},
        lesson=_none,
        student=_none,
    ),
    "person_updated": Action(
        "person_roles",
        _obj,
        lambda e: _roles(e, False),
        lambda e: _roles(e, True),
        lesson=_none,
        student=_none,
        note=lambda e: str(NOT_KEPT) if e.data.get("fields") else None,
    ),
    "parent_linked": Action(
        "parent_link", _link_key, _none, lambda e: e.data["relation"], lesson=_none, student=_none
    ),
    "parent_unlinked": Action(
        "parent_link", _link_key, lambda e: e.data["relation"], _none, lesson=_none, student=_none
    ),
}

KINDS: dict[str, Kind] = {
    "topic": Kind(_("Lesson topic"), _topic_now, _topic_restore),
    "homework": Kind(_("Homework"), _homework_now, _homework_restore),
    "work": Kind(_("Mark column"), _work_now, _work_restore, cannot=_work_cannot),
    "remark": Kind(_("Remark"), _remark_now, _remark_restore),
    "attachment": Kind(_("Homework file"), _attachment_now, _attachment_restore, cannot=_attachment_cannot),
    "substitution": Kind(
        _("Lesson substitution"), _substitution_now, _substitution_restore, show=_show_substitution
    ),
    "edit_window": Kind(_("Edit window"), _edit_window_now, _edit_window_restore),
    "finals_rules": Kind(_("Final marks rules"), _finals_rules_now, _finals_rules_restore),
    "work_type": Kind(_("Type of work"), _work_type_now, _work_type_restore),
    "work_type_default": Kind(_("Type of work for a new column"), _default_now, _default_restore),
    "work_type_position": Kind(_("Order of the types of work"), _position_now, _position_restore),
    "school_settings": Kind(_("School settings"), _school_now, _school_restore, merge=True),
    "person_roles": Kind(
        _("Roles of a person"), _roles_now, _roles_restore, show=_show_roles, merge=True, cannot=_roles_cannot
    ),
    "parent_link": Kind(_("Parent and child link"), _link_now, _link_restore),
}

# Actions the rollback does not undo, with the reason the page gives.
IRREVERSIBLE: dict[str, str] = {
    "person_created": _(
        "A person is never deleted here (their history would go with them): if they are not real, take "
        "their roles away on their page."
    ),
    "consent_recorded": _("A consent is a signed paper: check the record against it."),
    "consent_withdrawn": _("A consent is a signed paper: check the record against it."),
    "password_changed": _("The report makes the login choose a new password anyway."),
    "2fa_enabled": _("The report removed the login's second factor."),
    "2fa_disabled": _("The report removed the login's second factor."),
    "2fa_backup_codes_regenerated": _("The report removed the login's second factor."),
    "reports.printout_generated": _(
        "A printout cannot be taken back: if it was printed, find the paper and destroy it."
    ),
    "reports.printout_regenerated": _(
        "A printout cannot be taken back: if it was printed, find the paper and destroy it."
    ),
    "journal.work_removed": _("The column was empty: add it again on the grid if it is needed."),
    "journal.marklog_export_requested": _(
        "The login read the mark log: what was read cannot be unread. Tell the data protection officer."
    ),
}
OTHER = _("Not rolled back here: check it by hand.")
