"""The journal (namespace "journal", under /journal/): each part's URLs live in its subpackage's urls.py.

The diary has a namespace of its own ("diary", under /diary/): journal/diary/urls.py.
"""

from journal.deadlines import urls as deadlines
from journal.finals import urls as finals
from journal.grid import urls as grid
from journal.marklog import urls as marklog
from journal.plans import urls as plans
from journal.reconcile import urls as reconcile
from journal.records import urls as records
from journal.rollback import urls as rollback
from journal.settings import urls as settings

app_name = "journal"

urlpatterns = [
    *grid.urlpatterns,
    *records.urlpatterns,
    *plans.urlpatterns,
    *reconcile.urlpatterns,
    *marklog.urlpatterns,
    *settings.urlpatterns,
    *finals.urlpatterns,
    *rollback.urlpatterns,
    *deadlines.urlpatterns,
]
