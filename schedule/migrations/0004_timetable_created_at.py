# When a timetable entry was placed (the deadlines of journal/deadlines/, seed 001 A.19). Entries placed
# before keep it empty: unknown, so never counted late.

import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("schedule", "0003_lesson_course_period_idx"),
    ]

    operations = [
        migrations.AddField(
            model_name="timetableentry",
            name="created_at",
            field=models.DateTimeField(editable=False, null=True),
        ),
        migrations.AlterField(
            model_name="timetableentry",
            name="created_at",
            field=models.DateTimeField(default=django.utils.timezone.now, editable=False, null=True),
        ),
    ]
