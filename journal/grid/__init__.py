"""The mark grid and its cells (R-J-1…3, R-J-10): the page a teacher types marks and attendance into.

- `selectors.grid()` loads a course's grid for a period in a fixed number of queries; `render` builds its HTML
  in one pass in Python (a template loop over 1,500 cells is too slow at the 8 a.m. peak).
- `services` is the write path of a mark (DESIGN.md): `record_cell`, `record_cells` (batch), `record_attendance`,
  `add_work`, `remove_work`; each asks `journal.policy` and appends to the mark log in its transaction.
- `bulk` is their set form for a past journal entered at once (the demo school): `record_history` (columns,
  marks, attendance) and `record_marks` (marks into columns already written).
- `write_context` is the hot path's one hand-written query: what saving one cell needs to know.
- `views`/`forms`/`urls`: the list of courses, the grid page and its two endpoints (save a cell, add a column).
"""
