from django.http import Http404


class StaffOnlyAdminMiddleware:
    """The Django admin is for superusers only; everyone else gets the same 404 as any unknown page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith("/admin/"):
            user = getattr(request, "user", None)
            if user is not None and user.is_authenticated and not user.is_superuser:
                raise Http404
        return self.get_response(request)
