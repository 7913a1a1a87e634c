import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ejournal.settings")
app = Celery("ejournal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_configure.connect
def _refuse_dev_key(sender, **kwargs):
    from .checks import require_secret_key

    require_secret_key()
