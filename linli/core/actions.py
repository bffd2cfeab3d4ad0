"""One action registry per workflow app: what a user can do to a row, declared once.

An ``Action`` is what a person chooses on a page or calls on the API ("check the
work"); it takes one of a few transitions of the app's workflow (check → passed or
rework). Each action names its form (the page and the API validate with the same
form) and the function that performs it through the app's services. From the
registry come:

* the staff action list of a row, in the registry's order (the forward step first);
* the page's one small form per allowed action;
* the API's ``POST /<things>/{id}/<action>`` endpoints (``core.api.action_routes``);
* the confirmation shown after the action: the *transition actually taken* says it
  (``Transition.done`` / ``done_to_owner``), never the button that was pressed.

``ActionRegistry`` checks at import that its actions cover the workflow's transitions
exactly once, so no transition lacks a form or an endpoint.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from django import forms
from django.contrib import messages
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from .errors import Conflict, IllegalTransition, InvalidForm, InvalidInput, LinliError
from .idempotency import claim_key
from .workflow import Machine, Transition


class Context(Protocol):
    """What an app's detail selector gives the registry about one row and one viewer."""

    @property
    def row(self) -> Any: ...

    @property
    def actions(self) -> Sequence[Transition]: ...  # allowed to this viewer now

    @property
    def owner_view(self) -> bool: ...  # the viewer is the person the row is about


Runner = Callable[[Any, Any, dict], str]  # (actor, context, cleaned data) -> transition taken


@dataclass(frozen=True)
class Action:
    """``form`` validates the input (the same class for the page and the API);
    ``form_kwargs(context)`` gives it what depends on the row (the units one may choose,
    the suggested handler). ``run`` performs it and answers the transition it took."""

    name: str  # also the page's and the API's path segment (underscores become dashes)
    label: Any  # the heading of its panel ("Check the work")
    transitions: tuple[str, ...]  # the workflow transitions it may take
    form: type[forms.Form]
    run: Runner
    form_kwargs: Callable[[Any], dict] | None = None

    @property
    def slug(self) -> str:
        return self.name.replace("_", "-")

    def make_form(self, ctx, data=None, files=None) -> forms.Form:
        return self.form(data, files, **(self.form_kwargs(ctx) if self.form_kwargs else {}))


@dataclass(frozen=True)
class Outcome:
    action: Action
    transition: Transition
    message: str


class ActionRegistry:
    """``system``: transitions no person chooses (a sweep's expiry, a step that follows
    from another record's): they need no action, and none may offer them."""

    def __init__(self, machine: Machine, actions: Sequence[Action], *, system: Sequence[str] = ()):
        self.machine = machine
        self.actions: dict[str, Action] = {a.name: a for a in actions}
        covered = [t for a in actions for t in a.transitions] + list(system)
        missing = set(machine.workflow.transitions) - set(covered)
        twice = {t for t in covered if covered.count(t) > 1}
        unknown = set(covered) - set(machine.workflow.transitions)
        if missing or twice or unknown:
            raise ValueError(
                f"actions must cover each transition once: missing {sorted(missing)}, "
                f"twice {sorted(twice)}, unknown {sorted(unknown)}"
            )
        self._of_transition = {t: a for a in actions for t in a.transitions}

    def __iter__(self):
        return iter(self.actions.values())

    def get(self, name: str) -> Action:
        found = self.actions.get(name.replace("-", "_"))
        if found is None:
            raise Http404
        return found

    def offered(self, ctx: Context) -> list[Action]:
        """The actions the viewer may take now, in the registry's order."""
        allowed = {t.name for t in ctx.actions}
        return [a for a in self.actions.values() if allowed & set(a.transitions)]

    def forms_for(self, ctx: Context, *, bound: dict[str, forms.Form] | None = None) -> dict:
        """One form per offered action (the bound one that failed, where given)."""
        return {a.name: (bound or {}).get(a.name) or a.make_form(ctx) for a in self.offered(ctx)}

    def bind(self, actor, ctx: Context, name: str, data, files) -> tuple[Action, forms.Form]:
        """The action and its form bound to the input; Http404 when no transition of it is
        the viewer's to take on this row (as the service would answer)."""
        action = self.get(name)
        if action not in self.offered(ctx):
            row = ctx.row
            wf = self.machine.workflow
            if not any(self.machine.authorize(actor, row, wf[t]) for t in action.transitions):
                raise Http404
        return action, action.make_form(ctx, data, files)

    def perform(self, actor, ctx: Context, action: Action, form: forms.Form) -> Outcome:
        """Run a bound action; returns what was done and how to confirm it.

        In this order: input that does not fit the form raises ``InvalidForm`` (422 on the
        API); a form token already used for this row answers "already saved"; a status that allows none of its transitions raises ``IllegalTransition``
        with the reason (409: a double click, someone else was faster); the services
        raise ``InvalidInput`` (400). Nothing is saved unless it is done.
        """
        if not form.is_valid():
            raise InvalidForm.from_form(form)
        token = form.cleaned_data.get("form_token") or ""
        if not token:
            return self._run(actor, ctx, action, form)
        # A form with a one-time token (``OnceForm``): its step is taken once. A resend
        # (the phone's queue after a lost answer, a double tap) finds the token and is
        # answered as done, where without it the new status would refuse the step.
        row = ctx.row
        with transaction.atomic():
            once = claim_key(
                actor=actor,
                scope=f"action.{row._meta.label_lower}.{action.name}"[:60],
                key=token,
                model=type(row),
            )
            if once.earlier is not None:
                if once.earlier.pk != row.pk:
                    raise Conflict(_("This was already submitted."), code="duplicate_submit")
                taken = self.machine.workflow[action.transitions[0]]
                return Outcome(action, taken, _("This was already saved."))
            outcome = self._run(actor, ctx, action, form)
            once.record(row)
        return outcome

    def _run(self, actor, ctx: Context, action: Action, form: forms.Form) -> Outcome:
        if action not in self.offered(ctx):
            for t in action.transitions:
                self.machine.workflow.next_status(t, ctx.row.status)
            raise Http404  # pragma: no cover - allowed and permitted means offered
        taken = self.machine.workflow[action.run(actor, ctx, form.cleaned_data)]
        return Outcome(action, taken, self.confirmation(taken, owner=ctx.owner_view))

    def confirmation(self, t: Transition, *, owner: bool) -> str:
        said = (t.done_to_owner if owner else None) or t.done
        return str(said) if said else _("Saved: %(action)s.") % {"action": t.label}


__all__ = ["Action", "ActionRegistry", "IllegalTransition", "Outcome"]


@dataclass
class Attempt:
    """What came of a page's POST of an action: done (``outcome``), or to be shown again
    with ``status`` and either the bound form that failed (``bound``) or a message."""

    outcome: Outcome | None = None
    status: int = 200
    bound: dict[str, forms.Form] | None = None
    open_form: str = ""
    error: str = ""


def attempt(registry: ActionRegistry, actor, ctx: Context, name: str, data, files) -> Attempt:
    """Bind, check and perform ``name`` for a page (the API calls ``bind``/``perform`` and
    lets the errors become JSON). Not the actor's to do: Http404 propagates."""
    action, form = registry.bind(actor, ctx, name, data, files)
    try:
        return Attempt(outcome=registry.perform(actor, ctx, action, form))
    except InvalidForm:
        return Attempt(status=400, bound={action.name: form}, open_form=action.name)
    except InvalidInput as exc:
        form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        return Attempt(status=400, bound={action.name: form}, open_form=action.name)
    except LinliError as exc:
        return Attempt(status=exc.status, error=exc.message)


def act_on_page(request, registry: ActionRegistry, load: Callable[[], Any], render, done: str):
    """A detail page's POST of one action (``name`` in the URL), the same for every module:
    ``load()`` gives the viewer's context (Http404 when the row is not theirs); done, the
    transition's confirmation and a redirect to ``done``; refused, the page again through
    ``render(ctx, status=, bound=, open_form=)`` with the reason (``messages.error``)."""
    name = request.resolver_match.kwargs["name"]
    tried = attempt(registry, request.user, load(), name, request.POST, request.FILES)
    if tried.outcome is None:
        if tried.error:
            messages.error(request, tried.error)
        return render(load(), status=tried.status, bound=tried.bound, open_form=tried.open_form)
    messages.success(request, tried.outcome.message)
    return redirect(done)
