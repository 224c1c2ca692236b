"""Every control of the home lesson, declared once (see ``lib.core.controls``)."""

from lib.core.controls import Control, Table

CONTROLS = Table("home", [
    Control("n", "slider", 512, "home.matrix_size", 64, 2048, 64),
])
