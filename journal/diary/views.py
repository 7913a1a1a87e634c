"""/diary/: the person's own diary, or their child's (`?child=`): a redirect to its week."""

from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache

from accounts.access import school_view
from journal.rules import children_of


@never_cache
@school_view()
def index(request):
    actor = request.actor
    child_id = request.GET.get("child")
    if child_id is not None:
        # R-ACC-4: only the parent's own children, whatever id is typed.
        chosen = next((c for c in children_of(actor) if str(c.pk) == child_id), None)
        if chosen is None:
            raise Http404
        return redirect(reverse("diary:week", args=[chosen.pk]))
    if actor.student is not None:
        return redirect(reverse("diary:week", args=[actor.student.pk]))
    if actor.parent is not None:
        children = children_of(actor)
        if not children:
            return render(request, "journal/diary/no_child.html")
        return redirect(reverse("diary:week", args=[children[0].pk]))
    raise Http404
