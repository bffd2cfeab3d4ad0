"""Work-order pages. Each module owns its ``urlpatterns``; ``workorders/urls.py`` joins them.

Views are thin: they read through ``selectors`` / ``selectors_pages`` (scope
first: out of scope is a 404, same as missing), write through ``services``,
and turn ``LinliError`` into a message on the page (400 for bad input with the
form kept, 409 for an illegal transition or a double click) — never a 500.
"""
