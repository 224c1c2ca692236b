"""Every control of the training lesson, declared once (see ``lib.core.controls``)."""

from lib.core.controls import Control, Table  # noqa: F401

CONTROLS = Table("training", [])  # TODO(one house): the page's controls move here
