"""``python -m taskladder`` is the ``taskladder`` command."""

from .cli import main

main()
