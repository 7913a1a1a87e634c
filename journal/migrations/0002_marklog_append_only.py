from django.db import migrations

# The mark log is append-only: the database refuses UPDATE and DELETE (the function is accounts' 0002).
SQL = """
CREATE TRIGGER journal_marklogentry_append_only
BEFORE UPDATE OR DELETE ON journal_marklogentry
FOR EACH ROW EXECUTE FUNCTION ejournal_refuse_change();
"""
REVERSE = "DROP TRIGGER IF EXISTS journal_marklogentry_append_only ON journal_marklogentry;"


class Migration(migrations.Migration):
    dependencies = [("journal", "0001_initial"), ("accounts", "0002_auditevent_append_only")]
    operations = [migrations.RunSQL(SQL, REVERSE)]
