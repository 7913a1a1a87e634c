"""The tamper-evident mark log (R-J-11, DESIGN.md decision 7) and what is built on it.

- `services`: append (one entry or many) in the caller's transaction, and verify a school's hash chain.
- `report`: the admin's filtered log and its XLSX; `exports`: the XLSX built by a Celery worker.
- `notifications`: parents hear of new marks and absences by reading the log from a cursor (R-D-4).
- `views`/`forms`/`urls`: the admin's log pages.
"""
