"""The diary of a student (R-D-1…6): the pages families read. Reads only; the diary writes nothing.

- `frame`: who may read a diary and the frame every diary page shares (the student, their family, the staff).
- `week` (+ `week_views`): the week lesson by lesson and the homework due.
- `marks` (+ `marks_views`): marks per subject with the weighted average, finals, the `forecast` and the
  `charts` (SVG drawn on the server).
- `summary` (+ `summary_views`, `summary_forms`): the printable summary sheet of a student or a class (R-D-5).
- `digest`: the journal's side of the parents' weekly digest (accounts/notify writes the letter).
- `urls`: the "diary" namespace under /diary/.
"""
