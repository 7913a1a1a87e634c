"""The school's journal settings: the edit window (R-J-10), the work types and weights (R-J-3), the rules of
final marks (thresholds R-F-2, deadline R-F-4).

`services` validates and writes them (audited); `views`/`forms`/`urls` are the admin's settings page.
"""
