"""bctrl-tail: follow the live event stream of a bctrl browser run."""

__version__ = "0.1.0"
