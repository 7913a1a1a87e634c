"""The class teacher's weekly attendance reconciliation (R-J-8): the week's page and its one write.

`services` reads the class's week and sets absence reasons; `views`/`urls` are the page and its endpoint.
"""
