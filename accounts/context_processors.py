from .navigation import menu_for


def portal(request):
    actor = getattr(request, "actor", None)
    if actor is None:
        return {}
    return {"actor": actor, "menu": menu_for(actor)}
