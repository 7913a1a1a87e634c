"""The class teacher's weekly attendance reconciliation (R-J-8): the week's page and its one write.

`selectors` reads the class's rows and its week (and the weeks still to reconcile); `services` sets absence
reasons; `views`/`urls` are the page and its endpoint.
"""
