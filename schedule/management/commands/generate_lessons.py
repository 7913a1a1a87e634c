"""`manage.py generate_lessons --school SLUG [--year NAME]`: bring a year's lessons in line with its timetable."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts.models import School
from schedule import calendar, selectors
from schedule.models import AcademicYear


class Command(BaseCommand):
    help = (
        "Generate the lesson calendar of a school's year from its weekly timetable (idempotent: lessons "
        "with data are kept, the rest follow the timetable) and print the report."
    )

    def add_arguments(self, parser):
        parser.add_argument("--school", required=True, metavar="SLUG", help="the school's code (slug)")
        parser.add_argument("--year", metavar="NAME", help="e.g. 2026/2027 (default: the current year)")

    def handle(self, *args, school, year, **options):
        found = School.objects.filter(slug=school).first()
        if found is None:
            raise CommandError(f"No school with the code {school!r}.")
        if year:
            chosen = AcademicYear.objects.filter(school=found, name=year).first()
            if chosen is None:
                raise CommandError(f"The school {school!r} has no year {year!r}.")
        else:
            chosen = selectors.current_year(found)
            if chosen is None:
                raise CommandError(f"The school {school!r} has no academic year.")
        try:
            report = calendar.generate_lessons(actor=None, year=chosen)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        self.stdout.write(self.style.SUCCESS(f"Lessons of {found.short_name}, {chosen.name}:"))
        for key, value in report.counts().items():
            self.stdout.write(f"  {key.replace('_', ' '):<16} {value:>7}")
        for message in report.messages:
            self.stdout.write(f"  - {message}")
