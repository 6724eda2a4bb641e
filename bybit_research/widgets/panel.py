"""What every panel shares: the client it fetches with, a status line that shows what is being fetched and
any error, and the ``frame`` / ``figure`` it shows (read back by tests and by users).

A panel is an ``ipywidgets.VBox``: display it (or leave it last in a cell) and it renders. Its state lives in
widget values, its pictures are PNG bytes in ``widgets.Image`` and its tables HTML in ``widgets.HTML``, so all
of it can be read back without a browser. Every fetch goes through :meth:`Panel.attempt`: the status line
says "loading ..." until the fetch returns and shows the error if it raises, so a failing fetch never leaves
a silent dead widget.
"""

from __future__ import annotations

import html
import warnings
from collections.abc import Callable
from typing import Any, TypeVar

import ipywidgets as widgets
import pandas as pd
from matplotlib.figure import Figure

from ..client import Client, get_default_client

__all__ = ["NothingToShow", "Panel", "css_class", "dropdown"]

T = TypeVar("T")

#: CSS class prefix of every widget a panel makes (browser tests locate widgets by these classes)
PREFIX = "br-"


def css_class(widget: widgets.DOMWidget, name: str) -> widgets.DOMWidget:
    """Give ``widget`` the CSS class ``br-<name>`` and return it."""
    widget.add_class(PREFIX + name)
    return widget


def dropdown(name: str, description: str, options: list[Any], value: Any = None, width: str = "210px") -> Any:
    """Return a labelled ``widgets.Dropdown`` of class ``br-<name>`` (``value`` default: the first option)."""
    chosen = value if value is not None or not options else options[0]
    if isinstance(chosen, tuple):
        chosen = chosen[1]
    box = widgets.Dropdown(
        options=options, value=chosen, description=description, layout=widgets.Layout(width=width)
    )
    return css_class(box, name)


class NothingToShow(Exception):
    """Raised by a panel's action when there is nothing to show and that is no error (a dated future has
    no funding): :meth:`Panel.attempt` shows the message as a note, not as a failure."""


class Panel(widgets.VBox):
    """A VBox with a client, a status line, and the ``frame`` and ``figure`` it shows.

    Parameters
    ----------
    client
        The client to fetch with; default :func:`bybit_research.client.get_default_client`.
    name
        The panel's CSS class (``br-<name>``).

    Attributes
    ----------
    client
        The client every fetch goes through.
    status
        ``widgets.HTML``: empty when idle, "loading ..." (class ``br-busy``) during a fetch, the error
        message (class ``br-error``) after a failed one.
    error
        The last error's message, or None when the last attempt succeeded.
    note
        Why the panel shows nothing (:class:`NothingToShow`), or None.
    frame
        The frame the panel shows (None before the first successful fetch).
    figure
        The figure the panel shows (None when it shows none).
    """

    frame: pd.DataFrame | None = None
    figure: Figure | None = None

    def __init__(self, client: Client | None, name: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.client: Client = client if client is not None else get_default_client()
        self.status = css_class(widgets.HTML(""), "status")
        self.error: str | None = None
        self.note: str | None = None
        self.add_class(PREFIX + "panel")
        self.add_class(PREFIX + name)

    @property
    def busy(self) -> bool:
        """Whether a fetch is running (the status line says "loading ...")."""
        return PREFIX + "busy" in self.status._dom_classes

    def attempt(self, what: str, action: Callable[[], T]) -> T | None:
        """Run ``action`` with "loading <what> ..." in the status line; return its result.

        Warnings ``action`` raises (``DataStartsLaterWarning``) are shown as a note (class ``br-note``,
        :attr:`note`); so is the message of :class:`NothingToShow`. When it raises anything else, the status
        line shows "<what> failed: <error>" (class ``br-error``), :attr:`error` holds the message, and None
        is returned: the panel stays usable and says why it shows nothing new.
        """
        self._show(f"loading {what} …", "busy")
        self.error = self.note = None
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                result = action()
        except NothingToShow as reason:
            self.note = str(reason)
            self._show(self.note, "note")
            return None
        except Exception as error:  # the panel shows every failure; nothing is swallowed silently
            self.error = f"{what} failed: {type(error).__name__}: {error}"
            self._show(self.error, "error")
            return None
        # what the toolkit warns about (data starting later than asked) is said in the panel, not lost
        said = list(dict.fromkeys(str(w.message) for w in caught))
        self.note = "; ".join(said) or None
        self._show(self.note or "", "note" if said else None)
        return result

    def _show(self, text: str, state: str | None) -> None:
        for name in ("busy", "error", "note"):
            self.status.remove_class(PREFIX + name)
        if state is not None:
            self.status.add_class(PREFIX + state)
        colour = {"busy": "#546e7a", "error": "#c62828", "note": "#546e7a"}.get(state or "", "inherit")
        self.status.value = f'<span style="color:{colour}">{html.escape(text)}</span>' if text else ""
