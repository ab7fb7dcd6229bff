from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from school.accounts.forms import LoginForm, PasswordChangeForm
from school.accounts.ratelimit import login_rate_limit


@method_decorator(login_rate_limit, name="dispatch")
class LoginView(auth_views.LoginView):
    """Username or phone plus password; ``next`` is followed only to this site."""

    form_class = LoginForm
    template_name = "accounts/login.html"
    extra_context = {"title": gettext_lazy("Log in")}

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        # A logged-in visitor sent here with a ``next`` lacks a permission there (the Wagtail
        # admin sends learners here): bouncing back would loop, so they see the form instead.
        if request.user.is_authenticated and request.method == "GET" and not self.get_redirect_url():
            return HttpResponseRedirect(self.get_default_redirect_url())
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form: LoginForm) -> HttpResponse:
        response = super().form_valid(form)
        if self.request.user.must_change_password:
            query = urlencode({"next": self.get_success_url()})
            return HttpResponseRedirect(f"{reverse('accounts:password_change')}?{query}")
        return response


class LogoutView(auth_views.LogoutView):
    """Logging out changes state, so it takes a POST; a GET shows the button instead of 405."""

    http_method_names = ["get", "post", "options"]
    template_name = "accounts/logout.html"
    extra_context = {"title": gettext_lazy("Log out")}

    def get(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.is_authenticated:
            return HttpResponseRedirect(self.get_default_redirect_url())
        return self.render_to_response(self.get_context_data(**kwargs))

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        was_authenticated = request.user.is_authenticated
        response = super().post(request, *args, **kwargs)
        if was_authenticated:
            messages.success(request, _("You have been logged out."))
        return response


class PasswordChangeView(auth_views.RedirectURLMixin, auth_views.PasswordChangeView):
    """Change one's own password; also the page every first login is sent to, then on to ``next``."""

    form_class = PasswordChangeForm
    template_name = "accounts/password_change.html"
    title = gettext_lazy("Change password")
    next_page = "/"

    def form_valid(self, form: PasswordChangeForm) -> HttpResponse:
        form.save(request=self.request)
        messages.success(self.request, _("Your password has been changed."))
        return HttpResponseRedirect(self.get_success_url())

    def get_context_data(self, **kwargs) -> dict:
        context = super().get_context_data(**kwargs)
        context["forced"] = self.request.user.must_change_password
        context["next"] = self.get_redirect_url()
        return context
