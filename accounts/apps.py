from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import auth, jobruns, sessions  # noqa: F401  (connect the sign-in and sign-out signal handlers)

        jobruns.connect()  # the periodic jobs' runs, for the jobs page
