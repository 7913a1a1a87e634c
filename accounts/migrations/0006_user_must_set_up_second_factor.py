from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_user_session"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="must_set_up_second_factor",
            field=models.BooleanField(default=False),
        ),
    ]
