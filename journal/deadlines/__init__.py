"""Deadlines of the journal (R-CTL-1…4): the school's settings, the measures, the letters and the control page."""
