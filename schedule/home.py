def context_for(actor, role, child_id=None): return {}
