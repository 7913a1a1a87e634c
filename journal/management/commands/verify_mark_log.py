"""`manage.py verify_mark_log [--school SLUG]`: walk each school's mark-log chain; non-zero exit when broken."""

from django.core.management.base import BaseCommand, CommandError, no_translations

from accounts.models import School
from journal.marklog import services as marklog


class Command(BaseCommand):
    help = "Verify the hash chain of the mark log of one school (--school SLUG) or of every school."

    def add_arguments(self, parser):
        parser.add_argument(
            "--school", metavar="SLUG", help="the school's code (slug); every school if omitted"
        )

    @no_translations  # stable English output for scripts and monitoring
    def handle(self, *args, school=None, **options):
        schools = School.objects.order_by("slug")
        if school:
            schools = schools.filter(slug=school)
            if not schools.exists():
                raise CommandError(f"No school with the code {school!r}.")
        broken = []
        for each in schools:
            ok, seq, message = marklog.verify(each)
            if ok:
                self.stdout.write(f"{each.slug}: {message}")
            else:
                line = f"{each.slug}: BROKEN at entry {seq}: {message}"
                self.stderr.write(line)
                broken.append(line)
        if broken:
            raise CommandError("the mark log is broken — " + "; ".join(broken))
