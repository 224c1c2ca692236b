"""Every control of the layers lesson, declared once (see ``lib.core.controls``)."""

from lib.core.controls import Control, Table  # noqa: F401

CONTROLS = Table("layers", [])  # TODO(one house): the page's controls move here
