"""`manage.py seed_demo`: a deterministic demo school with demo logins (the builder: ejournal/demo/)."""

import datetime
import json
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from accounts.models import School
from ejournal import demo


class Command(BaseCommand):
    help = (
        "Build a deterministic, realistic demo school (people, year, periods, holidays, rooms, subjects, "
        "classes, subgroups, courses, bells, a clash-free weekly timetable, the year's lessons and their journal "
        "up to yesterday: marks, attendance, topics, thematic plans, homework, remarks and the hash-chained mark "
        "log) with demo logins. In the summer (June–August) the year just ended, with its finals, signed "
        "printouts and closed, and the next year prepared. Password of every demo login: "
        f"{demo.DEMO_PASSWORD}."
    )
    # URL and template checks belong to `check`; seeding works while pages are being written.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument(
            "--size",
            choices=list(demo.SIZES),
            default="default",
            help="default: ~550 students (slug 'demo'); large: ~1,500 (slug 'demo-large', logins "
            "'large-…'); tiny: ~60, for tests (slug 'demo-tiny', logins 'tiny-…')",
        )
        parser.add_argument("--slug", help="school code (default: the size's)")
        parser.add_argument(
            "--seed", type=int, default=demo.DEFAULT_SEED, help="random seed (default %(default)s)"
        )
        parser.add_argument(
            "--today",
            type=datetime.date.fromisoformat,
            help="build the academic year of this date, its journal up to the day before; in the summer "
            "the year just ended and the next one (default: today in the school's time zone)",
        )
        parser.add_argument("--logins-json", metavar="PATH", help="write the demo logins as JSON to PATH")
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="do nothing if the school exists (the JSON is still written)",
        )
        parser.add_argument(
            "--reset",
            action="store_true",
            help="delete the school's data (audit trail, journal and mark log included) and build it again; "
            "demo schools only",
        )

    def handle(self, *args, size, slug, seed, today, logins_json, if_empty, reset, **options):
        if if_empty and reset:
            raise CommandError("--if-empty and --reset exclude each other")
        spec = demo.get_size(size)
        slug = slug or spec.slug
        school = School.objects.filter(slug=slug).first()
        started = time.monotonic()
        if school is not None and if_empty:
            self.stdout.write(f"School {slug!r} exists: nothing to do.")
            self._write_logins(logins_json, demo.demo_logins(spec))
            return
        if school is not None:
            if not reset:
                raise CommandError(
                    f"School {slug!r} exists: use --reset to rebuild it or --if-empty to keep it."
                )
            if not slug.startswith("demo"):
                raise CommandError(
                    f"--reset deletes a whole school: only demo schools (slug 'demo…'), not {slug!r}"
                )
            deleted = demo.purge_school(school)
            self.stdout.write(
                f"Deleted school {slug!r}: {sum(deleted.values())} rows in {time.monotonic() - started:.1f} s."
            )
            started = time.monotonic()
        try:
            built = demo.build_demo(size=spec, slug=slug, seed=seed, today=today)
        except demo.DemoError as exc:
            raise CommandError(str(exc)) from exc
        demo.analyze_tables()
        elapsed = time.monotonic() - started
        self._summary(built, elapsed)
        self._write_logins(logins_json, [login.as_dict() for login in built.logins])

    def _summary(self, built, elapsed):
        out = self.stdout
        school, year = built.school, built.calendar.year
        out.write(
            self.style.SUCCESS(
                f"Built {school.short_name} (slug {school.slug!r}, year {year.name}) in {elapsed:.1f} s."
            )
        )
        width = max(len(k) for k in built.counts)
        for key, value in built.counts.items():
            out.write(f"  {key.replace('_', ' '):<{width}}  {value:>6}")
        timetable = built.timetable
        if timetable is not None:
            out.write(
                f"Timetable: {len(timetable.entries)} weekly entries; lessons generated: "
                f"{timetable.lessons.created}."
            )
            for name, missing in sorted(timetable.shortfall.items()):
                out.write(self.style.WARNING(f"  {name}: {missing} weekly lesson(s) found no free slot"))
            for message in timetable.lessons.messages:
                out.write(self.style.WARNING(f"  {message}"))
        if built.journal is not None:
            journal = built.journal
            out.write(
                f"Journal of the lessons before {journal.until:%d.%m.%Y}: {journal.log_entries} mark-log "
                f"entries, built in {journal.seconds:.1f} s."
            )
        if built.year_end is not None:
            signed = built.year_end.printouts
            out.write(
                f"Year {year.name} closed: every final in, {len(signed)} printouts signed and frozen "
                f"({', '.join(sorted({p.school_class.name for p in signed}))}) in {built.year_end.seconds:.1f} s."
            )
        nxt = built.next_year
        if nxt is not None:
            out.write(
                f"Next year {nxt.calendar.year.name} prepared: {len(nxt.structure.classes)} classes, "
                f"{len(nxt.moved_up) + len(nxt.pupils.enrollments)} students from "
                f"{nxt.calendar.year.starts:%d.%m.%Y} ({len(nxt.pupils.enrollments)} new first graders), "
                f"{len(nxt.courses.courses)} courses, {len(nxt.timetable.entries)} weekly entries, "
                f"{nxt.timetable.lessons.created} lessons."
            )
            for person in nxt.hired:
                out.write(f"  hired without a login yet: {person.full_name}, {demo.PRIMARY_POSITION.lower()}")
        if built.pupils.movements:
            out.write("Movement:")
            for line in built.pupils.movements:
                out.write(f"  {line}")
        out.write(f"Demo logins (password for all: {demo.DEMO_PASSWORD}):")
        rows = [(x.role, x.username, x.person.full_name, x.note) for x in built.logins]
        widths = [max(len(r[i]) for r in rows) for i in range(3)]
        for role, username, name, note in rows:
            out.write(f"  {role:<{widths[0]}}  {username:<{widths[1]}}  {name:<{widths[2]}}  {note}".rstrip())

    def _write_logins(self, path, logins):
        if not path:
            return
        Path(path).write_text(json.dumps(logins, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        self.stdout.write(f"Wrote {len(logins)} demo logins to {path}.")
