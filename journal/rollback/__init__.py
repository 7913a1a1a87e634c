"""A compromised login (R-ACC-7): what it changed, and putting it back.

`services` lists and rolls back what the mark log holds (marks, attendance, reasons, finals); `kinds` is the
registry of everything else a login can change (read from its audit events), each with its own undo;
`views`/`urls` are the admin's pages (report, list, roll back, the result).
"""
