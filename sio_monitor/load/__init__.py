"""Virtual users on Locust: the locustfile (run only in the Locust child) and its runner.

Nothing in the app's own process imports ``locustfile``: Locust monkey-patches
the standard library with gevent on import. The runner starts it as a child.
"""
