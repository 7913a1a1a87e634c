"""`{{ moment|due }}`: a deadline as the school reads it, in the current time zone; a deadline at midnight is
the end of the day before ("08.12 24:00"), not the start of the next ("09.12 00:00")."""

import datetime

from django import template
from django.utils import timezone
from django.utils.formats import date_format

register = template.Library()


@register.filter
def due(value, with_date=True):
    if not isinstance(value, datetime.datetime):
        return ""
    local = timezone.localtime(value)
    if local.time() == datetime.time(0):
        day, clock = local.date() - datetime.timedelta(days=1), "24:00"
    else:
        day, clock = local.date(), local.strftime("%H:%M")
    return f"{date_format(day, 'd.m')} {clock}" if with_date else clock
