"""Benchmark of rolling back a compromised login (R-ACC-7): `rollback_500`.

A 30-student maths course of the demo teacher (run.py's `journal_course`, in a transaction rolled back
at the end). Before each run, untimed: the teacher's login writes «2» into 500 cells (the first 17
lessons × 30 students) and the admin reports it compromised from just before. Timed: the admin's
rollback of all 500 changes (`journal.rollback.services.roll_back`: the marks through `record_cells`, the batch
form of `record_cell` with the same checks per cell, a log entry each, the news withdrawn; the news of
the false marks was dispatched before, as the beat does). Target: under 5 s.
"""

from __future__ import annotations

CHANGES = 500


def register_benchmarks(register, url, check, failure):
    def rollback_500(b):
        from django.utils import timezone

        from accounts.actor import load_actor
        from accounts.services.compromise import report_compromised
        from journal.grid.services import record_cell
        from journal.marklog import notifications
        from journal.models import Cell, MarkLogHead, NotifyCursor, Work
        from journal.rollback import services as rollback

        course, period, lessons, pupils, undo = register.__globals__["journal_course"](
            b, 50
        )  # run.py's course builder
        teacher = load_actor(b.users["teacher"], b.school.pk)
        admin = load_actor(b.users["admin"], b.school.pk)
        works = list(
            Work.objects.filter(lesson__in=lessons[:17])
            .select_related("lesson")
            .order_by("lesson__date", "pk")
        )
        targets = [(w, s) for w in works for s in pupils][:CHANGES]
        state = {}
        # The seeded journal's news is not this benchmark's: the dispatcher starts at the head of the log.
        head = MarkLogHead.objects.get(school=b.school).seq
        NotifyCursor.objects.update_or_create(school=b.school, defaults={"seq": head})

        def before():
            since = timezone.now()
            versions = {
                (c.work_id, c.student_id): c.version
                for c in Cell.objects.filter(work__in=works).only("work_id", "student_id", "version")
            }
            for work, student in targets:
                record_cell(
                    actor=teacher,
                    work=work,
                    student=student,
                    raw="2",
                    version=versions.get((work.pk, student.pk)),
                )
            notifications.dispatch(b.school)  # the beat passed the false news on long before the report
            state["report"] = report_compromised(
                actor=admin, user=b.users["teacher"], school=b.school, since=since
            )

        def run():
            outcome = rollback.roll_back(actor=admin, report=state["report"])
            if len(outcome.done) != CHANGES:
                raise failure(f"rolled back {len(outcome.done)} of {CHANGES}: {outcome.skipped[:3]}")
            return outcome

        run.before = before
        run.after = undo
        return run

    register("rollback_500", rollback_500, memory=False, runs=3, warmup=1)
