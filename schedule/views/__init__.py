"""Pages of the school structure: thin views over `schedule.forms`, `schedule.services.*` and `schedule.selectors`."""
